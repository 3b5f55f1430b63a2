import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { HarkError } from '../errors.ts';
import type { DB } from '../store/schema.ts';
import { findSourceByName } from '../store/source-repo.ts';
import { findMemberByEmail } from '../store/member-repo.ts';
import { findTeamByName, listTeams } from '../store/team-repo.ts';
import { insightDays, insightMaintenance, insightMembers, insightTimelines, type InsightFilter } from '../store/insights-repo.ts';
import { computeFigures, dailySeries, type Figures } from './figures.ts';
import { dayOf, zoneOr } from './hours.ts';

// Insights (issue 27, README "Insights"): the figures of a window and of the window before it,
// per team, source, person and severity, with a per-day series for charts. One entry point for
// the API, the CSV export, the web page and the report card.

export const DAY_MS = 86_400_000;

export interface InsightQuery {
  team?: string | null;
  source?: string | null;
  /** A member's email (or numeric id). */
  member?: string | null;
  severity?: string | null;
  /** ISO date-times or dates; default: the last 7 days up to now. */
  from?: string | number | null;
  to?: string | number | null;
  /** A length instead of from: "7d", "30d", "90d". */
  window?: string | null;
}

export interface InsightReport extends Figures {
  from: string;
  to: string;
  team: string | null;
  source: string | null;
  member: string | null;
  severity: string | null;
  /** The zone the per-day series is cut in (the team's, else UTC). */
  time_zone: string;
  previous: Figures & { from: string; to: string };
  series: ReturnType<typeof dailySeries>;
}

export interface Insights {
  /** `db`: a transaction to read in (a timer's), else the store. */
  report(q: InsightQuery, db?: Kysely<DB>): Promise<InsightReport>;
}

function instant(v: string | number, field: string): number {
  if (typeof v === 'number') return v;
  const t = /^\d{10,15}$/.test(v) ? Number(v) : DateTime.fromISO(v, { zone: 'UTC' }).toMillis();
  if (!Number.isFinite(t)) throw new HarkError('invalid', `${field}: "${v}" is not a date or date-time such as 2026-12-01 or 2026-12-01T09:00:00Z`);
  return t;
}

export function windowMs(w: string): number {
  const m = /^(\d{1,3})d$/.exec(w.trim());
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 400) throw new HarkError('invalid', `window: "${w}" is not a number of days such as 7d, 30d or 90d (1–400)`);
  return Number(m[1]) * DAY_MS;
}

export function createInsights(d: { db: Kysely<DB>; now: () => number }): Insights {
  return {
    async report(q, db = d.db) {
      const team = q.team ? await findTeamByName(db, q.team) : null;
      if (q.team && !team) throw new HarkError('not_found', `team: no team named "${q.team}"`);
      const source = q.source ? await findSourceByName(db, q.source) : null;
      if (q.source && !source) throw new HarkError('not_found', `source: no source named "${q.source}"`);
      let memberId: number | null = null;
      if (q.member) {
        const m = await findMemberByEmail(db, q.member);
        if (!m) throw new HarkError('not_found', `member: nobody on the roster has the email "${q.member}"`);
        memberId = m.id;
      }
      const severity = q.severity || null;
      if (severity && !['critical', 'warning', 'info'].includes(severity)) throw new HarkError('invalid', `severity: "${severity}" is not critical, warning or info`);
      const now = d.now();
      const to = q.to ? instant(q.to, 'to') : now;
      const from = q.from ? instant(q.from, 'from') : to - (q.window ? windowMs(q.window) : 7 * DAY_MS);
      if (!(from < to)) throw new HarkError('invalid', 'from: must be before to');
      if (to - from > 400 * DAY_MS) throw new HarkError('invalid', 'from: a window may span at most 400 days');
      const teams = new Map((await listTeams(db)).map((t) => [t.id, t]));
      const members = await insightMembers(db);
      const zone = zoneOr(team?.timeZone, 'UTC');

      // Pruned incidents count from their kept UTC days (rollup.ts) whose start lies in the window;
      // those rows hold only incidents that are gone, so nothing counts twice.
      const read = (f: InsightFilter) =>
        Promise.all([insightTimelines(db, f), insightMaintenance(db, f, now), insightDays(db, f, dayOf(f.from + DAY_MS - 1, 'UTC'), dayOf(f.to - 1, 'UTC'))]);
      const figures = ([incidents, maintenance, days]: Awaited<ReturnType<typeof read>>) =>
        computeFigures({ incidents, members, teams, maintenance, memberId, days });
      const base = { teamId: team?.id ?? null, sourceId: source?.id ?? null, severity };
      // Both windows asked at once: PostgreSQL reads the one before while the current one's figures are computed.
      const reading = read({ ...base, from, to });
      const readingBefore = read({ ...base, from: from - (to - from), to: from });
      readingBefore.catch(() => undefined); // awaited below; not unhandled if the first read fails
      const current = figures(await reading);
      const before = figures(await readingBefore);
      return {
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        team: team?.name ?? null,
        source: source?.name ?? null,
        member: q.member ?? null,
        severity,
        time_zone: zone,
        ...current.figures,
        previous: { from: new Date(from - (to - from)).toISOString(), to: new Date(from).toISOString(), ...before.figures },
        series: dailySeries(current.perIncident, from, to, zone),
      };
    },
  };
}
