import fs from 'node:fs';
import { sql } from 'kysely';
import { buildRetention } from '../src/app.ts';
import { silentLogger } from '../src/log.ts';
import { databaseBytes, freePages, runStoreUpkeep } from '../src/store/upkeep.ts';
import { YEAR_DAYS } from './scale-history.ts';
import type { ScaleRig } from './scale-rig.ts';
import type { BenchOptions, Figures } from './types.ts';

// The disk after a prune (issue 28): the real retention run (src/retention, what the daily job and
// `hark prune` do, insights aggregates included) over most of the filled history, then what gives
// the space back. SQLite: the store upkeep production runs every 5 minutes (src/store/upkeep.ts:
// checkpoint, incremental vacuum for at most a second), run until no free page is left, counting
// the runs. PostgreSQL: a plain VACUUM (ANALYZE) of the schema's tables, what autovacuum does: the
// space of the deleted rows stays with the tables, to be reused by new rows (only VACUUM FULL, a
// rewrite under an exclusive lock that Hark never runs, would hand it back). To show the reuse,
// as many incidents as were pruned are written again and the tables' growth is measured.

/** Share of the history (spread evenly over YEAR_DAYS) that the prune's retention leaves behind it. */
const PRUNED_SHARE = 0.9;
/** Upkeep runs before giving up (each frees for at most a second). */
const MAX_UPKEEP_RUNS = 200;

/** SQLite: the bytes of the file and its WAL on disk (the WAL holds what no checkpoint has folded in yet). */
const onDisk = (rig: ScaleRig) => {
  const file = rig.store.url.slice('sqlite:'.length);
  const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
  return mb(size(file) + size(`${file}-wal`));
};

const count = async (rig: ScaleRig, table: 'incidents' | 'alerts' | 'timeline') =>
  Number((await rig.store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

/** VACUUM (ANALYZE) of each of the schema's tables: the test database holds other schemas too. */
async function vacuumSchema(rig: ScaleRig): Promise<void> {
  const db = rig.store.db;
  const tables = await sql<{ t: string }>`select tablename as t from pg_tables where schemaname = current_schema()`.execute(db);
  for (const { t } of tables.rows) await sql`vacuum (analyze) ${sql.table(t)}`.execute(db);
}

/** `emptyBytes`: the database before the fill, so that what is left can be told per incident. */
export async function pruneAndMeasure(
  rig: ScaleRig,
  emptyBytes: number,
  log: BenchOptions['log'],
  /** Writes `n` more incidents of history (bench/scale.ts fill). */
  refill: (n: number) => Promise<unknown>,
): Promise<Figures> {
  const { engine, store } = rig;
  const days = Math.round(YEAR_DAYS * (1 - PRUNED_SHARE));
  const before = { bytes: await databaseBytes(store), incidents: await count(rig, 'incidents'), disk: engine === 'sqlite' ? onDisk(rig) : '' };
  const retention = buildRetention({ ...rig.hark.config, retentionDays: days }, store, { clock: rig.hark.clock, logger: silentLogger });
  const started = performance.now();
  const report = await retention.run();
  const pruneSeconds = (performance.now() - started) / 1000;
  const afterPrune = await databaseBytes(store);
  const left = await count(rig, 'incidents');
  const perLeft = (bytes: number) => Math.round((bytes - emptyBytes) / left);
  log(
    `  ${engine}: prune with HARK_RETENTION_DAYS=${days} deleted ${report.counts.incidents ?? 0} of ${before.incidents} incidents ` +
      `(${report.counts.alerts ?? 0} alerts, ${report.counts.timeline ?? 0} timeline rows) in ${report.batches} batches, ${pruneSeconds.toFixed(0)} s; ` +
      `${left} incidents, ${await count(rig, 'alerts')} alerts, ${await count(rig, 'timeline')} timeline rows left`,
  );
  const figures: Figures = {
    [`scale_${engine}_bytes_before_prune`]: before.bytes,
    [`scale_${engine}_pruned_share`]: Number(((report.counts.incidents ?? 0) / before.incidents).toFixed(3)),
    [`scale_${engine}_prune_s`]: Number(pruneSeconds.toFixed(1)),
  };
  if (engine === 'sqlite') {
    const freeAfterPrune = await freePages(store);
    const diskAfterPrune = onDisk(rig);
    let runs = 0;
    while ((await freePages(store)) > 0 && runs < MAX_UPKEEP_RUNS) {
      await runStoreUpkeep(store);
      runs++;
    }
    const after = await databaseBytes(store);
    Object.assign(figures, { scale_sqlite_bytes_after_prune: after, scale_sqlite_upkeep_runs: runs });
    log(
      `  sqlite: ${mb(before.bytes)} of pages before the prune (file and WAL on disk: ${before.disk}), ${mb(afterPrune)} right after it ` +
        `(${freeAfterPrune} free pages; on disk ${diskAfterPrune}), ${mb(after)} after ${runs} upkeep runs (on disk ${onDisk(rig)}; ${await freePages(store)} free pages left); ${perLeft(after)} bytes per incident left above the empty file`,
    );
  } else {
    await vacuumSchema(rig);
    const afterVacuum = await databaseBytes(store);
    const pruned = report.counts.incidents ?? 0;
    await refill(pruned);
    const afterRefill = await databaseBytes(store);
    const grownPer = Math.round((afterRefill - afterVacuum) / pruned);
    Object.assign(figures, { scale_postgres_bytes_after_prune: afterVacuum, scale_postgres_refill_bytes_per_incident: grownPer });
    log(
      `  postgres: tables ${mb(before.bytes)} before the prune, ${mb(afterPrune)} right after it, ${mb(afterVacuum)} after VACUUM; ` +
        `${pruned} incidents written again grew them to ${mb(afterRefill)}: ${grownPer} bytes per incident, where the first fill took ` +
        `${Math.round((before.bytes - emptyBytes) / before.incidents)} (the freed space reused, not returned)`,
    );
  }
  return figures;
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
