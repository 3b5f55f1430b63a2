import { sql, type Kysely, type Selectable } from 'kysely';
import { PATCH_KEY_PREFIX } from './outbox-repo.ts';
import { param, prepare, fixedLimit } from './prepared.ts';
import type { DB, IncidentMessageRow } from './schema.ts';
import { pendingKeyOf } from './timer-repo.ts';
import { LIVE_COPY_COLUMNS, takeCopiesAhead, type CopyAhead } from './read-ahead.ts';

// The cards Hark posted: copies of incident cards (incident_messages: one row per message, which
// version it shows, whether Lark still lets us update it) and storm cards (storms, storm_incidents).
// Every function takes the db or transaction first, so delivery writes inside the change's transaction.

export type CardCopy = Selectable<IncidentMessageRow>;

/** Where a copy is, enough to queue its update. */
export interface CopyTarget {
  message_id: string;
  target_type: string;
  target_id: string;
  target_name: string | null;
}

// ── What a card shows ────────────────────────────────────────────────────────────────────────────

// One statement (a click's answer and every card patch load this): the incident, its alert
// counts and its waiting escalation step as scalar subqueries. Prepared (see prepared.ts).
const incidentCardRow = prepare('incident view', { number: param<number>(), escalateKey: param<string>(2) }, (db, p) =>
  db
    .selectFrom('incidents')
    .innerJoin('sources', 'sources.id', 'incidents.source_id')
    .selectAll('incidents')
    .select((eb) => [
      'sources.name as source_name',
      eb.selectFrom('alerts').select(eb.fn.countAll<number>().as('n')).whereRef('alerts.incident_number', '=', 'incidents.number').as('alert_total'),
      eb
        .selectFrom('alerts')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('alerts.incident_number', '=', 'incidents.number')
        .where('alerts.status', '=', 'firing')
        .as('alert_firing'),
      eb.selectFrom('timers').select('timers.due_at').where('timers.pending_key', '=', p.escalateKey).as('escalate_due'),
      eb.selectFrom('timers').select('timers.data').where('timers.pending_key', '=', p.escalateKey).as('escalate_data'),
      // The incident's war room once open (issue 15): "War room: #42 …" with its link on every copy.
      eb
        .selectFrom('war_rooms')
        .select('war_rooms.name')
        .whereRef('war_rooms.incident_number', '=', 'incidents.number')
        .where('war_rooms.status', '=', 'open')
        .as('war_room_name'),
      eb
        .selectFrom('war_rooms')
        .select('war_rooms.link')
        .whereRef('war_rooms.incident_number', '=', 'incidents.number')
        .where('war_rooms.status', '=', 'open')
        .as('war_room_link'),
      // Alertmanager silences (issue 16): where the source's silences go, and the incident's own.
      'sources.kind as source_kind',
      'sources.alertmanager_url as source_alertmanager_url',
      'sources.silence_labels as source_silence_labels',
      eb.selectFrom('silences').select('silences.ends_at').whereRef('silences.incident_number', '=', 'incidents.number').as('silence_until'),
      eb.selectFrom('silences').select('silences.created_by_name').whereRef('silences.incident_number', '=', 'incidents.number').as('silence_by'),
    ])
    .where('incidents.number', '=', p.number),
);

/** The incident with its source name, alert counts and waiting escalation timer, for its card. */
export function incidentCardData(db: Kysely<DB>, number: number) {
  return incidentCardRow.first(db, { number, escalateKey: pendingKeyOf('escalate', number) });
}

/** Who the card's "Add responder" picker offers: linked responders and admins, by name (issue 14). */
const pickable = prepare('members the add-responder picker offers', {}, (db) =>
  db.selectFrom('members').select(['id', 'name']).where('open_id', 'is not', null).where('role', '!=', 'viewer').orderBy('name').limit(fixedLimit(10)),
);

export function pickableMembers(db: Kysely<DB>): Promise<{ id: number; name: string }[]> {
  return pickable.rows(db, {});
}

/** A storm card's row with its source and chat names, and the severity and status of each incident it counts. */
export async function stormCardData(db: Kysely<DB>, stormId: number) {
  const storm = await db
    .selectFrom('storms')
    .innerJoin('sources', 'sources.id', 'storms.source_id')
    .leftJoin('chats', 'chats.chat_id', 'storms.chat_id')
    .selectAll('storms')
    .select(['sources.name as source_name', 'chats.name as chat_name'])
    .where('storms.id', '=', stormId)
    .executeTakeFirst();
  if (!storm) return null;
  const members = await db
    .selectFrom('storm_incidents')
    .innerJoin('incidents', 'incidents.number', 'storm_incidents.incident_number')
    .select(['incidents.severity', 'incidents.status', 'incidents.number', 'incidents.title'])
    .where('storm_incidents.storm_id', '=', stormId)
    .orderBy('incidents.number')
    .execute();
  return { storm, members };
}

// ── Incident card copies ─────────────────────────────────────────────────────────────────────────

/**
 * The incident's live card copies (storm_id null) and, in the same statement, the storm cards that
 * count it (storm_id set; message_id, expired_at and target_id = chat_id are the storm's). Most
 * incidents were never in a storm: the second half then costs an index probe, not a statement.
 */
const copiesAndStormsOf = prepare('card copies and storms of an incident', { number: param<number>(2) }, (db, p) =>
  db
    .selectFrom('incident_messages')
    .select((eb) => [
      sql<number | null>`null`.as('storm_id'),
      // NOT NULL here; typed like the storms' so that the two halves have one row type.
      eb.ref('message_id').$castTo<string | null>().as('message_id'),
      'target_type',
      'target_id',
      'target_name',
      'expired_at',
      // Whether an update of this copy is waiting in the outbox (its pending_key is unique).
      eb
        .exists(eb.selectFrom('outbox').select(sql<number>`1`.as('one')).where('outbox.pending_key', '=', sql<string>`${sql.lit(PATCH_KEY_PREFIX)} || incident_messages.message_id`))
        .$castTo<number | boolean>()
        .as('patch_pending'),
    ])
    .where('incident_number', '=', p.number)
    .where('expired_at', 'is', null)
    .unionAll(
      db
        .selectFrom('storm_incidents')
        .innerJoin('storms', 'storms.id', 'storm_incidents.storm_id')
        .select([
          'storms.id as storm_id',
          'storms.message_id',
          sql<string>`'chat_id'`.as('target_type'),
          'storms.chat_id as target_id',
          sql<string | null>`null`.as('target_name'),
          'storms.expired_at',
          sql<number | boolean>`false`.as('patch_pending'),
        ])
        .where('storm_incidents.incident_number', '=', p.number),
    ),
);

export function copiesAndStorms(db: Kysely<DB>, number: number) {
  return copiesAndStormsOf.rows(db, { number });
}

/** Live copies of the incident's card with the incident's severity (to queue their updates). */
export async function liveCopiesOf(db: Kysely<DB>, incidentNumber: number): Promise<CopyAhead[]> {
  const ahead = takeCopiesAhead(db, incidentNumber);
  if (ahead) return ahead;
  return db
    .selectFrom('incident_messages')
    .innerJoin('incidents', 'incidents.number', 'incident_messages.incident_number')
    .select(LIVE_COPY_COLUMNS)
    .where('incident_messages.incident_number', '=', incidentNumber)
    .where('incident_messages.expired_at', 'is', null)
    .execute();
}

/** One copy with its incident's severity, or undefined. */
export function copyWithSeverity(db: Kysely<DB>, messageId: string) {
  return db
    .selectFrom('incident_messages')
    .innerJoin('incidents', 'incidents.number', 'incident_messages.incident_number')
    .select(['incident_messages.message_id', 'incident_number', 'incidents.severity', 'target_type', 'target_id', 'target_name', 'expired_at'])
    .where('incident_messages.message_id', '=', messageId)
    .executeTakeFirst();
}

export async function findCopy(db: Kysely<DB>, messageId: string): Promise<CardCopy | null> {
  return (await db.selectFrom('incident_messages').selectAll().where('message_id', '=', messageId).executeTakeFirst()) ?? null;
}

/** The incident whose card this message is, or null. */
export async function incidentOfMessage(db: Kysely<DB>, messageId: string): Promise<number | null> {
  const r = await db.selectFrom('incident_messages').select('incident_number').where('message_id', '=', messageId).executeTakeFirst();
  return r ? Number(r.incident_number) : null;
}

/** Records a copy Lark accepted (once per message id). */
export async function recordCopy(
  db: Kysely<DB>,
  c: CopyTarget & { incidentNumber: number; outboxId: number; sentAt: number; renderedVersion: number; renderedHash: string },
): Promise<void> {
  await db
    .insertInto('incident_messages')
    .values({
      incident_number: c.incidentNumber,
      message_id: c.message_id,
      target_type: c.target_type,
      target_id: c.target_id,
      target_name: c.target_name,
      outbox_id: c.outboxId,
      sent_at: c.sentAt,
      rendered_version: c.renderedVersion,
      rendered_hash: c.renderedHash,
      fresh_version: null,
      expired_at: null,
    })
    .onConflict((oc) => oc.column('message_id').doNothing())
    .execute();
}

/** What the copy shows now. */
export async function setCopyRendered(db: Kysely<DB>, messageId: string, hash: string, version: number): Promise<void> {
  await db.updateTable('incident_messages').set({ rendered_hash: hash, rendered_version: version }).where('message_id', '=', messageId).execute();
}

/** Lark no longer lets us update this copy (older than its update window). */
export async function expireCopy(db: Kysely<DB>, messageId: string, now: number): Promise<void> {
  await db.updateTable('incident_messages').set({ expired_at: now }).where('message_id', '=', messageId).execute();
}

const markFreshCopy = prepare('mark a card copy fresh', { messageId: param<string>(), version: param<number>(2) }, (db, p) =>
  db
    .updateTable('incident_messages')
    .set({ fresh_version: sql<number>`case when fresh_version is null or fresh_version < ${p.version} then ${p.version} else fresh_version end` })
    .where('message_id', '=', p.messageId),
);

/** The click's callback answer already showed `version` on this copy. */
export async function markCopyFresh(db: Kysely<DB>, messageId: string, version: number): Promise<void> {
  await markFreshCopy.execute(db, { messageId, version });
}

/** Forgets that one copy was answered (its answer went out without the card). */
export async function clearCopyFresh(db: Kysely<DB>, messageId: string): Promise<void> {
  await db.updateTable('incident_messages').set({ fresh_version: null }).where('message_id', '=', messageId).execute();
}

/** Forgets every "answered" mark on the incident's live copies (something the card shows changed without a new version). */
export async function clearFreshMarks(db: Kysely<DB>, incidentNumber: number): Promise<void> {
  await db
    .updateTable('incident_messages')
    .set({ fresh_version: null })
    .where('incident_number', '=', incidentNumber)
    .where('expired_at', 'is', null)
    .where('fresh_version', 'is not', null)
    .execute();
}

/**
 * The chats that have the incident's card or are about to: a live copy or a queued send. With
 * `orSeen`, also chats that saw it another way (a copy too old to update, a send already done,
 * a storm card that counts it): a new copy there would repeat what the group already has.
 */
export async function chatsWithCard(db: Kysely<DB>, incidentNumber: number, opts: { orSeen?: boolean; chatId?: string } = {}): Promise<Set<string>> {
  const have = new Set<string>();
  let copies = db.selectFrom('incident_messages').select('target_id').where('incident_number', '=', incidentNumber);
  if (!opts.orSeen) copies = copies.where('expired_at', 'is', null);
  if (opts.chatId) copies = copies.where('target_id', '=', opts.chatId);
  for (const r of await copies.execute()) have.add(r.target_id);
  let sends = db
    .selectFrom('outbox')
    .select('target_id')
    .where('incident_number', '=', incidentNumber)
    .where('op', '=', 'send')
    .where('status', 'in', opts.orSeen ? ['pending', 'done'] : ['pending']);
  if (opts.chatId) sends = sends.where('target_id', '=', opts.chatId);
  for (const r of await sends.execute()) have.add(r.target_id);
  if (opts.orSeen) {
    let stormed = db
      .selectFrom('storm_incidents')
      .innerJoin('storms', 'storms.id', 'storm_incidents.storm_id')
      .select('storms.chat_id')
      .where('storm_incidents.incident_number', '=', incidentNumber);
    if (opts.chatId) stormed = stormed.where('storms.chat_id', '=', opts.chatId);
    for (const r of await stormed.execute()) have.add(r.chat_id);
  }
  return have;
}

// ── Storm cards ──────────────────────────────────────────────────────────────────────────────────

export type StormRecord = Selectable<DB['storms']>;

/** The open storm of a chat and source (key `${chatId}:${sourceId}`), if any. */
export async function findOpenStorm(db: Kysely<DB>, openKey: string): Promise<StormRecord | undefined> {
  return db.selectFrom('storms').selectAll().where('open_key', '=', openKey).executeTakeFirst();
}

/** The storm stops collecting (quiet for long enough); its card stays as it is. */
export async function closeStorm(db: Kysely<DB>, stormId: number): Promise<void> {
  await db.updateTable('storms').set({ open_key: null }).where('id', '=', stormId).execute();
}

/** Opens a storm (or finds the one another replica opened at the same moment). */
export async function openStorm(db: Kysely<DB>, s: { chatId: string; sourceId: number; openKey: string; now: number }): Promise<StormRecord> {
  // ON CONFLICT DO NOTHING + re-read: another replica may open the same storm concurrently.
  await db
    .insertInto('storms')
    .values({
      chat_id: s.chatId,
      source_id: s.sourceId,
      open_key: s.openKey,
      started_at: s.now,
      last_collapsed_at: s.now,
      message_id: null,
      rendered_hash: null,
      expired_at: null,
    })
    .onConflict((oc) => oc.column('open_key').doNothing())
    .execute();
  return db.selectFrom('storms').selectAll().where('open_key', '=', s.openKey).executeTakeFirstOrThrow();
}

/** Counts the incident on the storm card (once) and notes when the storm last collapsed one. */
export async function addToStorm(db: Kysely<DB>, stormId: number, incidentNumber: number, now: number, touch: boolean): Promise<void> {
  if (touch) await db.updateTable('storms').set({ last_collapsed_at: now }).where('id', '=', stormId).execute();
  await db
    .insertInto('storm_incidents')
    .values({ storm_id: stormId, incident_number: incidentNumber, created_at: now })
    .onConflict((oc) => oc.columns(['storm_id', 'incident_number']).doNothing())
    .execute();
}

/** Locks the storm row for this transaction (PostgreSQL). */
export async function lockStorm(db: Kysely<DB>, stormId: number, postgres: boolean): Promise<void> {
  if (postgres) await sql`select id from storms where id = ${stormId} for update`.execute(db);
}

/** The storm card's message, once Lark accepted it (the first send wins). */
export async function recordStormMessage(db: Kysely<DB>, stormId: number, messageId: string, hash: string): Promise<void> {
  await db.updateTable('storms').set({ message_id: messageId, rendered_hash: hash }).where('id', '=', stormId).where('message_id', 'is', null).execute();
}

export async function stormRenderedHash(db: Kysely<DB>, stormId: number): Promise<string | null> {
  return (await db.selectFrom('storms').select('rendered_hash').where('id', '=', stormId).executeTakeFirst())?.rendered_hash ?? null;
}

export async function setStormRendered(db: Kysely<DB>, stormId: number, hash: string): Promise<void> {
  await db.updateTable('storms').set({ rendered_hash: hash }).where('id', '=', stormId).execute();
}

export async function expireStorm(db: Kysely<DB>, stormId: number, now: number): Promise<void> {
  await db.updateTable('storms').set({ expired_at: now }).where('id', '=', stormId).execute();
}
