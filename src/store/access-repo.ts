import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';
import { fixedLimit } from './prepared.ts';

// The facts behind "who may act on this incident" and "who may change this object" (issue 24,
// src/teams/): who Hark paged for an incident, who is in its war room, which team owns a source,
// schedule or maintenance window, and whether a configuration file manages it. Only reads.

/** Whether Hark paged this person privately for the incident (sent, or still queued), or they were added as a responder. */
export async function wasPaged(db: Kysely<DB>, incidentNumber: number, openId: string, name: string): Promise<boolean> {
  const sent = await db
    .selectFrom('incident_messages')
    .select('message_id')
    .where('incident_number', '=', incidentNumber)
    .where('target_type', '=', 'open_id')
    .where('target_id', '=', openId)
    .limit(fixedLimit(1))
    .executeTakeFirst();
  if (sent) return true;
  const queued = await db
    .selectFrom('outbox')
    .select('id')
    .where('incident_number', '=', incidentNumber)
    .where('target_type', '=', 'open_id')
    .where('target_id', '=', openId)
    .limit(fixedLimit(1))
    .executeTakeFirst();
  if (queued) return true;
  const row = await db.selectFrom('incidents').select('responders').where('number', '=', incidentNumber).executeTakeFirst();
  try {
    const list = JSON.parse(row?.responders ?? '[]') as Array<{ name?: unknown }>;
    return Array.isArray(list) && list.some((r) => r && r.name === name);
  } catch {
    return false;
  }
}

/** The incident's war room chat, and whether this person was put in it. */
export async function warRoomOf(db: Kysely<DB>, incidentNumber: number, openId: string): Promise<{ chatId: string | null; member: boolean }> {
  const room = await db.selectFrom('war_rooms').select('chat_id').where('incident_number', '=', incidentNumber).executeTakeFirst();
  if (!room) return { chatId: null, member: false };
  const m = await db
    .selectFrom('war_room_members')
    .select('status')
    .where('incident_number', '=', incidentNumber)
    .where('open_id', '=', openId)
    .where('status', '=', 'added')
    .executeTakeFirst();
  return { chatId: room.chat_id, member: m !== undefined };
}

/** An object a team may own and a configuration file may manage. */
export interface OwnedObject {
  kind: 'source' | 'schedule' | 'maintenance window' | 'subscription';
  name: string;
  teamId: number | null;
  teamName: string | null;
  managedAt: number | null;
  managedBy: string | null;
}

export async function sourceOwner(db: Kysely<DB>, name: string): Promise<OwnedObject | null> {
  const r = await db
    .selectFrom('sources')
    .leftJoin('teams', 'teams.id', 'sources.team_id')
    .select(['sources.name', 'sources.team_id', 'teams.name as team_name', 'sources.managed_at', 'sources.managed_by'])
    .where('sources.name', '=', name)
    .executeTakeFirst();
  return r ? owned('source', r.name, r) : null;
}

export async function scheduleOwner(db: Kysely<DB>, name: string): Promise<OwnedObject | null> {
  const r = await db
    .selectFrom('schedules')
    .leftJoin('teams', 'teams.id', 'schedules.team_id')
    .select(['schedules.name', 'schedules.team_id', 'teams.name as team_name', 'schedules.managed_at', 'schedules.managed_by'])
    .where('schedules.name', '=', name)
    .executeTakeFirst();
  return r ? owned('schedule', r.name, r) : null;
}

/** A maintenance window belongs to its source's team; it is managed when the file declared it. */
export async function maintenanceOwner(db: Kysely<DB>, id: number): Promise<OwnedObject | null> {
  const r = await db
    .selectFrom('maintenance_windows')
    .innerJoin('sources', 'sources.id', 'maintenance_windows.source_id')
    .leftJoin('teams', 'teams.id', 'sources.team_id')
    .select(['sources.name', 'sources.team_id', 'teams.name as team_name', 'maintenance_windows.managed_at', 'maintenance_windows.managed_by'])
    .where('maintenance_windows.id', '=', id)
    .executeTakeFirst();
  return r ? owned('maintenance window', `${id} of source ${r.name}`, r) : null;
}

/** A group's subscription to a source: owned by the source's team; managed when the file declared it. */
export async function subscriptionOwner(db: Kysely<DB>, chatId: string, sourceName: string): Promise<OwnedObject | null> {
  const r = await db
    .selectFrom('subscriptions')
    .innerJoin('sources', 'sources.id', 'subscriptions.source_id')
    .leftJoin('teams', 'teams.id', 'sources.team_id')
    .select(['sources.name', 'sources.team_id', 'teams.name as team_name', 'subscriptions.managed_at', 'subscriptions.managed_by'])
    .where('subscriptions.chat_id', '=', chatId)
    .where('sources.name', '=', sourceName)
    .executeTakeFirst();
  return r ? owned('subscription', `of source ${r.name}`, r) : null;
}

function owned(
  kind: OwnedObject['kind'],
  name: string,
  r: { team_id: number | null; team_name: string | null; managed_at: number | null; managed_by: string | null },
): OwnedObject {
  return {
    kind,
    name,
    teamId: r.team_id === null ? null : Number(r.team_id),
    teamName: r.team_name,
    managedAt: r.managed_at === null ? null : Number(r.managed_at),
    managedBy: r.managed_by,
  };
}

/** The schedules a team owns (their names), for "who is on call for it". */
export async function teamScheduleNames(db: Kysely<DB>, teamId: number): Promise<string[]> {
  const rows = await db.selectFrom('schedules').select('name').where('team_id', '=', teamId).orderBy('name').execute();
  return rows.map((r) => r.name);
}

/** The sources a team owns, with their escalation policy (JSON) and whether a file manages them. */
export async function teamSources(db: Kysely<DB>, teamId: number) {
  return db
    .selectFrom('sources')
    .select(['id', 'name', 'kind', 'escalation', 'managed_at', 'managed_by'])
    .where('team_id', '=', teamId)
    .orderBy('name')
    .execute();
}

/** The groups that receive a source, with the subscription's filters. */
export async function routesOfSource(db: Kysely<DB>, sourceId: number) {
  return db
    .selectFrom('subscriptions')
    .innerJoin('chats', 'chats.chat_id', 'subscriptions.chat_id')
    .select(['chats.chat_id', 'chats.name', 'subscriptions.min_severity', 'subscriptions.labels', 'subscriptions.managed_at'])
    .where('subscriptions.source_id', '=', sourceId)
    .orderBy('chats.name')
    .execute();
}

/** A chat's name (the team page's home group), or null. */
export async function chatName(db: Kysely<DB>, chatId: string): Promise<string | null> {
  return (await db.selectFrom('chats').select('name').where('chat_id', '=', chatId).executeTakeFirst())?.name ?? null;
}

/** Who a member is, for the access rule: their global role and Lark identity. */
export async function memberFacts(db: Kysely<DB>, memberId: number): Promise<{ name: string; role: string; openId: string | null } | null> {
  const r = await db.selectFrom('members').select(['name', 'role', 'open_id']).where('id', '=', memberId).executeTakeFirst();
  return r ? { name: r.name, role: r.role, openId: r.open_id } : null;
}
