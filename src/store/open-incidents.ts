import { sql, type Kysely } from 'kysely';
import { INCIDENT_STATUSES, type Incident, type Severity } from '../incident/types.ts';
import type { DB } from './schema.ts';

// The open incidents `@Hark list` shows, filtered in the query (issue 23): a group's list is
// never cut to the newest N before its filter, so a group's one incident among hundreds is found.

type Db = Kysely<DB>;

/**
 * Every status but resolved, spelled out: `status != 'resolved'` cannot use the (status, number)
 * index, and after a year nearly every incident is resolved (issue 28).
 */
export const OPEN_STATUSES = INCIDENT_STATUSES.filter((s) => s !== 'resolved');

/** What a list filter needs of an incident, newest first. */
export type ListedIncident = Pick<Incident, 'number' | 'sourceId' | 'severity' | 'labels'>;

/**
 * Open incidents of these sources, each at one of its listed severities (a subscription's
 * minimum, spelled out), newest first. Label matchers are applied by the caller (delivery's rule).
 */
export async function openIncidentsOf(db: Db, sources: readonly { sourceId: number; severities: readonly Severity[] }[]): Promise<ListedIncident[]> {
  const wanted = sources.filter((s) => s.severities.length > 0);
  if (!wanted.length) return [];
  const rows = await db
    .selectFrom('incidents')
    .select(['number', 'source_id', 'severity', 'labels'])
    .where('status', 'in', OPEN_STATUSES)
    // `+source_id`: not through the (source_id, group_key) index, which holds every incident the
    // source ever had; the open ones come from the status index (issue 28).
    .where((eb) => eb.or(wanted.map((s) => eb.and([eb(sql`+source_id`, '=', s.sourceId), eb('severity', 'in', [...s.severities])]))))
    // `+number`: sorted after the status index found them, not by walking every incident newest first.
    .orderBy(sql`+number`, 'desc')
    .execute();
  return rows.map((r) => ({ number: r.number, sourceId: r.source_id, severity: r.severity as Severity, labels: JSON.parse(r.labels) }));
}

/** "Mine": open incidents nobody acknowledged yet, plus those this member acknowledged; newest first. */
export async function openIncidentsOfMember(db: Db, memberId: number, limit: number): Promise<{ numbers: number[]; total: number }> {
  const mine = db
    .selectFrom('incidents')
    .where('status', 'in', OPEN_STATUSES)
    .where((eb) => eb.or([eb('status', '=', 'triggered'), eb('acked_by', '=', memberId)]));
  const [rows, count] = await Promise.all([
    mine.select('number').orderBy(sql`+number`, 'desc').limit(limit).execute(),
    mine.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { numbers: rows.map((r) => r.number), total: Number(count.n) };
}
