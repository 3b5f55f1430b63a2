import type { Kysely, Selectable } from 'kysely';
import type { DB, ScheduleOverrideRow, ScheduleRow } from './schema.ts';
import { fixedLimit } from './prepared.ts';

// Schedules, their overrides, their timeline and their calendar-feed tokens (migration 006).
// Every function takes the db or a transaction first, so the service chooses the transaction.

export type ScheduleRecord = Selectable<ScheduleRow>;
export type OverrideRecord = Selectable<ScheduleOverrideRow>;

export interface RosterEntry {
  id: number;
  email: string;
  name: string;
  openId: string | null;
}

export async function findSchedule(db: Kysely<DB>, name: string): Promise<ScheduleRecord | null> {
  return (await db.selectFrom('schedules').selectAll().where('name', '=', name).executeTakeFirst()) ?? null;
}

export async function findScheduleById(db: Kysely<DB>, id: number): Promise<ScheduleRecord | null> {
  return (await db.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function listSchedules(db: Kysely<DB>): Promise<ScheduleRecord[]> {
  return db.selectFrom('schedules').selectAll().orderBy('name').execute();
}

/** Creates or replaces the schedule named `name`; returns its id and whether it is new. */
export async function saveSchedule(
  db: Kysely<DB>,
  s: { name: string; timeZone: string; spec: string; now: number },
): Promise<{ id: number; created: boolean }> {
  const existing = await db.selectFrom('schedules').select('id').where('name', '=', s.name).executeTakeFirst();
  if (existing) {
    await db.updateTable('schedules').set({ time_zone: s.timeZone, spec: s.spec, updated_at: s.now }).where('id', '=', existing.id).execute();
    return { id: Number(existing.id), created: false };
  }
  const row = await db
    .insertInto('schedules')
    .values({ name: s.name, time_zone: s.timeZone, spec: s.spec, created_at: s.now, updated_at: s.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: Number(row.id), created: true };
}

/** Deletes the schedule with its overrides, timeline and feeds; its waiting notices are cancelled. */
export async function deleteSchedule(db: Kysely<DB>, id: number, now: number): Promise<void> {
  await db.deleteFrom('schedule_overrides').where('schedule_id', '=', id).execute();
  await db.deleteFrom('schedule_events').where('schedule_id', '=', id).execute();
  await db.deleteFrom('calendar_feeds').where('schedule_id', '=', id).execute();
  await cancelScheduleTimers(db, id, now);
  await db.deleteFrom('schedules').where('id', '=', id).execute();
}

/** Overrides of the schedule that end after `from` (and start before `to`), oldest first. */
export async function overridesOf(db: Kysely<DB>, scheduleId: number, from: number, to = Number.MAX_SAFE_INTEGER): Promise<OverrideRecord[]> {
  return db
    .selectFrom('schedule_overrides')
    .selectAll()
    .where('schedule_id', '=', scheduleId)
    .where('end_at', '>', from)
    .where('start_at', '<', to)
    .orderBy('id')
    .execute();
}

/**
 * One page of the schedule's overrides that end after `from`, by start time then id; `after` is
 * the last one of the previous page (the cursor of GET …/overrides).
 */
export async function overridesPage(
  db: Kysely<DB>,
  scheduleId: number,
  q: { from: number; to?: number; after?: { start: number; id: number } | null; limit: number },
): Promise<OverrideRecord[]> {
  let query = db
    .selectFrom('schedule_overrides')
    .selectAll()
    .where('schedule_id', '=', scheduleId)
    .where('end_at', '>', q.from);
  if (q.to !== undefined) query = query.where('start_at', '<', q.to);
  const after = q.after;
  if (after) {
    query = query.where((eb) => eb.or([eb('start_at', '>', after.start), eb.and([eb('start_at', '=', after.start), eb('id', '>', after.id)])]));
  }
  return query.orderBy('start_at').orderBy('id').limit(q.limit).execute();
}

/** How many overrides of the schedule end after `since` (the cap on overrides counts these). */
export async function countOverridesEndingAfter(db: Kysely<DB>, scheduleId: number, since: number): Promise<number> {
  const r = await db
    .selectFrom('schedule_overrides')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('schedule_id', '=', scheduleId)
    .where('end_at', '>', since)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/**
 * Marks a change of the schedule or its overrides (migration 013): cached feeds made from an older
 * revision are stale. On PostgreSQL the update also locks the row until the transaction ends, so
 * two overrides added at once are counted against the cap one after the other.
 */
export async function bumpRevision(db: Kysely<DB>, scheduleId: number): Promise<void> {
  await db
    .updateTable('schedules')
    .set((eb) => ({ revision: eb('revision', '+', 1) }))
    .where('id', '=', scheduleId)
    .execute();
}

/** Each schedule's id and revision (one schedule, or all of them), which a cached feed depends on. */
export async function scheduleRevisions(db: Kysely<DB>, scheduleId: number | null): Promise<string> {
  let q = db.selectFrom('schedules').select(['id', 'revision']).orderBy('id');
  if (scheduleId !== null) q = q.where('id', '=', scheduleId);
  const rows = await q.execute();
  return rows.map((r) => `${r.id}.${r.revision}`).join(',');
}

export async function insertOverride(
  db: Kysely<DB>,
  o: { scheduleId: number; member: string; start: number; end: number; replaces: string | null; createdBy: string; via: string; now: number },
): Promise<OverrideRecord> {
  return db
    .insertInto('schedule_overrides')
    .values({
      schedule_id: o.scheduleId,
      member_email: o.member,
      start_at: o.start,
      end_at: o.end,
      replaces_email: o.replaces,
      created_by: o.createdBy,
      via: o.via,
      created_at: o.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findOverride(db: Kysely<DB>, scheduleId: number, id: number): Promise<OverrideRecord | null> {
  return (await db.selectFrom('schedule_overrides').selectAll().where('schedule_id', '=', scheduleId).where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function deleteOverride(db: Kysely<DB>, scheduleId: number, id: number): Promise<boolean> {
  const r = await db.deleteFrom('schedule_overrides').where('schedule_id', '=', scheduleId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function addScheduleEvent(
  db: Kysely<DB>,
  e: { scheduleId: number; at: number; kind: string; via: string; actor: string; message: string },
): Promise<void> {
  await db
    .insertInto('schedule_events')
    .values({ schedule_id: e.scheduleId, at: e.at, kind: e.kind, via: e.via, actor_name: e.actor, message: e.message })
    .execute();
}

export async function eventsOf(db: Kysely<DB>, scheduleId: number, limit = 50) {
  const rows = await db
    .selectFrom('schedule_events')
    .select(['at', 'kind', 'via', 'actor_name', 'message'])
    .where('schedule_id', '=', scheduleId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ at: Number(r.at), kind: r.kind, via: r.via, actor: r.actor_name, message: r.message }));
}

/** Roster entries of these emails (lower-cased), for names, open_ids and "unknown member" checks. */
export async function rosterByEmail(db: Kysely<DB>, emails: readonly string[]): Promise<Map<string, RosterEntry>> {
  const out = new Map<string, RosterEntry>();
  if (emails.length === 0) return out;
  const rows = await db.selectFrom('members').select(['id', 'email', 'name', 'open_id']).where('email', 'in', [...new Set(emails)]).execute();
  for (const r of rows) if (r.email) out.set(r.email, { id: Number(r.id), email: r.email, name: r.name, openId: r.open_id });
  return out;
}

/** The calendar feed token of a schedule or of a member, made on first use. */
export async function feedToken(db: Kysely<DB>, owner: { scheduleId: number } | { memberId: number }, make: () => string, now: number): Promise<string> {
  const q = db.selectFrom('calendar_feeds').select('token');
  const found = await ('scheduleId' in owner ? q.where('schedule_id', '=', owner.scheduleId) : q.where('member_id', '=', owner.memberId)).executeTakeFirst();
  if (found) return found.token;
  const token = make();
  await db
    .insertInto('calendar_feeds')
    .values({
      token,
      schedule_id: 'scheduleId' in owner ? owner.scheduleId : null,
      member_id: 'memberId' in owner ? owner.memberId : null,
      created_at: now,
    })
    .execute();
  return token;
}

/** A new calendar feed token for the schedule or member: the old URL stops working at once. */
export async function replaceFeedToken(db: Kysely<DB>, owner: { scheduleId: number } | { memberId: number }, make: () => string, now: number): Promise<string> {
  await ('scheduleId' in owner
    ? db.deleteFrom('calendar_feeds').where('schedule_id', '=', owner.scheduleId)
    : db.deleteFrom('calendar_feeds').where('member_id', '=', owner.memberId)
  ).execute();
  return feedToken(db, owner, make, now);
}

/** Revokes a member's own calendar feed (unlink); a later feed gets a new secret URL. */
export async function deleteMemberFeeds(db: Kysely<DB>, memberId: number): Promise<number> {
  const r = await db.deleteFrom('calendar_feeds').where('member_id', '=', memberId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function findFeed(db: Kysely<DB>, token: string): Promise<{ scheduleId: number | null; memberId: number | null } | null> {
  const r = await db.selectFrom('calendar_feeds').select(['schedule_id', 'member_id']).where('token', '=', token).executeTakeFirst();
  return r ? { scheduleId: r.schedule_id === null ? null : Number(r.schedule_id), memberId: r.member_id === null ? null : Number(r.member_id) } : null;
}

// Handoff notices are rows of the timers table (src/escalation/timers.ts fires them), keyed per
// schedule: "handoff:<id>" and "daily:<id>". incident_number 0 marks a timer that belongs to no incident.
export const scheduleTimerKey = (kind: 'handoff' | 'daily', scheduleId: number) => `${kind}:${scheduleId}`;

/** Schedules (or moves) the schedule's waiting notice of `kind` to `dueAt`. */
export async function scheduleNotice(db: Kysely<DB>, kind: 'handoff' | 'daily', scheduleId: number, dueAt: number, now: number): Promise<void> {
  const data = JSON.stringify({ schedule: scheduleId });
  await db
    .insertInto('timers')
    .values({
      kind,
      incident_number: 0,
      due_at: dueAt,
      data,
      status: 'pending',
      pending_key: scheduleTimerKey(kind, scheduleId),
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('pending_key').doUpdateSet({ due_at: dueAt, data, attempts: 0, last_error: null, updated_at: now }))
    .execute();
}

export async function cancelScheduleTimers(db: Kysely<DB>, scheduleId: number, now: number, kinds: readonly ('handoff' | 'daily')[] = ['handoff', 'daily']): Promise<void> {
  await db
    .updateTable('timers')
    .set({ status: 'cancelled', pending_key: null, done_at: now, updated_at: now })
    .where('pending_key', 'in', kinds.map((k) => scheduleTimerKey(k, scheduleId)))
    .execute();
}

/** The schedules whose escalation levels a group's subscribed sources point at (the `oncall` card in a group). */
export async function policiesOfChat(db: Kysely<DB>, chatId: string): Promise<(string | null)[]> {
  const rows = await db
    .selectFrom('subscriptions')
    .innerJoin('sources', 'sources.id', 'subscriptions.source_id')
    .select('sources.escalation')
    .where('subscriptions.chat_id', '=', chatId)
    .execute();
  return rows.map((r) => r.escalation);
}

/** Incidents this member acknowledged that are still open (the outgoing person's handoff notice). */
export async function openIncidentsAckedBy(db: Kysely<DB>, memberId: number): Promise<{ number: number; title: string }[]> {
  const rows = await db
    .selectFrom('incidents')
    .select(['number', 'title'])
    .where('acked_by', '=', memberId)
    .where('status', '=', 'acknowledged')
    .orderBy('number')
    .limit(fixedLimit(20))
    .execute();
  return rows.map((r) => ({ number: Number(r.number), title: r.title }));
}

/** A member's name and email by id (a member's calendar feed). */
export async function memberById(db: Kysely<DB>, id: number): Promise<{ name: string; email: string | null } | null> {
  return (await db.selectFrom('members').select(['name', 'email']).where('id', '=', id).executeTakeFirst()) ?? null;
}

/** Everyone on the roster with an email, by name (whom to give a shift to). */
export async function rosterPeople(db: Kysely<DB>): Promise<{ name: string; email: string }[]> {
  const rows = await db.selectFrom('members').select(['name', 'email']).where('email', 'is not', null).orderBy('name').execute();
  return rows.map((r) => ({ name: r.name, email: r.email! }));
}

/** A group as Hark knows it (name, active or not), or null. */
export async function chatOf(db: Kysely<DB>, chatId: string): Promise<{ name: string; status: string } | null> {
  return (await db.selectFrom('chats').select(['name', 'status']).where('chat_id', '=', chatId).executeTakeFirst()) ?? null;
}

/** Which of these chat_ids are groups the bot is in now. */
export async function activeChats(db: Kysely<DB>, chatIds: readonly string[]): Promise<Set<string>> {
  if (chatIds.length === 0) return new Set();
  const rows = await db.selectFrom('chats').select('chat_id').where('chat_id', 'in', [...chatIds]).where('status', '=', 'active').execute();
  return new Set(rows.map((r) => r.chat_id));
}

/** Which of these schedule names exist (an escalation policy may target them). */
export async function knownScheduleNames(db: Kysely<DB>, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const rows = await db.selectFrom('schedules').select('name').where('name', 'in', [...names]).execute();
  return new Set(rows.map((r) => r.name));
}
