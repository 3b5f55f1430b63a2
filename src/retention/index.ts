import type { Kysely } from 'kysely';
import type { Clock } from '../incident/ports.ts';
import type { Logger } from '../log.ts';
import { countExpired, deleteIncidents, expiredIncidents, pruneBounded, type PruneCounts } from '../store/retention-repo.ts';
import type { DB } from '../store/schema.ts';
import { schedule, scheduleIfAbsent } from '../store/timer-repo.ts';
import type { TimerPort } from '../timers/registry.ts';

// Retention (issue 28): resolved incidents older than HARK_RETENTION_DAYS are deleted with every
// row of theirs (store/retention-repo.ts INCIDENT_TABLES), and the rows kept only for a while
// (expired sessions and pending presses, old command outcomes) go too.
//
// A durable daily job: one waiting timer of kind `retention` (incident 0), so one replica runs it
// each time. Each firing deletes one small batch in the timer's own transaction, which commits
// before the next batch starts: no lock is held for longer than one batch, and live traffic (an
// ack, an alert) gets in between batches. While a batch came back full, the next firing is due
// `pauseMs` later; once nothing is left the bounded rows are pruned and the next run is due a
// day later. A crash mid-run loses nothing: the timer is still waiting and the run goes on from
// where the committed batches left it. `hark prune` runs the same batches by hand.

export const RETENTION_KIND = 'retention';

const DAY_MS = 86_400_000;

/**
 * Called in the batch's transaction just before these incidents and their rows are deleted, so
 * that what must outlive them (the insights' daily aggregates) is written in the same commit; a
 * throw rolls the batch back and nothing is deleted. buildHark (src/app.ts) supplies it.
 */
export type BeforeDelete = (trx: Kysely<DB>, incidentNumbers: readonly number[]) => Promise<void>;

export interface RetentionConfig {
  /** HARK_RETENTION_DAYS: resolved incidents older than this go; 0 keeps every incident. */
  days: number;
  /** Incidents per batch (one transaction each). */
  batch: number;
  /** Pause between two batches of one run. */
  pauseMs: number;
  /** How often the job runs. */
  everyMs: number;
}

export const defaultRetentionConfig: Omit<RetentionConfig, 'days'> = { batch: 50, pauseMs: 250, everyMs: DAY_MS };

export interface RetentionDeps {
  db: Kysely<DB>;
  postgres: boolean;
  clock: Clock;
  logger: Logger;
  config: Partial<RetentionConfig> & { days: number };
  /** Absent: the daily job is not registered (`hark prune` builds the pruner alone). */
  timers?: TimerPort;
  beforeDelete: BeforeDelete;
}

export interface PruneReport {
  /** The cutoff: incidents resolved before it go (null: retention off, HARK_RETENTION_DAYS=0). */
  before: number | null;
  /** Rows deleted (or, on a dry run, that would be) per table. */
  counts: PruneCounts;
  batches: number;
}

export interface Retention {
  readonly config: RetentionConfig;
  /** Makes sure the daily job is waiting (a restart keeps its due time). */
  start(): Promise<void>;
  /** Deletes one batch in `trx`; `more` when the batch was full. */
  batch(trx: Kysely<DB>, now: number): Promise<{ counts: PruneCounts; more: boolean }>;
  /** The whole run by hand (`hark prune`): batch after batch, each its own transaction; `dryRun` only counts. */
  run(opts?: { dryRun?: boolean; now?: number }): Promise<PruneReport>;
}

const add = (into: PruneCounts, from: PruneCounts) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};

export function createRetention(deps: RetentionDeps): Retention {
  const config: RetentionConfig = { ...defaultRetentionConfig, ...deps.config };
  if (!Number.isInteger(config.days) || config.days < 0) throw new RangeError('retention: days must be a whole number, 0 or more');
  if (!(config.batch >= 1) || !(config.pauseMs >= 0) || !(config.everyMs > 0)) throw new RangeError('retention: batch, pauseMs and everyMs must be positive');
  const log = deps.logger.child({ component: 'retention' });
  const cutoffAt = (now: number) => (config.days > 0 ? now - config.days * DAY_MS : null);

  async function batch(trx: Kysely<DB>, now: number): Promise<{ counts: PruneCounts; more: boolean }> {
    const before = cutoffAt(now);
    if (before === null) return { counts: {}, more: false };
    const numbers = await expiredIncidents(trx, before, config.batch, deps.postgres);
    if (numbers.length === 0) return { counts: {}, more: false };
    await deps.beforeDelete(trx, numbers);
    const counts = await deleteIncidents(trx, numbers);
    return { counts, more: numbers.length === config.batch };
  }

  const retention: Retention = {
    config,
    batch,
    async start() {
      const now = deps.clock.now();
      if (await scheduleIfAbsent(deps.db, { kind: RETENTION_KIND, incidentNumber: 0, dueAt: now }, now)) deps.timers?.scheduled(now);
    },
    async run(opts = {}) {
      const now = opts.now ?? deps.clock.now();
      const before = cutoffAt(now);
      if (opts.dryRun) {
        const counts = before === null ? {} : await countExpired(deps.db, before);
        add(counts, await pruneBounded(deps.db, now, true));
        return { before, counts, batches: 0 };
      }
      const counts: PruneCounts = {};
      let batches = 0;
      for (;;) {
        const done = await deps.db.transaction().execute((trx) => batch(trx, now));
        if (Object.keys(done.counts).length) batches++;
        add(counts, done.counts);
        if (!done.more) break;
      }
      add(counts, await pruneBounded(deps.db, now, false));
      return { before, counts, batches };
    },
  };

  deps.timers?.register(RETENTION_KIND, async (trx, _timer, now) => {
    const done = await batch(trx, now);
    if (done.counts.incidents) log.info({ deleted: done.counts }, 'retention: deleted a batch of resolved incidents past HARK_RETENTION_DAYS');
    let next = now + config.pauseMs;
    if (!done.more) {
      const bounded = await pruneBounded(trx, now, false);
      if (Object.values(bounded).some((n) => n > 0)) log.info({ deleted: bounded }, 'retention: pruned expired rows');
      next = now + config.everyMs;
    }
    await schedule(trx, { kind: RETENTION_KIND, incidentNumber: 0, dueAt: next }, now);
    deps.timers?.scheduled(next);
  });
  return retention;
}
