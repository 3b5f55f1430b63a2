import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { isPostgresDb } from './db-errors.ts';
import type { DB } from './schema.ts';
import type { InsightDayRow } from './schema-features.ts';
import type { TeamSettings } from './team-repo.ts';

export type { InsightDayRow } from './schema-features.ts';

// The rows insights are computed from (README "Insights"): the incidents opened in a window, the
// timeline entries that carry the figures (open, acknowledgements, resolutions, reopens,
// escalation steps, private cards delivered), the people who could have been paged and the
// maintenance runs overlapping the window. The arithmetic is src/insights/figures.ts.

export interface InsightFilter {
  from: number;
  to: number;
  teamId?: number | null;
  sourceId?: number | null;
  severity?: string | null;
  /** Only these incidents, whenever they opened (the window is ignored): the rollup's read. */
  numbers?: readonly number[];
}

export interface InsightIncident {
  number: number;
  sourceId: number;
  sourceName: string;
  silenceable: boolean;
  teamId: number | null;
  groupKey: string;
  title: string;
  severity: string;
  status: string;
  createdAt: number;
}

export interface InsightEntry {
  incident: number;
  at: number;
  kind: string;
  actorId: number | null;
  /** Not read by the figures; insightTimelines leaves it out. */
  message?: string;
  data: string | null;
}

/** An incident opened in the window and its figure-bearing entries in timeline order (unpacked on each call). */
export interface InsightTimeline extends InsightIncident {
  entries(): InsightEntry[];
}

export interface InsightMember {
  id: number;
  name: string;
  email: string | null;
  openId: string | null;
  timeZone: string | null;
}

export interface InsightMaintenance {
  sourceId: number;
  teamId: number | null;
  start: number;
  end: number;
}

/** The timeline kinds the figures read; a private card delivered is a `delivery` entry "card sent to … privately". */
export const INSIGHT_KINDS = ['open', 'ack', 'snooze', 'resolve', 'auto_resolve', 'reopen', 'escalate', 'delivery'] as const;

function scoped(db: Kysely<DB>, f: InsightFilter) {
  let q = db.selectFrom('incidents').innerJoin('sources', 'sources.id', 'incidents.source_id');
  if (f.numbers) q = q.where('incidents.number', 'in', f.numbers.length ? [...f.numbers] : [-1]);
  else q = q.where('incidents.created_at', '>=', f.from).where('incidents.created_at', '<', f.to);
  if (f.teamId != null) q = q.where('sources.team_id', '=', f.teamId);
  if (f.sourceId != null) q = q.where('incidents.source_id', '=', f.sourceId);
  if (f.severity != null) q = q.where('incidents.severity', '=', f.severity);
  return q;
}

export async function insightIncidents(db: Kysely<DB>, f: InsightFilter): Promise<InsightIncident[]> {
  const rows = await scoped(db, f)
    .select([
      'incidents.number', 'incidents.source_id', 'sources.name as source_name', 'sources.alertmanager_url', 'sources.team_id',
      'incidents.group_key', 'incidents.title', 'incidents.severity', 'incidents.status', 'incidents.created_at',
    ])
    .orderBy('incidents.number')
    .execute();
  return rows.map(incidentOfRow);
}

type IncidentColumns = {
  number: number | string; source_id: number | string; source_name: string; alertmanager_url: string | null; team_id: number | string | null;
  group_key: string; title: string; severity: string; status: string; created_at: number | string;
};

function incidentOfRow(r: IncidentColumns): InsightIncident {
  return {
    number: Number(r.number),
    sourceId: Number(r.source_id),
    sourceName: r.source_name,
    silenceable: !!r.alertmanager_url,
    teamId: r.team_id === null ? null : Number(r.team_id),
    groupKey: r.group_key,
    title: r.title,
    severity: r.severity,
    status: r.status,
    createdAt: Number(r.created_at),
  };
}

/**
 * The timeline entries that carry figures: INSIGHT_KINDS, of deliveries only private cards. Written
 * with literal values in migration 034's order, so both planners match it to that partial index.
 */
const figureBearing = (eb: ExpressionBuilder<DB, 'timeline'>) =>
  eb.or([
    eb('timeline.kind', 'in', INSIGHT_KINDS.filter((k) => k !== 'delivery').map((k) => sql.lit(k))),
    eb.and([eb('timeline.kind', '=', sql.lit('delivery')), eb('timeline.message', 'like', sql.lit('card sent to %'))]),
  ]);

/** The figure-bearing timeline entries of the incidents opened in the window, in order per incident. */
export async function insightEntries(db: Kysely<DB>, f: InsightFilter): Promise<InsightEntry[]> {
  const rows = await scoped(db, f)
    .innerJoin('timeline', 'timeline.incident_number', 'incidents.number')
    .select(['timeline.incident_number', 'timeline.at', 'timeline.kind', 'timeline.actor_id', 'timeline.message', 'timeline.data'])
    .where(figureBearing)
    .orderBy('timeline.incident_number')
    .orderBy('timeline.id')
    .execute();
  return rows.map((r) => ({
    incident: Number(r.incident_number),
    at: Number(r.at),
    kind: r.kind,
    actorId: r.actor_id === null ? null : Number(r.actor_id),
    message: r.message,
    data: r.data,
  }));
}

/** One timeline entry as the database packs it into its incident's list: [id, at, kind, actor_id, data]. */
type PackedEntry = [number, number, string, number | null, string | null];

/** An incident's packed entries (JSON text) as entries in timeline order. */
function unpack(incident: number, text: string | null): InsightEntry[] {
  const packed = (text ? JSON.parse(text) : []) as PackedEntry[];
  // In id order, which neither aggregate promises (they follow the rows as read).
  for (let i = 1; i < packed.length; i++) {
    if (Number(packed[i - 1]![0]) > Number(packed[i]![0])) {
      packed.sort((a, b) => Number(a[0]) - Number(b[0]));
      break;
    }
  }
  return packed.map(([, at, kind, actor, data]) => ({ incident, at: Number(at), kind, actorId: actor === null ? null : Number(actor), data }));
}

/**
 * The incidents opened in the window, each with its figure-bearing timeline entries (the rows of
 * insightEntries). One row an incident, its entries packed into JSON text by the database (`data`
 * only where the figures read it: escalation steps, deliveries, reopens), so a 90-day window is
 * tens of thousands of rows rather than hundreds of thousands; `entries()` unpacks one incident's
 * when the figures walk it, so a window's entries are never all in memory at once.
 */
export async function insightTimelines(db: Kysely<DB>, f: InsightFilter): Promise<InsightTimeline[]> {
  const columns = [
    'incidents.number', 'incidents.source_id', 'sources.name as source_name', 'sources.alertmanager_url', 'sources.team_id',
    'incidents.group_key', 'incidents.title', 'incidents.severity', 'incidents.status', 'incidents.created_at',
  ] as const;
  const data = sql`case when timeline.kind in ('escalate', 'delivery', 'reopen') then timeline.data end`;
  const rows = isPostgresDb(db)
    ? // Packed per incident first, then joined to the incidents.
      await scoped(db, f)
        .leftJoin(
          scoped(db, f)
            .innerJoin('timeline', 'timeline.incident_number', 'incidents.number')
            .where(figureBearing)
            .select(['timeline.incident_number as n', sql<string>`json_agg(json_build_array(timeline.id, timeline.at, timeline.kind, timeline.actor_id, ${data}))::text`.as('packed')])
            .groupBy('timeline.incident_number')
            .as('p'),
          'p.n',
          'incidents.number',
        )
        .select([...columns, 'p.packed'])
        .execute()
    : // Grouped in the order the window's index yields the incidents, so SQLite sorts nothing.
      await scoped(db, f)
        .leftJoin('timeline', (j) => j.onRef('timeline.incident_number', '=', 'incidents.number').on(figureBearing))
        .select([...columns, sql<string | null>`json_group_array(json_array(timeline.id, timeline.at, timeline.kind, timeline.actor_id, ${data})) filter (where timeline.id is not null)`.as('packed')])
        .groupBy(['incidents.created_at', 'incidents.number'])
        .execute();
  // By number, as insightIncidents answers (the figures list people and severities in first-seen order).
  return rows
    .map((r) => {
      const number = Number(r.number);
      const packed = r.packed;
      return { ...incidentOfRow(r), entries: () => unpack(number, packed) };
    })
    .sort((a, b) => a.number - b.number);
}

export async function insightMembers(db: Kysely<DB>): Promise<InsightMember[]> {
  const rows = await db.selectFrom('members').select(['id', 'name', 'email', 'open_id', 'time_zone']).execute();
  return rows.map((r) => ({ id: Number(r.id), name: r.name, email: r.email, openId: r.open_id, timeZone: r.time_zone }));
}

/** Maintenance runs overlapping the window, clipped to it (a running one counts up to `now`). */
export async function insightMaintenance(db: Kysely<DB>, f: InsightFilter, now: number): Promise<InsightMaintenance[]> {
  let q = db
    .selectFrom('maintenance_runs')
    .innerJoin('maintenance_windows', 'maintenance_windows.id', 'maintenance_runs.window_id')
    .innerJoin('sources', 'sources.id', 'maintenance_windows.source_id')
    .select(['maintenance_windows.source_id', 'sources.team_id', 'maintenance_runs.started_at', 'maintenance_runs.ended_at', 'maintenance_runs.occurrence_end'])
    .where('maintenance_runs.started_at', '<', f.to)
    .where((eb) => eb.or([eb('maintenance_runs.ended_at', 'is', null), eb('maintenance_runs.ended_at', '>', f.from)]));
  if (f.teamId != null) q = q.where('sources.team_id', '=', f.teamId);
  if (f.sourceId != null) q = q.where('maintenance_windows.source_id', '=', f.sourceId);
  const out: InsightMaintenance[] = [];
  for (const r of await q.execute()) {
    const end = r.ended_at === null ? Math.min(now, Number(r.occurrence_end)) : Number(r.ended_at);
    const start = Math.max(f.from, Number(r.started_at));
    const clipped = Math.min(f.to, end);
    if (clipped > start) out.push({ sourceId: Number(r.source_id), teamId: r.team_id === null ? null : Number(r.team_id), start, end: clipped });
  }
  return out;
}

/** One incident and its figure-bearing entries (the metrics observe them as they happen). */
export async function incidentInsight(db: Kysely<DB>, number: number): Promise<{ incident: InsightIncident; entries: InsightEntry[]; team: string | null } | null> {
  const row = await db
    .selectFrom('incidents')
    .innerJoin('sources', 'sources.id', 'incidents.source_id')
    .leftJoin('teams', 'teams.id', 'sources.team_id')
    .select([
      'incidents.number', 'incidents.source_id', 'sources.name as source_name', 'sources.alertmanager_url', 'sources.team_id', 'teams.name as team_name',
      'incidents.group_key', 'incidents.title', 'incidents.severity', 'incidents.status', 'incidents.created_at',
    ])
    .where('incidents.number', '=', number)
    .executeTakeFirst();
  if (!row) return null;
  const entries = await db
    .selectFrom('timeline')
    .select(['incident_number', 'at', 'kind', 'actor_id', 'message', 'data'])
    .where('incident_number', '=', number)
    .where('kind', 'in', INSIGHT_KINDS.filter((k) => k !== 'delivery'))
    .orderBy('id')
    .execute();
  return {
    team: row.team_name ?? null,
    incident: {
      number: Number(row.number), sourceId: Number(row.source_id), sourceName: row.source_name, silenceable: !!row.alertmanager_url,
      teamId: row.team_id === null ? null : Number(row.team_id), groupKey: row.group_key, title: row.title, severity: row.severity,
      status: row.status, createdAt: Number(row.created_at),
    },
    entries: entries.map((r) => ({ incident: Number(r.incident_number), at: Number(r.at), kind: r.kind, actorId: r.actor_id === null ? null : Number(r.actor_id), message: r.message, data: r.data })),
  };
}

/** Whose zone and which team's hours a page to `openId` for an incident is classed by. */
export async function pageContext(db: Kysely<DB>, number: number, openId: string) {
  const team = await db
    .selectFrom('incidents')
    .innerJoin('sources', 'sources.id', 'incidents.source_id')
    .leftJoin('teams', 'teams.id', 'sources.team_id')
    .select(['teams.name', 'teams.time_zone', 'teams.settings'])
    .where('incidents.number', '=', number)
    .executeTakeFirst();
  const member = await db.selectFrom('members').select('time_zone').where('open_id', '=', openId).executeTakeFirst();
  return {
    team: team?.name ?? null,
    teamZone: team?.time_zone ?? null,
    settings: team?.settings ? (JSON.parse(team.settings) as TeamSettings) : null,
    memberZone: member?.time_zone ?? null,
  };
}

const reportKey = (teamId: number) => `insights_report:team:${teamId}`;

/** Teams whose weekly report goes to a home group. */
export async function reportTeams(db: Kysely<DB>): Promise<{ id: number; timeZone: string; settings: TeamSettings | null }[]> {
  const rows = await db.selectFrom('teams').select(['id', 'time_zone', 'settings']).where('home_chat_id', 'is not', null).execute();
  return rows.map((r) => ({ id: Number(r.id), timeZone: r.time_zone, settings: r.settings ? (JSON.parse(r.settings) as TeamSettings) : null }));
}

/**
 * The team's waiting report timer (kind insights_report, one per team by its pending key): `keep`
 * leaves one already waiting alone (start-up on every replica), otherwise it moves to `dueAt`.
 */
export async function scheduleReport(db: Kysely<DB>, teamId: number, dueAt: number, now: number, keep: boolean): Promise<void> {
  const data = JSON.stringify({ team: teamId });
  await db
    .insertInto('timers')
    .values({ kind: 'insights_report', incident_number: 0, due_at: dueAt, data, status: 'pending', pending_key: reportKey(teamId), created_at: now, updated_at: now })
    .onConflict((oc) => (keep ? oc.column('pending_key').doNothing() : oc.column('pending_key').doUpdateSet({ due_at: dueAt, data, attempts: 0, last_error: null, updated_at: now })))
    .execute();
}

export async function cancelReport(db: Kysely<DB>, teamId: number, now: number): Promise<void> {
  await db.updateTable('timers').set({ status: 'cancelled', pending_key: null, done_at: now, updated_at: now }).where('pending_key', '=', reportKey(teamId)).execute();
}

/** The kept day rows (migration 032) of the UTC days from `fromDay` to `toDay` (inclusive, YYYY-MM-DD). */
export async function insightDays(db: Kysely<DB>, f: InsightFilter, fromDay: string, toDay: string): Promise<InsightDayRow[]> {
  let q = db.selectFrom('insight_days').selectAll().where('day', '>=', fromDay).where('day', '<=', toDay);
  if (f.teamId != null) q = q.where('team_id', '=', f.teamId);
  if (f.sourceId != null) q = q.where('source_id', '=', f.sourceId);
  if (f.severity != null) q = q.where('severity', '=', f.severity);
  const rows = await q.orderBy('day').orderBy('source_id').orderBy('severity').execute();
  return rows.map((r) => ({ ...r, source_id: Number(r.source_id), team_id: r.team_id === null ? null : Number(r.team_id), opened: Number(r.opened), escalated: Number(r.escalated), acked_fast: Number(r.acked_fast), auto_resolved: Number(r.auto_resolved), updated_at: Number(r.updated_at) }));
}

/** The kept day row of one day, source and severity, if any (to merge into). */
export async function insightDay(db: Kysely<DB>, day: string, sourceId: number, severity: string): Promise<InsightDayRow | null> {
  const rows = await insightDays(db, { from: 0, to: 0, sourceId, severity }, day, day);
  return rows[0] ?? null;
}

/**
 * On PostgreSQL, waits for any other transaction merging day rows (`hark prune` by hand while the
 * daily job runs): a merge reads a row and writes it back, and two at once would lose one's counts.
 * SQLite has one writer at a time already.
 */
export async function lockInsightDays(db: Kysely<DB>, postgres: boolean): Promise<void> {
  if (postgres) await sql`select pg_advisory_xact_lock(hashtext('hark.insight_days'))`.execute(db);
}

/** Writes a day row (already merged with the one stored, if any). */
export async function saveInsightDay(db: Kysely<DB>, row: InsightDayRow): Promise<void> {
  const { day: _d, source_id: _s, severity: _v, ...rest } = row;
  await db
    .insertInto('insight_days')
    .values(row)
    .onConflict((oc) => oc.columns(['day', 'source_id', 'severity']).doUpdateSet(rest))
    .execute();
}
