import type { Kysely } from 'kysely';
import type { Selectable } from 'kysely';
import type { DB, TeamRow } from './schema.ts';
import { fixedLimit } from './prepared.ts';

// Teams as stored (issue 24, migration 020). A source or schedule belongs to at most one team
// (team_id NULL: no team, the behaviour of a Hark without teams). The rules on who may act and
// what a team lead may change live in the features that decide them; this file only stores.

export type TeamRole = 'lead' | 'member';

export interface TeamSettings {
  /** Work hours in the team's zone (insights): days mon..sun, "09:00"–"18:00". */
  work?: { days: string[]; from: string; to: string };
  /** Sleep hours in the person's zone (insights): "22:00"–"08:00". */
  sleep?: { from: string; to: string };
  /** When the weekly report is posted to the home group, in the team's zone. */
  report?: { day: string; at: string } | null;
}

export interface Team {
  id: number;
  name: string;
  timeZone: string;
  homeChatId: string | null;
  openToAllResponders: boolean;
  settings: TeamSettings;
  managedAt: number | null;
  managedBy: string | null;
}

export interface TeamMember {
  memberId: number;
  name: string;
  email: string | null;
  openId: string | null;
  role: TeamRole;
}

function teamFromRow(r: Pick<Selectable<TeamRow>, (typeof TEAM_COLUMNS)[number]>): Team {
  return {
    id: Number(r.id),
    name: r.name,
    timeZone: r.time_zone,
    homeChatId: r.home_chat_id,
    openToAllResponders: Number(r.open_to_all_responders) === 1,
    settings: r.settings ? (JSON.parse(r.settings) as TeamSettings) : {},
    managedAt: r.managed_at === null ? null : Number(r.managed_at),
    managedBy: r.managed_by,
  };
}

const TEAM_COLUMNS = ['id', 'name', 'time_zone', 'home_chat_id', 'open_to_all_responders', 'settings', 'managed_at', 'managed_by'] as const;

export async function listTeams(db: Kysely<DB>): Promise<Team[]> {
  return (await db.selectFrom('teams').select(TEAM_COLUMNS).orderBy('name').execute()).map(teamFromRow);
}

/** Whether any team is defined: with none, Hark behaves as a single team. */
export async function anyTeam(db: Kysely<DB>): Promise<boolean> {
  return (await db.selectFrom('teams').select('id').limit(fixedLimit(1)).executeTakeFirst()) !== undefined;
}

export async function findTeamByName(db: Kysely<DB>, name: string): Promise<Team | null> {
  const row = await db.selectFrom('teams').select(TEAM_COLUMNS).where('name', '=', name).executeTakeFirst();
  return row ? teamFromRow(row) : null;
}

export async function findTeamById(db: Kysely<DB>, id: number): Promise<Team | null> {
  const row = await db.selectFrom('teams').select(TEAM_COLUMNS).where('id', '=', id).executeTakeFirst();
  return row ? teamFromRow(row) : null;
}

/** The team that owns a source (null: none). */
export async function teamOfSource(db: Kysely<DB>, sourceId: number): Promise<Team | null> {
  const row = await db
    .selectFrom('sources')
    .innerJoin('teams', 'teams.id', 'sources.team_id')
    .select(TEAM_COLUMNS.map((c) => `teams.${c}` as const))
    .where('sources.id', '=', sourceId)
    .executeTakeFirst();
  return row ? teamFromRow(row) : null;
}

/** The team that owns an incident, through its source (null: none). */
export async function teamOfIncident(db: Kysely<DB>, incidentNumber: number): Promise<Team | null> {
  const row = await db
    .selectFrom('incidents')
    .innerJoin('sources', 'sources.id', 'incidents.source_id')
    .innerJoin('teams', 'teams.id', 'sources.team_id')
    .select(TEAM_COLUMNS.map((c) => `teams.${c}` as const))
    .where('incidents.number', '=', incidentNumber)
    .executeTakeFirst();
  return row ? teamFromRow(row) : null;
}

export async function teamMembers(db: Kysely<DB>, teamId: number): Promise<TeamMember[]> {
  const rows = await db
    .selectFrom('team_members')
    .innerJoin('members', 'members.id', 'team_members.member_id')
    .select(['members.id as member_id', 'members.name', 'members.email', 'members.open_id', 'team_members.role'])
    .where('team_members.team_id', '=', teamId)
    .orderBy('members.name')
    .execute();
  return rows.map((r) => ({ memberId: Number(r.member_id), name: r.name, email: r.email, openId: r.open_id, role: r.role }));
}

/** A member's role in a team, or null when they are not in it. */
export async function teamRoleOf(db: Kysely<DB>, teamId: number, memberId: number): Promise<TeamRole | null> {
  const row = await db
    .selectFrom('team_members')
    .select('role')
    .where('team_id', '=', teamId)
    .where('member_id', '=', memberId)
    .executeTakeFirst();
  return row ? row.role : null;
}

/** Every team a member belongs to, with their role in it. */
export async function teamsOfMember(db: Kysely<DB>, memberId: number): Promise<Array<{ team: Team; role: TeamRole }>> {
  const rows = await db
    .selectFrom('team_members')
    .innerJoin('teams', 'teams.id', 'team_members.team_id')
    .select([...TEAM_COLUMNS.map((c) => `teams.${c}` as const), 'team_members.role as role'])
    .where('team_members.member_id', '=', memberId)
    .orderBy('teams.name')
    .execute();
  return rows.map((r) => ({ team: teamFromRow(r), role: r.role }));
}

// Writes (used by configuration as code and by the admin API). Run them inside the caller's
// transaction when several must land together.

export interface TeamInput {
  name: string;
  timeZone: string;
  homeChatId: string | null;
  openToAllResponders: boolean;
  settings: TeamSettings;
  managedAt?: number | null;
  managedBy?: string | null;
}

/** Creates the team or updates the one of that name; returns its id. */
export async function upsertTeam(db: Kysely<DB>, t: TeamInput, now: number): Promise<number> {
  const values = {
    time_zone: t.timeZone,
    home_chat_id: t.homeChatId,
    open_to_all_responders: t.openToAllResponders ? 1 : 0,
    settings: Object.keys(t.settings).length ? JSON.stringify(t.settings) : null,
    managed_at: t.managedAt ?? null,
    managed_by: t.managedBy ?? null,
    updated_at: now,
  };
  const existing = await db.selectFrom('teams').select('id').where('name', '=', t.name).executeTakeFirst();
  if (existing) {
    await db.updateTable('teams').set(values).where('id', '=', existing.id).execute();
    return Number(existing.id);
  }
  const row = await db
    .insertInto('teams')
    .values({ name: t.name, created_at: now, ...values })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Deletes a team and its memberships; its sources and schedules are left without a team. */
export async function deleteTeam(db: Kysely<DB>, teamId: number): Promise<void> {
  await db.updateTable('sources').set({ team_id: null }).where('team_id', '=', teamId).execute();
  await db.updateTable('schedules').set({ team_id: null }).where('team_id', '=', teamId).execute();
  await db.updateTable('api_tokens').set({ revoked_at: Date.now() }).where('team_id', '=', teamId).where('revoked_at', 'is', null).execute();
  await db.deleteFrom('team_members').where('team_id', '=', teamId).execute();
  await db.deleteFrom('teams').where('id', '=', teamId).execute();
}

/** Makes the team's membership exactly this list. */
export async function replaceTeamMembers(
  db: Kysely<DB>,
  teamId: number,
  members: ReadonlyArray<{ memberId: number; role: TeamRole }>,
  now: number,
): Promise<void> {
  await db.deleteFrom('team_members').where('team_id', '=', teamId).execute();
  if (members.length === 0) return;
  await db
    .insertInto('team_members')
    .values(members.map((m) => ({ team_id: teamId, member_id: m.memberId, role: m.role, created_at: now })))
    .execute();
}

export async function setSourceTeam(db: Kysely<DB>, sourceId: number, teamId: number | null): Promise<void> {
  await db.updateTable('sources').set({ team_id: teamId }).where('id', '=', sourceId).execute();
}

export async function setScheduleTeam(db: Kysely<DB>, scheduleId: number, teamId: number | null): Promise<void> {
  await db.updateTable('schedules').set({ team_id: teamId }).where('id', '=', scheduleId).execute();
}

/** The names of the sources a team owns, sorted (issue 25: a team-declared incident opens on one of them). */
export async function sourcesOfTeam(db: Kysely<DB>, teamId: number): Promise<string[]> {
  return (await db.selectFrom('sources').select('name').where('team_id', '=', teamId).orderBy('name').execute()).map((r) => r.name);
}

/** The team whose home group this is (issue 25: `@Hark declare` there is that team's), or null. */
export async function teamOfHomeChat(db: Kysely<DB>, chatId: string): Promise<Team | null> {
  const row = await db.selectFrom('teams').select(TEAM_COLUMNS).where('home_chat_id', '=', chatId).orderBy('name').executeTakeFirst();
  return row ? teamFromRow(row) : null;
}
