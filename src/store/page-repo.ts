import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';
import { fixedLimit, param, prepare } from './prepared.ts';
import { keep } from './write-batch.ts';

// Pages (issue 25, migration 025): who was paged for an incident, at which level, when they read
// their private card, and when they were buzzed louder for not reading it; and the last
// time-sensitive mark Hark set on its private chat with each person (feed_cards).

export interface PageRecord {
  id: number;
  incidentNumber: number;
  openId: string;
  name: string;
  email: string | null;
  /** 1-based; null: added by hand. */
  level: number | null;
  pagedAt: number;
  seenAt: number | null;
  unseenBuzzAt: number | null;
}

const COLUMNS = ['id', 'incident_number', 'open_id', 'member_name', 'member_email', 'level', 'paged_at', 'seen_at', 'unseen_buzz_at'] as const;

function fromRow(r: {
  id: number;
  incident_number: number;
  open_id: string;
  member_name: string;
  member_email: string | null;
  level: number | null;
  paged_at: number;
  seen_at: number | null;
  unseen_buzz_at: number | null;
}): PageRecord {
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: Number(r.id),
    incidentNumber: Number(r.incident_number),
    openId: r.open_id,
    name: r.member_name,
    email: r.member_email,
    level: n(r.level),
    pagedAt: Number(r.paged_at),
    seenAt: n(r.seen_at),
    unseenBuzzAt: n(r.unseen_buzz_at),
  };
}

export async function recordPage(
  db: Kysely<DB>,
  p: { incidentNumber: number; openId: string; name: string; email: string | null; level: number | null; pagedAt: number },
): Promise<void> {
  const values = { incidentNumber: p.incidentNumber, openId: p.openId, name: p.name, email: p.email, level: p.level, pagedAt: p.pagedAt };
  // In a group of escalation steps fired together, written with the group's others (write-batch.ts).
  if (keep(db, 'pages', pageRow(values))) return;
  await insertPage.execute(db, values);
}

// Every page writes one (a thousand escalation steps falling due at once): prepared.
const insertPage = prepare(
  'a page',
  { incidentNumber: param<number>(), openId: param<string>(), name: param<string>(), email: param<string | null>(), level: param<number | null>(), pagedAt: param<number>() },
  (db, p) => db.insertInto('pages').values(pageRow(p)),
);

function pageRow(p: { incidentNumber: number; openId: string; name: string; email: string | null; level: number | null; pagedAt: number }) {
  return { incident_number: p.incidentNumber, open_id: p.openId, member_name: p.name, member_email: p.email, level: p.level, paged_at: p.pagedAt, seen_at: null, unseen_buzz_at: null };
}

/** Every page of an incident, oldest first (GET /api/v1/incidents/:number). */
export async function pagesOf(db: Kysely<DB>, incidentNumber: number): Promise<PageRecord[]> {
  const rows = await db.selectFrom('pages').select(COLUMNS).where('incident_number', '=', incidentNumber).orderBy('paged_at').orderBy('id').execute();
  return rows.map(fromRow);
}

/** The pages of the level paged last (one escalation step pages its people at one instant), one per person. */
export async function currentLevelPages(db: Kysely<DB>, incidentNumber: number): Promise<PageRecord[]> {
  const last = await db
    .selectFrom('pages')
    .select(['paged_at'])
    .where('incident_number', '=', incidentNumber)
    .where('level', 'is not', null)
    .orderBy('paged_at', 'desc')
    .orderBy('id', 'desc')
    .limit(fixedLimit(1))
    .executeTakeFirst();
  if (!last) return [];
  const rows = await db
    .selectFrom('pages')
    .select(COLUMNS)
    .where('incident_number', '=', incidentNumber)
    .where('level', 'is not', null)
    .where('paged_at', '=', last.paged_at)
    .orderBy('id')
    .execute();
  const seen = new Set<string>();
  return rows.map(fromRow).filter((p) => !seen.has(p.openId) && seen.add(p.openId));
}

/** The incidents whose private card copies these are, at this person (a read receipt names messages only). */
export async function incidentsOfPrivateCopies(db: Kysely<DB>, openId: string, messageIds: readonly string[]): Promise<number[]> {
  if (messageIds.length === 0) return [];
  const rows = await db
    .selectFrom('incident_messages')
    .select('incident_number')
    .distinct()
    .where('message_id', 'in', [...messageIds])
    .where('target_type', '=', 'open_id')
    .where('target_id', '=', openId)
    .execute();
  return rows.map((r) => Number(r.incident_number));
}

/**
 * Marks this person's unseen pages of the incident seen at `at`; returns those it marked. The
 * conditional update makes it once across replicas: a second reader of the same event finds none.
 */
export async function markSeen(db: Kysely<DB>, incidentNumber: number, openId: string, at: number): Promise<PageRecord[]> {
  const rows = await db
    .updateTable('pages')
    .set({ seen_at: at })
    .where('incident_number', '=', incidentNumber)
    .where('open_id', '=', openId)
    .where('seen_at', 'is', null)
    .returning(COLUMNS)
    .execute();
  return rows.map(fromRow);
}

/** Pages of one escalation step (level, paged at `pagedAt`) nobody has read nor been buzzed louder for. */
export async function unseenPagesOfStep(db: Kysely<DB>, incidentNumber: number, level: number, pagedAt: number): Promise<PageRecord[]> {
  const rows = await db
    .selectFrom('pages')
    .select(COLUMNS)
    .where('incident_number', '=', incidentNumber)
    .where('level', '=', level)
    .where('paged_at', '=', pagedAt)
    .where('seen_at', 'is', null)
    .where('unseen_buzz_at', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map(fromRow);
}

export async function markUnseenBuzzed(db: Kysely<DB>, pageId: number, at: number): Promise<boolean> {
  const r = await db.updateTable('pages').set({ unseen_buzz_at: at }).where('id', '=', pageId).where('unseen_buzz_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Whether this person has read the incident's card since they were last paged for it (an unseen buzz waits on this). */
export async function latestPageSeen(db: Kysely<DB>, incidentNumber: number, openId: string): Promise<boolean> {
  const r = await db
    .selectFrom('pages')
    .select('seen_at')
    .where('incident_number', '=', incidentNumber)
    .where('open_id', '=', openId)
    .orderBy('paged_at', 'desc')
    .orderBy('id', 'desc')
    .limit(fixedLimit(1))
    .executeTakeFirst();
  return r?.seen_at != null;
}

/** The newest private copy of the incident's card at this person (the message a buzz rings on), or null. */
export async function latestPrivateCopy(db: Kysely<DB>, incidentNumber: number, openId: string): Promise<string | null> {
  const r = await db
    .selectFrom('incident_messages')
    .select('message_id')
    .where('incident_number', '=', incidentNumber)
    .where('target_type', '=', 'open_id')
    .where('target_id', '=', openId)
    .orderBy('sent_at', 'desc')
    .orderBy('id', 'desc')
    .limit(fixedLimit(1))
    .executeTakeFirst();
  return r?.message_id ?? null;
}

/** Everyone paged for the incident, once each. */
export async function pagedPeople(db: Kysely<DB>, incidentNumber: number): Promise<Array<{ openId: string; name: string }>> {
  const rows = await db.selectFrom('pages').select(['open_id', 'member_name']).where('incident_number', '=', incidentNumber).orderBy('id').execute();
  const seen = new Map<string, string>();
  for (const r of rows) if (!seen.has(r.open_id)) seen.set(r.open_id, r.member_name);
  return [...seen].map(([openId, name]) => ({ openId, name }));
}

/** Whether the person has a page of an incident that waits for someone (triggered, not snoozed). */
export async function hasWaitingPage(db: Kysely<DB>, openId: string, now: number): Promise<boolean> {
  const r = await db
    .selectFrom('pages')
    .innerJoin('incidents', 'incidents.number', 'pages.incident_number')
    .select('pages.id')
    .where('pages.open_id', '=', openId)
    .where('incidents.status', '=', 'triggered')
    .where((eb) => eb.or([eb('incidents.snoozed_until', 'is', null), eb('incidents.snoozed_until', '<=', now)]))
    .limit(fixedLimit(1))
    .executeTakeFirst();
  return r !== undefined;
}

/** The time-sensitive mark Hark last set for this person (null: never). */
export async function feedCardState(db: Kysely<DB>, openId: string): Promise<boolean | null> {
  const r = await db.selectFrom('feed_cards').select('time_sensitive').where('open_id', '=', openId).executeTakeFirst();
  return r ? Number(r.time_sensitive) === 1 : null;
}

export async function setFeedCardState(db: Kysely<DB>, openId: string, on: boolean, now: number): Promise<void> {
  await db
    .insertInto('feed_cards')
    .values({ open_id: openId, time_sensitive: on ? 1 : 0, updated_at: now })
    .onConflict((oc) => oc.column('open_id').doUpdateSet({ time_sensitive: on ? 1 : 0, updated_at: now }))
    .execute();
}

/** For `hark doctor`: pages sent before `before`, and how many of all pages were ever reported read. */
export async function readReceiptEvidence(db: Kysely<DB>, before: number): Promise<{ paged: number; seen: number }> {
  const paged = await db.selectFrom('pages').select((eb) => eb.fn.countAll<number>().as('n')).where('paged_at', '<', before).executeTakeFirst();
  const seen = await db.selectFrom('pages').select((eb) => eb.fn.countAll<number>().as('n')).where('seen_at', 'is not', null).executeTakeFirst();
  return { paged: Number(paged?.n ?? 0), seen: Number(seen?.n ?? 0) };
}
