import type { Kysely, Selectable } from 'kysely';
import type { DB, TeamRow } from './schema.ts';

// What configuration as code (src/config-file/, issue 24) reads and writes: every configurable
// object in a few bulk reads (the plan of a 200-source file must not cost 200 round trips), the
// writes of an apply (run inside its transaction) and the lock row that makes applies take turns.

export type StoredTeam = Omit<Selectable<TeamRow>, 'created_at' | 'updated_at'> & { members: { email: string; role: string }[] };

export interface StoredSource extends SourceWrite {
  id: number;
  name: string;
  token_hash: string;
  managed_at: number | null;
  managed_by: string | null;
  auto_for: string | null;
  routes: { chat_id: string; min_severity: string; labels: string }[];
}

export interface StoredState {
  teams: StoredTeam[];
  members: { id: number; name: string; email: string | null; role: string; time_zone: string | null; managed_at: number | null; managed_by: string | null }[];
  sources: StoredSource[];
  schedules: { id: number; name: string; spec: string; team_id: number | null; managed_at: number | null; managed_by: string | null }[];
  chats: { chat_id: string; name: string; status: string }[];
  /** Maintenance windows not deleted, oldest first. */
  windows: { id: number; source_name: string; labels: string; starts_at: number | null; ends_at: number | null; recurring: string | null; reason: string | null; managed_at: number | null; managed_by: string | null }[];
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Every configurable object as stored. */
export async function readConfigState(db: Kysely<DB>): Promise<StoredState> {
  const [teams, teamMembers, members, sources, rooms, subs, schedules, chats, windows] = await Promise.all([
    db.selectFrom('teams').selectAll().orderBy('name').execute(),
    db
      .selectFrom('team_members')
      .innerJoin('members', 'members.id', 'team_members.member_id')
      .select(['team_members.team_id', 'members.email', 'team_members.role'])
      .execute(),
    db.selectFrom('members').select(['id', 'name', 'email', 'role', 'time_zone', 'managed_at', 'managed_by']).orderBy('email').execute(),
    db.selectFrom('sources').selectAll().orderBy('name').execute(),
    db.selectFrom('source_war_rooms').select(['source_id', 'auto_for']).execute(),
    db.selectFrom('subscriptions').select(['source_id', 'chat_id', 'min_severity', 'labels']).orderBy('chat_id').execute(),
    db.selectFrom('schedules').select(['id', 'name', 'spec', 'team_id', 'managed_at', 'managed_by']).orderBy('name').execute(),
    db.selectFrom('chats').select(['chat_id', 'name', 'status']).execute(),
    db
      .selectFrom('maintenance_windows')
      .innerJoin('sources', 'sources.id', 'maintenance_windows.source_id')
      .select(['maintenance_windows.id', 'sources.name as source_name', 'labels', 'starts_at', 'ends_at', 'recurring', 'reason', 'maintenance_windows.managed_at', 'maintenance_windows.managed_by'])
      .where('maintenance_windows.deleted_at', 'is', null)
      .orderBy('maintenance_windows.id')
      .execute(),
  ]);
  const byTeam = new Map<number, { email: string; role: string }[]>();
  for (const m of teamMembers) if (m.email) (byTeam.get(Number(m.team_id)) ?? byTeam.set(Number(m.team_id), []).get(Number(m.team_id))!).push({ email: m.email, role: m.role });
  const autoFor = new Map(rooms.map((r) => [Number(r.source_id), r.auto_for]));
  const routes = new Map<number, StoredSource['routes']>();
  for (const s of subs) (routes.get(Number(s.source_id)) ?? routes.set(Number(s.source_id), []).get(Number(s.source_id))!).push({ chat_id: s.chat_id, min_severity: s.min_severity, labels: s.labels });
  return {
    teams: teams.map((t) => ({
      id: Number(t.id), name: t.name, time_zone: t.time_zone, home_chat_id: t.home_chat_id, open_to_all_responders: Number(t.open_to_all_responders),
      settings: t.settings, managed_at: num(t.managed_at), managed_by: t.managed_by, members: byTeam.get(Number(t.id)) ?? [],
    })),
    members: members.map((m) => ({ ...m, id: Number(m.id), managed_at: num(m.managed_at) })),
    sources: sources.map((s) => ({
      id: Number(s.id), name: s.name, kind: s.kind, team_id: num(s.team_id), token_hash: s.token_hash, token_env: s.token_env ?? null,
      escalation: s.escalation, alertmanager_url: s.alertmanager_url, alertmanager_token: s.alertmanager_token,
      alertmanager_token_env: s.alertmanager_token_env ?? null, heartbeat_minutes: num(s.heartbeat_minutes), silence_labels: s.silence_labels,
      reopen_minutes: num(s.reopen_minutes), flap_changes: num(s.flap_changes), flap_minutes: num(s.flap_minutes),
      managed_at: num(s.managed_at), managed_by: s.managed_by, auto_for: autoFor.get(Number(s.id)) ?? null, routes: routes.get(Number(s.id)) ?? [],
    })),
    schedules: schedules.map((s) => ({ ...s, id: Number(s.id), team_id: num(s.team_id), managed_at: num(s.managed_at) })),
    chats,
    windows: windows.map((w) => ({ ...w, id: Number(w.id), starts_at: num(w.starts_at), ends_at: num(w.ends_at), managed_at: num(w.managed_at) })),
  };
}

/**
 * Takes the configuration lock for this transaction and counts the apply: a second apply (another
 * replica) waits here until the first commits, then plans against what it committed.
 */
export async function takeConfigLock(db: Kysely<DB>, by: string, now: number): Promise<number> {
  const row = await db
    .updateTable('config_lock')
    .set((eb) => ({ revision: eb('revision', '+', 1), applied_at: now, applied_by: by }))
    .where('id', '=', 1)
    .returning('revision')
    .executeTakeFirstOrThrow();
  return Number(row.revision);
}

export interface MemberWrite {
  name: string;
  email: string;
  role: string;
  time_zone: string | null;
}

export async function insertManagedMember(db: Kysely<DB>, m: MemberWrite, stamp: Stamp): Promise<number> {
  const row = await db
    .insertInto('members')
    .values({ ...m, open_id: null, union_id: null, created_at: stamp.at, linked_at: null, managed_at: stamp.at, managed_by: stamp.by })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function updateManagedMember(db: Kysely<DB>, id: number, m: MemberWrite, stamp: Stamp): Promise<void> {
  await db.updateTable('members').set({ ...m, managed_at: stamp.at, managed_by: stamp.by }).where('id', '=', id).execute();
}

/** Removes a person from the roster with their memberships, sessions and feeds. */
export async function deleteMember(db: Kysely<DB>, id: number): Promise<void> {
  await db.deleteFrom('team_members').where('member_id', '=', id).execute();
  await db.deleteFrom('sessions').where('member_id', '=', id).execute();
  await db.deleteFrom('calendar_feeds').where('member_id', '=', id).execute();
  await db.deleteFrom('members').where('id', '=', id).execute();
}

export interface Stamp {
  at: number;
  by: string;
}

/** The columns of a source a configuration file sets. */
export interface SourceWrite {
  kind: string;
  team_id: number | null;
  token_env: string | null;
  escalation: string | null;
  alertmanager_url: string | null;
  alertmanager_token: string | null;
  alertmanager_token_env: string | null;
  heartbeat_minutes: number | null;
  silence_labels: string | null;
  reopen_minutes: number | null;
  flap_changes: number | null;
  flap_minutes: number | null;
}

export async function insertManagedSource(db: Kysely<DB>, name: string, tokenHash: string, s: SourceWrite, stamp: Stamp): Promise<number> {
  const row = await db
    .insertInto('sources')
    .values({ name, token_hash: tokenHash, created_at: stamp.at, ...s, managed_at: stamp.at, managed_by: stamp.by })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function updateManagedSource(db: Kysely<DB>, id: number, s: SourceWrite, tokenHash: string | null, stamp: Stamp): Promise<void> {
  await db
    .updateTable('sources')
    .set({ ...s, ...(tokenHash ? { token_hash: tokenHash } : {}), managed_at: stamp.at, managed_by: stamp.by })
    .where('id', '=', id)
    .execute();
}

/** Makes a source's subscriptions exactly these (the file's routes), all managed. */
export async function replaceRoutes(db: Kysely<DB>, sourceId: number, routes: readonly { chat_id: string; min_severity: string; labels: string }[], stamp: Stamp): Promise<void> {
  await db.deleteFrom('subscriptions').where('source_id', '=', sourceId).execute();
  if (!routes.length) return;
  await db
    .insertInto('subscriptions')
    .values(routes.map((r) => ({ ...r, source_id: sourceId, created_at: stamp.at, managed_at: stamp.at, managed_by: stamp.by })))
    .execute();
}

/** How many incidents a source has (a source with incidents is never deleted: they refer to it). */
export async function incidentCountOfSource(db: Kysely<DB>, sourceId: number): Promise<number> {
  const r = await db.selectFrom('incidents').select((eb) => eb.fn.countAll().as('n')).where('source_id', '=', sourceId).executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Deletes a source that has no incidents, with its routes, war-room setting and waiting timers' windows. */
export async function deleteSource(db: Kysely<DB>, id: number): Promise<void> {
  await db.deleteFrom('subscriptions').where('source_id', '=', id).execute();
  await db.deleteFrom('source_war_rooms').where('source_id', '=', id).execute();
  await db.deleteFrom('maintenance_windows').where('source_id', '=', id).execute();
  await db.deleteFrom('sources').where('id', '=', id).execute();
}

export async function setScheduleManaged(db: Kysely<DB>, id: number, teamId: number | null, stamp: Stamp): Promise<void> {
  await db.updateTable('schedules').set({ team_id: teamId, managed_at: stamp.at, managed_by: stamp.by }).where('id', '=', id).execute();
}

/** Marks a maintenance window as declared by the configuration file. */
export async function setWindowManaged(db: Kysely<DB>, id: number, stamp: Stamp): Promise<void> {
  await db.updateTable('maintenance_windows').set({ managed_at: stamp.at, managed_by: stamp.by }).where('id', '=', id).execute();
}
