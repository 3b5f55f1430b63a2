import { sql, type Insertable, type Kysely } from 'kysely';
import { isPostgres } from './migrations/001-core.ts';
import type { DB } from './schema.ts';

// Bulk history: rows that a year of use leaves behind (resolved incidents with their alerts,
// timeline, card copies, finished outbox rows and fired timers), written many rows per statement
// in one transaction. The scale benchmark fills a database with it (bench/scale.ts); nothing on a
// request path calls it. Incidents carry their numbers (the other rows point at them), so on
// PostgreSQL the number sequence is moved past them afterwards and Hark's next incident follows.

export interface HistoryBatch {
  incidents: Insertable<DB['incidents']>[];
  alerts: Insertable<DB['alerts']>[];
  timeline: Insertable<DB['timeline']>[];
  cardCopies: Insertable<DB['incident_messages']>[];
  outbox: Insertable<DB['outbox']>[];
  timers: Insertable<DB['timers']>[];
}

/** Bound parameters per statement: SQLite allows 32,766, PostgreSQL 65,535. */
const PARAMS = { sqlite: 30_000, postgres: 60_000 };

async function insertMany<T extends keyof DB & string>(db: Kysely<DB>, table: T, rows: Insertable<DB[T]>[], maxParams: number): Promise<void> {
  if (!rows.length) return;
  const per = Math.max(1, Math.floor(maxParams / Object.keys(rows[0]).length));
  for (let i = 0; i < rows.length; i += per) {
    await db.insertInto(table).values(rows.slice(i, i + per) as any).execute();
  }
}

/** Writes one batch of history in one transaction. */
export async function appendHistory(db: Kysely<DB>, batch: HistoryBatch): Promise<void> {
  const pg = isPostgres(db);
  const max = pg ? PARAMS.postgres : PARAMS.sqlite;
  await db.transaction().execute(async (trx) => {
    await insertMany(trx, 'incidents', batch.incidents, max);
    await insertMany(trx, 'alerts', batch.alerts, max);
    await insertMany(trx, 'timeline', batch.timeline, max);
    await insertMany(trx, 'incident_messages', batch.cardCopies, max);
    await insertMany(trx, 'outbox', batch.outbox, max);
    await insertMany(trx, 'timers', batch.timers, max);
    if (pg && batch.incidents.length) {
      await sql`select setval(pg_get_serial_sequence('incidents', 'number'), greatest((select max(number) from incidents), 1))`.execute(trx);
    }
  });
}

/** The highest incident number so far (0 when there is none): where generated history continues. */
export async function lastIncidentNumber(db: Kysely<DB>): Promise<number> {
  const row = await db.selectFrom('incidents').select((eb) => eb.fn.max('number').as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Refreshes the planner's statistics after a bulk load (ANALYZE on both engines). */
export async function analyzeAfterBulkLoad(db: Kysely<DB>): Promise<void> {
  await sql`analyze`.execute(db);
}
