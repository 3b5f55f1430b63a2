import type { Kysely } from 'kysely';
import type { Sending } from '../delivery/outbound.ts';
import type { Logger } from '../log.ts';
import { renderPersonalWeekCard } from '../render/index.ts';
import { insightDays, insightEntries, insightIncidents, insightMembers, type InsightEntry, type InsightMember } from '../store/insights-repo.ts';
import { schedulesOfTeam, unlinkedPagedOfTeam } from '../store/personal-week-repo.ts';
import type { DB } from '../store/schema.ts';
import type { Team } from '../store/team-repo.ts';
import { shifts } from '../schedule/engine.ts';
import { loadModel } from '../schedule/lookup.ts';
import { percentile, walk } from './figures.ts';
import { classifyHours, dayOf, hoursRule, zoneOr } from './hours.ts';

// The personal "your week on call" cards (README "Insights"): when a team's weekly report fires,
// everyone its incidents of the week paged gets a private card with their own week: pages, night
// pages (sleep hours in their own zone), time on call in the team's schedules, median time to
// acknowledge, incidents acknowledged and resolved. One card per team that paged them (each team
// has its own report day, hours and schedules). Sent in the report timer's transaction, so one
// replica sends them once; the delivery key keeps one waiting card per person, team and week.

const DAY_MS = 86_400_000;

export interface PersonalWeek {
  memberId: number;
  name: string;
  email: string | null;
  openId: string;
  /** The zone their pages are classed in: their own, else the team's. */
  timeZone: string;
  pages: number;
  nightPages: number;
  onCallMs: number;
  ackP50S: number | null;
  acked: number;
  resolved: number;
}

export interface PersonalWeeks {
  people: PersonalWeek[];
  /** People the week's incidents could not page: they never linked Hark (they get no card). */
  unlinked: string[];
  /** Pages to a Lark identity no member holds any more (unlinked since): no card either. */
  unknownPages: number;
}

const hhmm = (min: number) => `${String(Math.floor(min / 60) % 24).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;

/** Total length of the union of intervals (overlapping schedules count once). */
export function unionMs(intervals: readonly (readonly [number, number])[]): number {
  const sorted = [...intervals].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let start = -Infinity;
  let end = -Infinity;
  for (const [a, b] of sorted) {
    if (a > end) {
      if (end > start) total += end - start;
      start = a;
      end = b;
    } else if (b > end) end = b;
  }
  if (end > start) total += end - start;
  return total;
}

/** Each member's (by lowercased email) time on call in the team's schedules within [from, to). */
async function onCallByEmail(db: Kysely<DB>, teamId: number, from: number, to: number): Promise<Map<string, number>> {
  const spans = new Map<string, [number, number][]>();
  for (const s of await schedulesOfTeam(db, teamId)) {
    for (const sh of shifts(await loadModel(db, s, from, to), from, to)) {
      const key = sh.member.toLowerCase();
      let l = spans.get(key);
      if (!l) spans.set(key, (l = []));
      l.push([Math.max(from, sh.start), Math.min(to, sh.end)]);
    }
  }
  return new Map([...spans].map(([email, l]) => [email, unionMs(l)]));
}

/** The week [from, to) of everyone the team's incidents paged. */
export async function personalWeeks(db: Kysely<DB>, team: Team, from: number, to: number): Promise<PersonalWeeks> {
  const f = { from, to, teamId: team.id };
  const [incidents, entries, members, days, unlinked, onCall] = await Promise.all([
    insightIncidents(db, f),
    insightEntries(db, f),
    insightMembers(db),
    insightDays(db, f, dayOf(from + DAY_MS - 1, 'UTC'), dayOf(to - 1, 'UTC')),
    unlinkedPagedOfTeam(db, team.id, from, to),
    onCallByEmail(db, team.id, from, to),
  ]);
  const byOpenId = new Map(members.filter((m) => m.openId).map((m) => [m.openId!, m]));
  const rule = hoursRule(team.settings);
  const teamZone = zoneOr(team.timeZone, 'UTC');
  type Tally = { member: InsightMember; zone: string; pages: number; night: number; acks: number[]; acked: Set<number>; resolved: Set<number> };
  const tallies = new Map<number, Tally>();
  let unknownPages = 0;
  const tallyOf = (m: InsightMember) => {
    let t = tallies.get(m.id);
    if (!t) tallies.set(m.id, (t = { member: m, zone: zoneOr(m.timeZone, teamZone), pages: 0, night: 0, acks: [], acked: new Set(), resolved: new Set() }));
    return t;
  };
  const page = (openId: string, at: number) => {
    const m = byOpenId.get(openId);
    if (!m) {
      unknownPages++;
      return;
    }
    const t = tallyOf(m);
    t.pages++;
    if (classifyHours(at, t.zone, rule) === 'sleep') t.night++;
  };

  const byIncident = new Map<number, InsightEntry[]>();
  for (const e of entries) {
    let l = byIncident.get(e.incident);
    if (!l) byIncident.set(e.incident, (l = []));
    l.push(e);
  }
  const byId = new Map(members.map((m) => [m.id, m]));
  for (const inc of incidents) {
    const list = byIncident.get(inc.number) ?? [];
    const w = walk(inc, list);
    for (const p of w.pages) page(p.openId, p.at);
    // Their acknowledgements and resolutions; time to acknowledge from their own first page
    // before it (else the incident's first page, as the team's MTTA counts).
    const firstAck = new Map<number, number>();
    for (const e of list) {
      if (e.actorId === null || !byId.has(e.actorId)) continue;
      if (e.kind === 'ack' && !firstAck.has(e.actorId)) firstAck.set(e.actorId, e.at);
      if (e.kind === 'resolve') tallyOf(byId.get(e.actorId)!).resolved.add(inc.number);
    }
    for (const [id, at] of firstAck) {
      const m = byId.get(id)!;
      const theirs = w.pages.find((p) => p.openId === m.openId && p.at <= at)?.at;
      const t = tallyOf(m);
      t.acked.add(inc.number);
      t.acks.push(Math.max(0, (at - (theirs ?? w.firstPage ?? w.openAt)) / 1000));
    }
  }
  // Incidents pruned by the retention keep their pages in day rows (src/insights/rollup.ts).
  for (const d of days) for (const [openId, at] of JSON.parse(d.pages) as [string, number][]) page(openId, at);

  const people: PersonalWeek[] = [];
  for (const t of tallies.values()) {
    if (t.pages === 0 || !t.member.openId) continue;
    people.push({
      memberId: t.member.id, name: t.member.name, email: t.member.email, openId: t.member.openId, timeZone: t.zone,
      pages: t.pages, nightPages: t.night, onCallMs: onCall.get((t.member.email ?? '').toLowerCase()) ?? 0,
      ackP50S: percentile(t.acks.sort((a, b) => a - b), 0.5), acked: t.acked.size, resolved: t.resolved.size,
    });
  }
  people.sort((a, b) => a.name.localeCompare(b.name));
  return { people, unlinked, unknownPages };
}

/** Queues each paged person's card for the week [from, to) in the report timer's transaction. */
export async function sendPersonalWeeks(
  trx: Kysely<DB>,
  d: { delivery: Sending; publicUrl: string; logger: Logger },
  team: Team,
  from: number,
  to: number,
  now: number,
): Promise<PersonalWeeks> {
  const weeks = await personalWeeks(trx, team, from, to);
  const rule = hoursRule(team.settings);
  const base = d.publicUrl.replace(/\/+$/, '');
  for (const p of weeks.people) {
    const query = `team=${encodeURIComponent(team.name)}${p.email ? `&member=${encodeURIComponent(p.email)}` : ''}`;
    const card = renderPersonalWeekCard(
      {
        team: team.name, timeZone: p.timeZone, from, to, pages: p.pages, nightPages: p.nightPages, sleepFrom: hhmm(rule.sleepFrom), sleepTo: hhmm(rule.sleepTo),
        onCallMs: p.onCallMs, ackP50S: p.ackP50S, acked: p.acked, resolved: p.resolved, webUrl: `${base}/h5/insights?${query}`,
      },
      { lang: 'both', now },
    );
    await d.delivery.send(trx, { to: { type: 'open_id', id: p.openId, name: p.name }, kind: 'personal', card, key: `insights_week:${team.id}:${p.memberId}:${dayOf(to, 'UTC')}` });
  }
  if (weeks.people.length) d.logger.info({ team: team.name, people: weeks.people.length }, 'personal week cards queued');
  if (weeks.unlinked.length || weeks.unknownPages) {
    d.logger.info(
      { team: team.name, unlinked: weeks.unlinked, unknownPages: weeks.unknownPages },
      'personal week cards not sent to people who never linked Hark (or unlinked since)',
    );
  }
  return weeks;
}
