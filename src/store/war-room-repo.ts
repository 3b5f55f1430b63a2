import type { Kysely, Selectable } from 'kysely';
import { param, prepare } from './prepared.ts';
import type { DB, WarRoomRow } from './schema.ts';
import { namesOfNotLinkedNotes } from './timeline-repo.ts';

// The war-room tables (migration 008): the room of each incident, who Hark put in it, and the
// sources that open rooms by themselves. Every function takes the db or a transaction first.

export type WarRoom = Selectable<WarRoomRow>;
export type RoomMemberStatus = 'pending' | 'added' | 'invalid' | 'unknown';

export async function findRoom(db: Kysely<DB>, incidentNumber: number): Promise<WarRoom | null> {
  return (await db.selectFrom('war_rooms').selectAll().where('incident_number', '=', incidentNumber).executeTakeFirst()) ?? null;
}

export async function findRoomByChat(db: Kysely<DB>, chatId: string): Promise<WarRoom | null> {
  return (await db.selectFrom('war_rooms').selectAll().where('chat_id', '=', chatId).executeTakeFirst()) ?? null;
}

/** The row that makes a room "asked for"; a second request (any replica) finds the first one's row. */
export async function insertRoom(
  db: Kysely<DB>,
  r: { incidentNumber: number; uuid: string; name: string; requestedBy: string; now: number },
): Promise<boolean> {
  const res = await db
    .insertInto('war_rooms')
    .values({
      incident_number: r.incidentNumber,
      status: 'opening',
      uuid: r.uuid,
      name: r.name,
      chat_id: null,
      link: null,
      requested_by: r.requestedBy,
      card_message_id: null,
      pinned_at: null,
      last_error: null,
      created_at: r.now,
      updated_at: r.now,
    })
    .onConflict((oc) => oc.column('incident_number').doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** A failed room asked for again: back to opening. */
export async function reopenFailed(db: Kysely<DB>, incidentNumber: number, requestedBy: string, now: number): Promise<boolean> {
  const res = await db
    .updateTable('war_rooms')
    .set({ status: 'opening', requested_by: requestedBy, last_error: null, updated_at: now })
    .where('incident_number', '=', incidentNumber)
    .where('status', '=', 'failed')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/**
 * Takes the room's creation for `leaseMs` (updated_at doubles as the lease: a room still opening
 * whose last attempt is older than the lease may be taken over). False when someone else has it.
 */
export async function claimOpening(db: Kysely<DB>, incidentNumber: number, now: number, leaseMs: number): Promise<boolean> {
  const res = await db
    .updateTable('war_rooms')
    .set({ updated_at: now + leaseMs })
    .where('incident_number', '=', incidentNumber)
    .where('status', '=', 'opening')
    .where('updated_at', '<=', now)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Records the group Lark made; false when another worker already did (it then did the rest too). */
export async function markOpen(db: Kysely<DB>, incidentNumber: number, chatId: string, link: string, now: number): Promise<boolean> {
  const res = await db
    .updateTable('war_rooms')
    .set({ status: 'open', chat_id: chatId, link, last_error: null, updated_at: now })
    .where('incident_number', '=', incidentNumber)
    .where('status', '=', 'opening')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function markFailed(db: Kysely<DB>, incidentNumber: number, error: string, now: number): Promise<boolean> {
  const res = await db
    .updateTable('war_rooms')
    .set({ status: 'failed', last_error: error, updated_at: now })
    .where('incident_number', '=', incidentNumber)
    .where('status', '=', 'opening')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Lets the room be tried again at `retryAt` (a rate limit or a passing fault). */
export async function releaseOpening(db: Kysely<DB>, incidentNumber: number, error: string, retryAt: number): Promise<void> {
  await db
    .updateTable('war_rooms')
    .set({ last_error: error, updated_at: retryAt })
    .where('incident_number', '=', incidentNumber)
    .where('status', '=', 'opening')
    .execute();
}

export async function setCardMessage(db: Kysely<DB>, incidentNumber: number, messageId: string): Promise<boolean> {
  const res = await db
    .updateTable('war_rooms')
    .set({ card_message_id: messageId })
    .where('incident_number', '=', incidentNumber)
    .where('card_message_id', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function markPinned(db: Kysely<DB>, incidentNumber: number, now: number): Promise<void> {
  await db.updateTable('war_rooms').set({ pinned_at: now }).where('incident_number', '=', incidentNumber).execute();
}

/** Rooms with work left: opening ones whose lease ran out, and open ones whose card is not pinned. */
export async function roomsToFinish(db: Kysely<DB>, now: number, limit = 20): Promise<WarRoom[]> {
  return db
    .selectFrom('war_rooms')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'opening'), eb('updated_at', '<=', now)]),
        eb.and([eb('status', '=', 'open'), eb('card_message_id', 'is not', null), eb('pinned_at', 'is', null)]),
      ]),
    )
    .limit(limit)
    .execute();
}

/** Rooms that have people waiting to be added. */
export async function roomsWithPendingMembers(db: Kysely<DB>, limit = 20): Promise<number[]> {
  const rows = await db
    .selectFrom('war_room_members')
    .innerJoin('war_rooms', 'war_rooms.incident_number', 'war_room_members.incident_number')
    .select('war_room_members.incident_number')
    .distinct()
    .where('war_room_members.status', '=', 'pending')
    .where('war_rooms.status', '=', 'open')
    .limit(limit)
    .execute();
  return rows.map((r) => Number(r.incident_number));
}

/** Someone to put in the room; nothing changes for a person already recorded. */
export async function addPendingMember(db: Kysely<DB>, incidentNumber: number, openId: string, name: string, now: number): Promise<void> {
  await db
    .insertInto('war_room_members')
    .values({ incident_number: incidentNumber, open_id: openId, name, status: 'pending', created_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(['incident_number', 'open_id']).doNothing())
    .execute();
}

export async function membersOf(db: Kysely<DB>, incidentNumber: number, status?: RoomMemberStatus) {
  let q = db.selectFrom('war_room_members').selectAll().where('incident_number', '=', incidentNumber);
  if (status) q = q.where('status', '=', status);
  return q.orderBy('created_at').orderBy('open_id').execute();
}

/** Sets the outcome of a pending member; false when it was no longer pending (someone else recorded it). */
export async function setMemberStatus(
  db: Kysely<DB>,
  incidentNumber: number,
  openId: string,
  status: RoomMemberStatus,
  now: number,
): Promise<boolean> {
  const res = await db
    .updateTable('war_room_members')
    .set({ status, updated_at: now })
    .where('incident_number', '=', incidentNumber)
    .where('open_id', '=', openId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** People this incident paged privately so far: sent copies and sends still queued. */
export async function pagedPeople(db: Kysely<DB>, incidentNumber: number): Promise<{ openId: string; name: string }[]> {
  const sent = await db
    .selectFrom('incident_messages')
    .select(['target_id', 'target_name'])
    .where('incident_number', '=', incidentNumber)
    .where('target_type', '=', 'open_id')
    .execute();
  const queued = await db
    .selectFrom('outbox')
    .select(['target_id', 'target_name'])
    .where('incident_number', '=', incidentNumber)
    .where('target_type', '=', 'open_id')
    .where('op', '=', 'send')
    .where('subject', '=', 'incident')
    .where('status', '=', 'pending')
    .execute();
  const seen = new Map<string, string>();
  for (const r of [...sent, ...queued]) if (!seen.has(r.target_id)) seen.set(r.target_id, r.target_name ?? r.target_id);
  return [...seen].map(([openId, name]) => ({ openId, name }));
}

/** Names of people the incident tried to page who never linked Lark (delivery notes say so). */
export async function unlinkedPaged(db: Kysely<DB>, incidentNumber: number): Promise<string[]> {
  const rows = await db
    .selectFrom('timeline')
    .select(['data'])
    .where('incident_number', '=', incidentNumber)
    .where('kind', '=', 'delivery')
    .where('message', 'like', 'not linked:%')
    .execute();
  const names = namesOfNotLinkedNotes(rows);
  return [...names];
}

// Asked on every incident a source opens (prepared: see prepared.ts).
const autoForQuery = prepare('automatic war room of a source', { sourceId: param<number>() }, (db, p) =>
  db.selectFrom('source_war_rooms').select('auto_for').where('source_id', '=', p.sourceId),
);

export async function autoForOfSource(db: Kysely<DB>, sourceId: number): Promise<string | null> {
  const row = await autoForQuery.first(db, { sourceId });
  return row?.auto_for ?? null;
}

export async function setAutoFor(db: Kysely<DB>, sourceId: number, autoFor: string | null, now: number): Promise<void> {
  await db
    .insertInto('source_war_rooms')
    .values({ source_id: sourceId, auto_for: autoFor, updated_at: now })
    .onConflict((oc) => oc.column('source_id').doUpdateSet({ auto_for: autoFor, updated_at: now }))
    .execute();
}

/** A timeline entry about the room, written by Hark (kind `war_room`). */
export async function addRoomNote(
  db: Kysely<DB>,
  incidentNumber: number,
  at: number,
  message: string,
  actor: { id: number | null; name: string; via: string } = { id: null, name: 'Hark', via: 'auto' },
  data?: Record<string, unknown>,
): Promise<void> {
  await db
    .insertInto('timeline')
    .values({
      incident_number: incidentNumber,
      at,
      kind: 'war_room',
      via: actor.via,
      actor_id: actor.id,
      actor_name: actor.name,
      message,
      data: data ? JSON.stringify(data) : null,
    })
    .execute();
}

export async function timelineEntries(db: Kysely<DB>, incidentNumber: number) {
  return db.selectFrom('timeline').selectAll().where('incident_number', '=', incidentNumber).orderBy('at').orderBy('id').execute();
}

// What war rooms read of other tables (kept here: SQL lives in src/store).

export async function installId(db: Kysely<DB>): Promise<string> {
  return (await db.selectFrom('delivery_meta').select('value').where('key', '=', 'install_id').executeTakeFirst())?.value ?? 'x';
}

export async function incidentBrief(db: Kysely<DB>, incidentNumber: number) {
  return db.selectFrom('incidents').select(['number', 'title', 'status', 'severity']).where('number', '=', incidentNumber).executeTakeFirst();
}

/** The incident row as the summary card reads it. */
export async function incidentForSummary(db: Kysely<DB>, incidentNumber: number) {
  const row = await db
    .selectFrom('incidents')
    .select(['number', 'title', 'severity', 'created_at', 'resolved_at', 'resolved_by_name', 'acked_by_name', 'acked_at'])
    .where('number', '=', incidentNumber)
    .executeTakeFirstOrThrow();
  return { ...row, number: Number(row.number) };
}

/** The incident's card copies that can still be updated. */
export async function liveCopies(db: Kysely<DB>, incidentNumber: number) {
  return db
    .selectFrom('incident_messages')
    .select(['message_id', 'target_type', 'target_id', 'target_name'])
    .where('incident_number', '=', incidentNumber)
    .where('expired_at', 'is', null)
    .execute();
}

/** Who acknowledged the incident, when they have a Lark identity. */
export async function ackerOf(db: Kysely<DB>, incidentNumber: number): Promise<{ openId: string; name: string } | null> {
  const r = await db
    .selectFrom('incidents')
    .innerJoin('members', 'members.id', 'incidents.acked_by')
    .select(['members.open_id', 'members.name'])
    .where('incidents.number', '=', incidentNumber)
    .executeTakeFirst();
  return r?.open_id ? { openId: r.open_id, name: r.name } : null;
}

export async function memberLark(db: Kysely<DB>, memberId: number): Promise<{ openId: string; name: string } | null> {
  const r = await db.selectFrom('members').select(['open_id', 'name']).where('id', '=', memberId).executeTakeFirst();
  return r?.open_id ? { openId: r.open_id, name: r.name } : null;
}

export async function sourceName(db: Kysely<DB>, sourceId: number): Promise<string | null> {
  return (await db.selectFrom('sources').select('name').where('id', '=', sourceId).executeTakeFirst())?.name ?? null;
}
