import type { Insertable, Kysely } from 'kysely';
import type { DB } from './schema.ts';

// Rows written at once at the end of a group of timers fired in one transaction (issue 28).
//
// A thousand escalation steps falling due together cost round trips, not work: on PostgreSQL each
// statement of a firing transaction waited 2–25 ms for the cores the replicas and the database
// share (README "Benchmarks"). After the group's reads (store/read-ahead.ts) a step still wrote
// three rows one statement at a time: Hark's timeline entry, the page, and the
// private card's outbox row. While a timer kind that asked for it fires (src/timers/registry.ts
// `deferWrites`), those three tables' inserts are kept here instead, and the scanner writes them as
// one multi-row insert per table before the transaction commits; they commit or roll back with
// the rest of the group exactly as before.
//
// Only rows that nothing reads back inside the same transaction are kept: Hark's own timeline
// entries, pages, and sends to one person without a coalescing key. Sends to a group are not (an
// escalation step asks whether the group already has the card, which reads its pending sends), nor
// is anything updated or upserted. The scanner writes what was kept before it fires a timer of a
// kind that did not ask (an unseen check of the same incident reads its pages), so a handler that
// reads never sees less than it did.

interface Kept {
  timeline: Insertable<DB['timeline']>[];
  pages: Insertable<DB['pages']>[];
  outbox: Insertable<DB['outbox']>[];
}

type Table = keyof Kept;

const open = new WeakMap<object, Kept>();

/** Rows per statement: far inside both databases' limits on bound values (outbox rows have ~20 columns). */
const CHUNK = 200;

/** From now on the inserts named above, made on `trx`, are kept until flushWrites(trx). */
export function deferWrites(trx: Kysely<DB>): void {
  if (!open.has(trx)) open.set(trx, { timeline: [], pages: [], outbox: [] });
}

/**
 * Keeps `row` for `table` when writes are being deferred on `db`; false when they are not (the
 * caller then inserts it itself, as usual).
 */
export function keep<T extends Table>(db: Kysely<DB>, table: T, row: Kept[T][number]): boolean {
  const kept = open.get(db);
  if (!kept) return false;
  (kept[table] as Kept[T][number][]).push(row);
  return true;
}

/** Writes what was kept on `trx`, oldest first per table, and stops deferring. */
export async function flushWrites(trx: Kysely<DB>): Promise<void> {
  const kept = open.get(trx);
  if (!kept) return;
  open.delete(trx);
  for (const table of ['timeline', 'pages', 'outbox'] as const) {
    const rows = kept[table] as Record<string, unknown>[];
    // Rows of one statement must name the same columns (SQLite has no DEFAULT in VALUES): rows
    // that leave a column out get null, which is what the insert alone would have stored.
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK).map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])));
      await trx.insertInto(table).values(chunk as never).execute();
    }
  }
}
