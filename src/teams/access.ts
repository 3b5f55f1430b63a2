import type { Kysely } from 'kysely';
import { HarkError } from '../errors.ts';
import type { MemberRole } from '../incident/types.ts';
import { memberFacts, teamScheduleNames, warRoomOf, wasPaged } from '../store/access-repo.ts';
import type { DB } from '../store/schema.ts';
import { teamOfIncident, teamRoleOf } from '../store/team-repo.ts';

// Who may act on an incident (issue 24, README "Security"), decided in one place for every
// surface: the card button, the chat command, the web app and the API with a personal session
// all reach IncidentService, which asks this before any change. With no team on the incident's
// source, Hark behaves as it always did: any responder may act.

/** How a person stands towards one incident. */
export type Relation = 'team' | 'paged' | 'war_room';

export interface AccessFacts {
  /** Their global role (admin | responder | viewer). */
  readonly role: MemberRole;
  /** The team that owns the incident's source; null: none. */
  readonly team: { readonly name: string; readonly openToAllResponders: boolean } | null;
  readonly relations: ReadonlySet<Relation>;
}

export type AccessDecision =
  | { readonly ok: true; readonly why: 'admin' | 'no_team' | 'open_to_all' | Relation }
  | { readonly ok: false; readonly why: 'viewer' | 'outsider' };

/** The rule itself, pure: admins; then (not viewers) no team, a team open to all, its members, people paged for it, its war room. */
export function decideIncidentAccess(f: AccessFacts): AccessDecision {
  if (f.role === 'admin') return { ok: true, why: 'admin' };
  if (f.role === 'viewer') return { ok: false, why: 'viewer' };
  if (!f.team) return { ok: true, why: 'no_team' };
  if (f.team.openToAllResponders) return { ok: true, why: 'open_to_all' };
  for (const r of ['team', 'paged', 'war_room'] as const) if (f.relations.has(r)) return { ok: true, why: r };
  return { ok: false, why: 'outsider' };
}

/** Why someone outside a team may not act: the team and who is on call for it, nothing about the incident. */
export interface IncidentRefusal {
  readonly incident: number;
  readonly team: string;
  /** The people on call now in the team's schedules ("Alice (payments-primary)"). */
  readonly oncall: readonly string[];
}

export function refusalText(r: IncidentRefusal): { en: string; zh: string } {
  const who = r.oncall.length ? r.oncall.join(', ') : null;
  return {
    en:
      `#${r.incident} belongs to team ${r.team}: only its members, the people paged for it and its war room may act on it. ` +
      (who ? `On call for ${r.team} now: ${who}.` : `${r.team} has nobody on call now.`),
    zh:
      `#${r.incident} 属于团队 ${r.team}：只有团队成员、被呼叫的人和作战室里的人可以操作。` +
      (who ? `${r.team} 当前值班：${who}。` : `${r.team} 当前无人值班。`),
  };
}

/** The person acting, as the incident service knows them (Actor), and where they pressed or typed. */
export interface Acting {
  readonly id: number | null;
  readonly name: string;
  /** The Lark chat the button or command came from, if any (its war room counts). */
  readonly chatId?: string | null;
}

export interface TeamAccess {
  /** Null when the person may act; otherwise the refusal. Unknown member ids are left to the caller's own checks. */
  refusal(actor: Acting, incidentNumber: number): Promise<IncidentRefusal | null>;
  /** Throws HarkError('forbidden') with the refusal (details: IncidentRefusal) when the person may not act. */
  check(actor: Acting, incidentNumber: number): Promise<void>;
}

export function createTeamAccess(deps: {
  db: Kysely<DB>;
  /** The names of the people on call now in one schedule (src/schedule), built later than this. */
  oncallNames: (schedule: string) => Promise<string[]>;
}): TeamAccess {
  const { db } = deps;
  const access: TeamAccess = {
    async refusal(actor, number) {
      if (actor.id === null) return null;
      const team = await teamOfIncident(db, number);
      if (!team) return null;
      const member = await memberFacts(db, actor.id);
      if (!member) return null;
      const relations = new Set<Relation>();
      const role = member.role as MemberRole;
      // The cheap facts first; the rest only when they can change the answer.
      if (role === 'responder' && !team.openToAllResponders) {
        if ((await teamRoleOf(db, team.id, actor.id)) !== null) relations.add('team');
        else if (member.openId && (await wasPaged(db, number, member.openId, member.name))) relations.add('paged');
        else {
          const room = await warRoomOf(db, number, member.openId ?? '');
          if (room.member || (room.chatId !== null && actor.chatId === room.chatId)) relations.add('war_room');
        }
      }
      const decision = decideIncidentAccess({ role, team, relations });
      if (decision.ok || decision.why === 'viewer') return null; // viewers are refused by each surface's own role check
      return { incident: number, team: team.name, oncall: await oncallOfTeam(db, team.id, deps.oncallNames) };
    },
    async check(actor, number) {
      const r = await access.refusal(actor, number);
      if (r) throw new HarkError('forbidden', refusalText(r).en, r);
    },
  };
  return access;
}

async function oncallOfTeam(db: Kysely<DB>, teamId: number, names: (schedule: string) => Promise<string[]>): Promise<string[]> {
  const out: string[] = [];
  for (const schedule of await teamScheduleNames(db, teamId)) {
    const people = await names(schedule).catch(() => []);
    for (const p of people) out.push(`${p} (${schedule})`);
  }
  return out;
}

/** The refusal a HarkError carries, if it is one (surfaces turn it into their own words). */
export function refusalOf(err: unknown): IncidentRefusal | null {
  if (!(err instanceof HarkError) || err.code !== 'forbidden') return null;
  const d = err.details as Partial<IncidentRefusal> | undefined;
  return d && typeof d.team === 'string' && typeof d.incident === 'number' && Array.isArray(d.oncall) ? (d as IncidentRefusal) : null;
}
