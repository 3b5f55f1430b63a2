import type { InsightDayRow, InsightEntry, InsightIncident, InsightMaintenance, InsightMember, InsightTimeline } from '../store/insights-repo.ts';
import type { Team } from '../store/team-repo.ts';
import { classifyHours, dayOf, hoursRule, zoneOr, type HoursClass, type HoursRule } from './hours.ts';

// The figures of one window, from the timeline (README "Insights" defines each one). Pure: the
// rows come from store/insights-repo.ts, so the same incidents always give the same answer.

export const ACK_FAST_S = 5 * 60;

export interface Noisy {
  source: string;
  group_key: string;
  title: string;
  count: number;
  /** Share (0–1) of its incidents that resolved by themselves with nobody acting. */
  auto_resolved: number;
  /** Its incidents that flapped (reopened by the alert as flapping). */
  flapping: number;
  /** The latest of its incidents, for "Open" and "Silence 1 w". */
  last_incident: number;
  silenceable: boolean;
}

export interface PersonPages {
  member: string;
  email: string | null;
  work: number;
  off: number;
  sleep: number;
  total: number;
}

export interface Figures {
  incidents: number;
  mtta_p50_s: number | null;
  mtta_p90_s: number | null;
  mttr_p50_s: number | null;
  mttr_p90_s: number | null;
  /** Share (0–1) of the incidents acknowledged within 5 minutes of their first page; null without incidents. */
  acked_within_5m: number | null;
  escalated: number;
  pages: Record<HoursClass, number>;
  noisiest: Noisy[];
  maintenance_s: number;
  by_severity: Record<string, number>;
  people: PersonPages[];
}

export interface Incident1 {
  number: number;
  severity: string;
  createdAt: number;
  /** Seconds from first page to first acknowledgement; null: never acknowledged. */
  ackS: number | null;
  resolveS: number | null;
}

export interface FigureInput {
  /** The window's incidents, each with its figure-bearing entries in timeline order. */
  incidents: readonly InsightTimeline[];
  members: InsightMember[];
  teams: Map<number, Team>;
  maintenance: InsightMaintenance[];
  /** Kept day rows of pruned incidents (src/insights/rollup.ts); ignored with a person filter (they keep no actors). */
  days?: readonly InsightDayRow[];
  /** Only this person's pages, and incidents they were paged for or acted on. */
  memberId?: number | null;
  noisiest?: number;
}

/** Linear interpolation between closest ranks (R-7, spreadsheets' PERCENTILE.INC); null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return Math.round((sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!)) * 1000) / 1000;
}

function parse(data: string | null): Record<string, unknown> {
  if (!data) return {};
  try {
    const v = JSON.parse(data) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

interface Page {
  at: number;
  openId: string;
}

/** What one incident's timeline says. */
export interface Walk {
  openAt: number;
  firstPage: number | null;
  firstAck: number | null;
  resolvedAt: number | null;
  escalated: boolean;
  humanActed: boolean;
  autoResolvedLast: boolean;
  flapping: boolean;
  pages: Page[];
  actors: Set<number>;
}

export function walk(inc: InsightIncident, entries: readonly InsightEntry[]): Walk {
  const w: Walk = {
    openAt: inc.createdAt, firstPage: null, firstAck: null, resolvedAt: null, escalated: false,
    humanActed: false, autoResolvedLast: false, flapping: false, pages: [], actors: new Set(),
  };
  for (const e of entries) {
    if (e.actorId !== null) w.actors.add(e.actorId);
    switch (e.kind) {
      case 'open':
        w.openAt = e.at;
        break;
      case 'escalate': {
        const d = parse(e.data);
        const reached = Array.isArray(d.targets) && d.targets.length > 0;
        if (reached && w.firstPage === null) w.firstPage = e.at;
        if (reached && typeof d.level === 'number' && d.level >= 1) w.escalated = true;
        break;
      }
      case 'delivery': {
        const target = parse(e.data).target_id;
        if (typeof target === 'string' && target.startsWith('ou_')) w.pages.push({ at: e.at, openId: target });
        break;
      }
      case 'ack':
        if (w.firstAck === null) w.firstAck = e.at;
        w.humanActed = true;
        break;
      case 'snooze':
        w.humanActed = true;
        break;
      case 'resolve':
        w.resolvedAt = e.at;
        w.humanActed = true;
        w.autoResolvedLast = false;
        break;
      case 'auto_resolve':
        w.resolvedAt = e.at;
        w.autoResolvedLast = true;
        break;
      case 'reopen':
        w.resolvedAt = null;
        if (parse(e.data).flapping) w.flapping = true;
        break;
    }
  }
  // Never paged by an escalation step: the page is the incident opening (its card went out then).
  if (w.firstPage === null) w.firstPage = w.pages[0]?.at ?? w.openAt;
  return w;
}

/** The incident's MTTA and MTTR samples (seconds), as the figures and the kept day rows count them. */
export function timesOf(w: Walk): { ackS: number | null; resolveS: number | null } {
  return {
    ackS: w.firstAck === null ? null : Math.max(0, (w.firstAck - (w.firstPage ?? w.openAt)) / 1000),
    resolveS: w.resolvedAt === null ? null : Math.max(0, (w.resolvedAt - w.openAt) / 1000),
  };
}

/** Resolved by the alert with nobody acting. */
export const autoResolved = (w: Walk) => w.resolvedAt !== null && w.autoResolvedLast && !w.humanActed;

export function computeFigures(input: FigureInput): { figures: Figures; perIncident: Incident1[] } {
  const byOpenId = new Map(input.members.filter((m) => m.openId).map((m) => [m.openId!, m]));
  const only = input.memberId ?? null;
  const onlyOpenId = only === null ? null : (input.members.find((m) => m.id === only)?.openId ?? null);
  const rules = new Map<number | null, { rule: HoursRule; zone: string }>();
  const ruleOf = (teamId: number | null) => {
    let r = rules.get(teamId);
    if (!r) {
      const team = teamId === null ? undefined : input.teams.get(teamId);
      r = { rule: hoursRule(team?.settings), zone: zoneOr(team?.timeZone, 'UTC') };
      rules.set(teamId, r);
    }
    return r;
  };

  const ack: number[] = [];
  const resolve: number[] = [];
  const perIncident: Incident1[] = [];
  const pages: Record<HoursClass, number> = { work: 0, off: 0, sleep: 0 };
  const people = new Map<string, PersonPages>();
  const bySeverity: Record<string, number> = {};
  const noisy = new Map<string, Noisy & { auto: number }>();
  let fast = 0;
  let escalated = 0;
  const countPage = (openId: string, at: number, zone: string, rule: HoursRule) => {
    const m = byOpenId.get(openId);
    const cls = classifyHours(at, zoneOr(m?.timeZone, zone), rule);
    pages[cls]++;
    const key = m ? `m${m.id}` : openId;
    let person = people.get(key);
    if (!person) people.set(key, (person = { member: m?.name ?? openId, email: m?.email ?? null, work: 0, off: 0, sleep: 0, total: 0 }));
    person[cls]++;
    person.total++;
  };

  for (const inc of input.incidents) {
    const w = walk(inc, inc.entries());
    if (only !== null && !w.actors.has(only) && !w.pages.some((p) => p.openId === onlyOpenId)) continue;
    const { ackS, resolveS } = timesOf(w);
    perIncident.push({ number: inc.number, severity: inc.severity, createdAt: inc.createdAt, ackS, resolveS });
    if (ackS !== null) ack.push(ackS);
    if (ackS !== null && ackS <= ACK_FAST_S) fast++;
    if (resolveS !== null) resolve.push(resolveS);
    if (w.escalated) escalated++;
    bySeverity[inc.severity] = (bySeverity[inc.severity] ?? 0) + 1;

    const { rule, zone } = ruleOf(inc.teamId);
    for (const p of w.pages) {
      if (onlyOpenId !== null && p.openId !== onlyOpenId) continue;
      if (only !== null && onlyOpenId === null) continue;
      countPage(p.openId, p.at, zone, rule);
    }

    const key = `${inc.sourceId}\u0000${inc.groupKey}`;
    let n = noisy.get(key);
    if (!n) {
      n = { source: inc.sourceName, group_key: inc.groupKey, title: inc.title, count: 0, auto_resolved: 0, auto: 0, flapping: 0, last_incident: inc.number, silenceable: inc.silenceable };
      noisy.set(key, n);
    }
    n.count++;
    if (autoResolved(w)) n.auto++;
    if (w.flapping) n.flapping++;
    if (inc.number >= n.last_incident) {
      n.last_incident = inc.number;
      n.title = inc.title;
    }
  }

  // Pruned incidents, from their kept day rows: the same samples and counts (noisiest alerts excepted).
  for (const d of only === null ? (input.days ?? []) : []) {
    const acks = JSON.parse(d.ack_s) as number[];
    ack.push(...acks);
    resolve.push(...(JSON.parse(d.resolve_s) as number[]));
    fast += d.acked_fast;
    escalated += d.escalated;
    bySeverity[d.severity] = (bySeverity[d.severity] ?? 0) + d.opened;
    const { rule, zone } = ruleOf(d.team_id);
    for (const [openId, at] of JSON.parse(d.pages) as [string, number][]) countPage(openId, at, zone, rule);
    // For the per-day series: the day's incidents at its UTC noon, each with one ack sample.
    const noon = Date.parse(`${d.day}T12:00:00Z`);
    for (let i = 0; i < d.opened; i++) perIncident.push({ number: 0, severity: d.severity, createdAt: noon, ackS: acks[i] ?? null, resolveS: null });
  }

  ack.sort((a, b) => a - b);
  resolve.sort((a, b) => a - b);
  const total = perIncident.length;
  const noisiest = [...noisy.values()]
    .sort((a, b) => b.count - a.count || b.last_incident - a.last_incident)
    .slice(0, input.noisiest ?? 10)
    .map(({ auto, ...n }) => ({ ...n, auto_resolved: Math.round((auto / n.count) * 1000) / 1000 }));
  const maintenanceMs = input.maintenance.reduce((s, m) => s + (m.end - m.start), 0);
  return {
    perIncident,
    figures: {
      incidents: total,
      mtta_p50_s: percentile(ack, 0.5),
      mtta_p90_s: percentile(ack, 0.9),
      mttr_p50_s: percentile(resolve, 0.5),
      mttr_p90_s: percentile(resolve, 0.9),
      acked_within_5m: total === 0 ? null : Math.round((fast / total) * 1000) / 1000,
      escalated,
      pages,
      noisiest,
      maintenance_s: Math.round(maintenanceMs / 1000),
      by_severity: bySeverity,
      people: [...people.values()].sort((a, b) => b.total - a.total || a.member.localeCompare(b.member)),
    },
  };
}

/** Incidents per day (in `zone`) by severity, with that day's MTTA median. */
export function dailySeries(perIncident: readonly Incident1[], from: number, to: number, zone: string) {
  const days = new Map<string, { day: string; incidents: number; by_severity: Record<string, number>; acks: number[] }>();
  for (let t = from; t < to; t += 3_600_000) {
    const d = dayOf(t, zone);
    if (!days.has(d)) days.set(d, { day: d, incidents: 0, by_severity: {}, acks: [] });
  }
  for (const i of perIncident) {
    const d = days.get(dayOf(i.createdAt, zone));
    if (!d) continue;
    d.incidents++;
    d.by_severity[i.severity] = (d.by_severity[i.severity] ?? 0) + 1;
    if (i.ackS !== null) d.acks.push(i.ackS);
  }
  return [...days.values()].map(({ acks, ...d }) => ({ ...d, mtta_p50_s: percentile(acks.sort((a, b) => a - b), 0.5) }));
}
