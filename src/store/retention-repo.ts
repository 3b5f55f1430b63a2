import type { Kysely } from 'kysely';
import { COMMAND_OUTCOME_TTL_MS } from './command-repo.ts';
import type { DB } from './schema.ts';

// Retention (issue 28, src/retention/ decides when): deleting resolved incidents older than the
// limit with every row that belongs to them, a few at a time, and the other rows that only ever
// pile up (expired sessions and pending presses, old command outcomes).

/**
 * Every table with rows of one incident (an `incident_number` column), deleted before the
 * incident itself (alerts and timeline reference it). A new table that stores rows per incident
 * belongs here: test/retention/retention.test.ts fails while one with that column is missing.
 */
export const INCIDENT_TABLES = [
  'alerts',
  'timeline',
  'payloads',
  'incident_messages',
  'outbox',
  'storm_incidents',
  'pending_actions',
  'timers',
  'war_room_members',
  'war_rooms',
  'silences',
  'silence_attempts',
  'maintenance_holds',
  'pages',
] as const satisfies readonly (keyof DB)[];

export type PruneCounts = Record<string, number>;

/**
 * Up to `limit` resolved incidents resolved before `cutoff`, oldest first; on PostgreSQL locked
 * for this transaction, so that a batch deletes exactly what it read.
 */
export async function expiredIncidents(db: Kysely<DB>, cutoff: number, limit: number, postgres: boolean): Promise<number[]> {
  let q = db
    .selectFrom('incidents')
    .select('number')
    .where('status', '=', 'resolved')
    .where('resolved_at', '<', cutoff)
    .orderBy('resolved_at')
    .orderBy('number')
    .limit(limit);
  if (postgres) q = q.forUpdate().skipLocked();
  return (await q.execute()).map((r) => Number(r.number));
}

/** Deletes these incidents and their rows in every INCIDENT_TABLES table; returns the rows deleted per table. */
export async function deleteIncidents(db: Kysely<DB>, numbers: readonly number[]): Promise<PruneCounts> {
  const counts: PruneCounts = {};
  if (numbers.length === 0) return counts;
  const list = [...numbers];
  for (const table of INCIDENT_TABLES) {
    const r = await db.deleteFrom(table).where('incident_number', 'in', list).executeTakeFirst();
    counts[table] = Number(r.numDeletedRows);
  }
  const r = await db.deleteFrom('incidents').where('number', 'in', list).where('status', '=', 'resolved').executeTakeFirst();
  counts.incidents = Number(r.numDeletedRows);
  return counts;
}

/** What deleting every incident resolved before `cutoff` would delete, per table (changes nothing). */
export async function countExpired(db: Kysely<DB>, cutoff: number): Promise<PruneCounts> {
  const expired = db.selectFrom('incidents').select('number').where('status', '=', 'resolved').where('resolved_at', '<', cutoff);
  const counts: PruneCounts = {};
  const n = await db
    .selectFrom('incidents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'resolved')
    .where('resolved_at', '<', cutoff)
    .executeTakeFirst();
  counts.incidents = Number(n?.n ?? 0);
  for (const table of INCIDENT_TABLES) {
    const r = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('incident_number', 'in', expired)
      .executeTakeFirst();
    counts[table] = Number(r?.n ?? 0);
  }
  return counts;
}

/** Rows that are kept only for a while: expired web sessions and pending presses, command outcomes past their TTL. */
export async function pruneBounded(db: Kysely<DB>, now: number, dryRun: boolean): Promise<PruneCounts> {
  const outcomesBefore = now - COMMAND_OUTCOME_TTL_MS;
  if (dryRun) {
    const count = async (q: Promise<{ n: number | string | bigint } | undefined>) => Number((await q)?.n ?? 0);
    return {
      sessions: await count(db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).where('expires_at', '<=', now).executeTakeFirst()),
      pending_actions: await count(
        db.selectFrom('pending_actions').select((eb) => eb.fn.countAll<number>().as('n')).where('expires_at', '<=', now).executeTakeFirst(),
      ),
      command_outcomes: await count(
        db
          .selectFrom('command_outcomes')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('created_at', '<', outcomesBefore)
          .where('state', '=', 'done')
          .executeTakeFirst(),
      ),
    };
  }
  const sessions = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  const pending = await db.deleteFrom('pending_actions').where('expires_at', '<=', now).executeTakeFirst();
  // A pending claim is its command's lock (command-repo.ts): only finished outcomes go here.
  const outcomes = await db.deleteFrom('command_outcomes').where('created_at', '<', outcomesBefore).where('state', '=', 'done').executeTakeFirst();
  return {
    sessions: Number(sessions.numDeletedRows),
    pending_actions: Number(pending.numDeletedRows),
    command_outcomes: Number(outcomes.numDeletedRows),
  };
}
