import { sql } from 'kysely';
import type { Logger } from '../log.ts';
import type { Store } from './db.ts';

// Store upkeep (issue 28): what keeps a SQLite file from growing without bound. Deleted rows
// (pruned history, finished outbox and timer rows) leave free pages; with auto_vacuum=INCREMENTAL
// (db.ts sets it on every file) `PRAGMA incremental_vacuum` hands them back to the file system, a
// few thousand pages at a time so no writer waits long. The WAL is checkpointed and truncated (a
// long read can otherwise let it grow). No ANALYZE / `PRAGMA optimize`: sqlite_stat1 keeps only
// averages, so after a year in which nearly every incident is resolved it says "a status matches a
// third of the table" and the planner walks all incidents for the few open ones; without statistics
// it trusts the indexes (EXPLAIN in the issue 28 note). PostgreSQL does all of this itself
// (autovacuum), so upkeep there does nothing.

/** Pages freed per step (4 KiB each); between steps other work runs. */
const VACUUM_STEP_PAGES = 2_000;
/** A run stops freeing after this long and carries on next time. */
const RUN_BUDGET_MS = 1_000;
export const UPKEEP_INTERVAL_MS = 5 * 60_000;

const one = async (q: ReturnType<typeof sql>, store: Store): Promise<number> => {
  const row = (await q.execute(store.db)).rows[0] as Record<string, unknown> | undefined;
  return Number(row ? Object.values(row)[0] : 0);
};

/** Free pages the file still holds (SQLite); 0 on PostgreSQL. */
export async function freePages(store: Store): Promise<number> {
  return store.engine === 'sqlite' ? one(sql`pragma freelist_count`, store) : 0;
}

/** One run: checkpoint and give free pages back. Returns the pages freed. */
export async function runStoreUpkeep(store: Store, budgetMs = RUN_BUDGET_MS): Promise<number> {
  if (store.engine !== 'sqlite') return 0;
  await sql`pragma wal_checkpoint(TRUNCATE)`.execute(store.db);
  const until = Date.now() + budgetMs;
  let freed = 0;
  for (let free = await freePages(store); free > 0 && Date.now() < until; free = await freePages(store)) {
    await sql`pragma incremental_vacuum(${sql.raw(String(VACUUM_STEP_PAGES))})`.execute(store.db);
    freed += Math.min(free, VACUUM_STEP_PAGES);
    await new Promise((r) => setImmediate(r));
  }
  // The vacuum wrote to the WAL: fold it into the file now, so the file is what shrinks.
  if (freed) await sql`pragma wal_checkpoint(TRUNCATE)`.execute(store.db);
  return freed;
}

/** The database's size on disk: the SQLite file's pages, or every table of the schema with its indexes and TOAST on PostgreSQL. */
export async function databaseBytes(store: Store): Promise<number> {
  if (store.engine === 'sqlite') {
    return (await one(sql`pragma page_count`, store)) * (await one(sql`pragma page_size`, store));
  }
  return one(
    sql`select coalesce(sum(pg_total_relation_size(c.oid)), 0) as n from pg_class c join pg_namespace s on s.oid = c.relnamespace
        where s.nspname = current_schema() and c.relkind = 'r'`,
    store,
  );
}

/** Runs upkeep every `intervalMs` in this process (SQLite has one); failures are logged and retried next time. */
export function storeUpkeep(store: Store, logger: Logger, intervalMs = UPKEEP_INTERVAL_MS): { start(): void; stop(): Promise<void> } {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = runStoreUpkeep(store)
      .then((freed) => {
        if (freed) logger.info({ pages: freed }, 'database file shrunk: free pages given back');
      })
      .catch((err) => logger.warn({ err }, 'database upkeep failed; trying again later'));
  };
  return {
    start() {
      if (store.engine !== 'sqlite' || timer) return;
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
