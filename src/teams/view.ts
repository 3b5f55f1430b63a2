import type { Kysely } from 'kysely';
import { HarkError } from '../errors.ts';
import { parseStoredPolicy, type EscalationPolicy } from '../escalation/policy.ts';
import { chatName, routesOfSource, teamScheduleNames, teamSources } from '../store/access-repo.ts';
import type { DB } from '../store/schema.ts';
import { deserializeMatchers, displayMatchers } from '../delivery/matchers.ts';
import { findTeamByName, listTeams, teamMembers, type Team } from '../store/team-repo.ts';
import { rosterByEmail } from '../store/schedule-repo.ts';

// What a team is, for GET /api/v1/teams[/:name] and the team page /h5/teams/:name (issue 24):
// its people with roles, who is on call now, its sources with their routing and the escalation
// ladder in words, its groups, and where a configuration file manages it.

export interface Managed {
  at: string;
  by: string | null;
}

export interface TeamView {
  name: string;
  time_zone: string;
  open_to_all_responders: boolean;
  home_chat: { chat_id: string; name: string | null } | null;
  managed: Managed | null;
  members: Array<{ name: string; email: string | null; role: 'lead' | 'member' }>;
  oncall: Array<{ schedule: string; members: string[]; until: string | null }>;
  sources: Array<{
    name: string;
    kind: string;
    managed: Managed | null;
    routes: Array<{ chat_id: string; chat: string; min_severity: string; labels: string[] }>;
    escalation: string[];
  }>;
  groups: Array<{ chat_id: string; name: string }>;
}

const managed = (at: number | null, by: string | null): Managed | null => (at === null ? null : { at: new Date(Number(at)).toISOString(), by });

const URGENT_WORDS: Record<string, string> = { app: 'buzz in Lark', sms: 'buzz by SMS', phone: 'buzz by phone call' };

/** The ladder in words: "1. on call in payments-primary (buzz in Lark); after 5 min unacknowledged:" … */
export function ladderInWords(
  p: EscalationPolicy | null,
  names: { member?: (email: string) => string; chat?: (chatId: string) => string } = {},
): string[] {
  if (!p || !p.levels.length) return [];
  const lines = p.levels.map((l, i) => {
    const who = l.targets
      .map((t) =>
        'schedule' in t ? `whoever is on call in ${t.schedule}` : 'member' in t ? (names.member?.(t.member) ?? t.member) : `group ${names.chat?.(t.chat) ?? t.chat}`,
      )
      .join(', ');
    const buzz = l.urgent ? ` (${URGENT_WORDS[l.urgent] ?? l.urgent})` : '';
    const last = i === p.levels.length - 1;
    const then = last ? (p.repeat > 0 ? `; after ${l.wait_minutes} min the ladder starts again (${p.repeat} more time${p.repeat === 1 ? '' : 's'})` : '') : `; after ${l.wait_minutes} min without an ack, level ${i + 2}`;
    return `${i + 1}. Page ${who}${buzz}${then}`;
  });
  if (p.ack_timeout) lines.push(`An acknowledgement lasts ${p.ack_timeout}, then the acker is reminded.`);
  return lines;
}

export async function teamView(db: Kysely<DB>, team: Team, oncall: (schedule: string) => Promise<{ members: string[]; until: string | null }>): Promise<TeamView> {
  const [members, sources, schedules] = await Promise.all([teamMembers(db, team.id), teamSources(db, team.id), teamScheduleNames(db, team.id)]);
  const sourceViews: TeamView['sources'] = [];
  const groups = new Map<string, string>();
  const policies = new Map(sources.map((s) => [s.name, parseStoredPolicy(s.escalation)]));
  const targets = [...policies.values()].flatMap((p) => p?.levels.flatMap((l) => l.targets) ?? []);
  const roster = await rosterByEmail(db, targets.flatMap((t) => ('member' in t ? [t.member] : [])));
  const chats = new Map<string, string>();
  for (const t of targets) if ('chat' in t && !chats.has(t.chat)) chats.set(t.chat, (await chatName(db, t.chat)) ?? t.chat);
  const names = { member: (e: string) => roster.get(e)?.name ?? e, chat: (id: string) => chats.get(id) ?? id };
  for (const s of sources) {
    const routes = (await routesOfSource(db, Number(s.id))).map((r) => {
      groups.set(r.chat_id, r.name);
      return { chat_id: r.chat_id, chat: r.name, min_severity: r.min_severity, labels: labelsOf(r.labels) };
    });
    sourceViews.push({
      name: s.name,
      kind: s.kind,
      managed: managed(s.managed_at, s.managed_by),
      routes,
      escalation: ladderInWords(policies.get(s.name) ?? null, names),
    });
  }
  const home = team.homeChatId ? { chat_id: team.homeChatId, name: await chatName(db, team.homeChatId) } : null;
  if (home) groups.set(home.chat_id, home.name ?? home.chat_id);
  const oncallViews: TeamView['oncall'] = [];
  for (const name of schedules) oncallViews.push({ schedule: name, ...(await oncall(name).catch(() => ({ members: [], until: null }))) });
  return {
    name: team.name,
    time_zone: team.timeZone,
    open_to_all_responders: team.openToAllResponders,
    home_chat: home,
    managed: managed(team.managedAt, team.managedBy),
    members: members.map((m) => ({ name: m.name, email: m.email, role: m.role })),
    oncall: oncallViews,
    sources: sourceViews,
    groups: [...groups].map(([chat_id, name]) => ({ chat_id, name })),
  };
}

function labelsOf(stored: string): string[] {
  const shown = displayMatchers(deserializeMatchers(stored));
  return Array.isArray(shown) ? shown : Object.entries(shown).map(([k, v]) => `${k}=${v}`);
}

export async function teamByName(db: Kysely<DB>, name: string): Promise<Team> {
  const team = await findTeamByName(db, name);
  if (!team) {
    const names = (await listTeams(db)).map((t) => t.name);
    throw new HarkError('not_found', names.length ? `no team named "${name}"; teams: ${names.join(', ')}` : `no team named "${name}": Hark has no teams yet`);
  }
  return team;
}
