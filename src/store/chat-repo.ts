import type { Kysely } from 'kysely';
import { param, prepare } from './prepared.ts';
import type { DB } from './schema.ts';

// Lark groups Hark is in (README "Concepts", Chat) and their subscriptions, as stored. What they
// mean (which severities, which label matchers, who may subscribe) is delivery's
// (src/delivery/chats.ts ChatDirectory).

/** active: the bot is in the group; removed: the bot was taken out; disbanded: the group is gone. */
export type ChatStatus = 'active' | 'removed' | 'disbanded';

export interface Chat {
  readonly chatId: string;
  readonly name: string;
  readonly status: ChatStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A subscription row: severity and label matchers as stored (delivery reads them). */
export interface SubscriptionRecord {
  readonly chatId: string;
  readonly sourceId: number;
  readonly source: string;
  readonly minSeverity: string;
  readonly labels: string;
  readonly createdAt: number;
}

/** Records a chat's status; a name replaces the stored one, no name keeps it (a new row is named by its id). */
export async function upsertChat(db: Kysely<DB>, chat: { chatId: string; status: ChatStatus; name: string | null; now: number }): Promise<void> {
  const { chatId, status, name, now } = chat;
  await db
    .insertInto('chats')
    .values({ chat_id: chatId, name: name || chatId, status, created_at: now, updated_at: now })
    .onConflict((oc) =>
      oc.column('chat_id').doUpdateSet(name ? { status, name, updated_at: now } : { status, updated_at: now }),
    )
    .execute();
}

/** Every chat, by name. */
export async function listChats(db: Kysely<DB>): Promise<Chat[]> {
  const rows = await db.selectFrom('chats').selectAll().orderBy('name').orderBy('chat_id').execute();
  return rows.map(chatFromRow);
}

/** Subscriptions of one chat, or of every chat. */
export async function subscriptionRecords(db: Kysely<DB>, chatId?: string): Promise<SubscriptionRecord[]> {
  let q = subscriptionRows(db);
  if (chatId !== undefined) q = q.where('subscriptions.chat_id', '=', chatId);
  return (await q.execute()).map(subscriptionFromRow);
}

/** Subscribes a chat to a source, replacing the pair's existing subscription. */
export async function upsertSubscription(
  db: Kysely<DB>,
  s: { chatId: string; sourceId: number; minSeverity: string; labels: string; now: number },
): Promise<void> {
  await db
    .insertInto('subscriptions')
    .values({ chat_id: s.chatId, source_id: s.sourceId, min_severity: s.minSeverity, labels: s.labels, created_at: s.now })
    .onConflict((oc) => oc.columns(['chat_id', 'source_id']).doUpdateSet({ min_severity: s.minSeverity, labels: s.labels }))
    .execute();
}

/** True when a subscription was removed. */
export async function deleteSubscription(db: Kysely<DB>, chatId: string, sourceId: number): Promise<boolean> {
  const res = await db.deleteFrom('subscriptions').where('chat_id', '=', chatId).where('source_id', '=', sourceId).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** Active chats subscribed to a source, with their subscription (dispatch reads this in the change's transaction). */
// Read on every change of every incident (prepared: see prepared.ts).
const subscribersQuery = prepare('active subscribers of a source', { sourceId: param<number>() }, (db, p) =>
  subscriptionRows(db)
    .innerJoin('chats', 'chats.chat_id', 'subscriptions.chat_id')
    .select(['chats.name as chat_name', 'chats.status as chat_status', 'chats.updated_at as chat_updated_at', 'chats.created_at as chat_created_at'])
    .where('subscriptions.source_id', '=', p.sourceId)
    .where('chats.status', '=', 'active')
    .orderBy('subscriptions.chat_id'),
);

export async function subscriberRecords(db: Kysely<DB>, sourceId: number): Promise<{ chat: Chat; subscription: SubscriptionRecord }[]> {
  const rows = await subscribersQuery.rows(db, { sourceId });
  return rows.map((r) => ({
    chat: {
      chatId: r.chat_id,
      name: r.chat_name,
      status: r.chat_status as ChatStatus,
      createdAt: r.chat_created_at,
      updatedAt: r.chat_updated_at,
    },
    subscription: subscriptionFromRow(r),
  }));
}

function subscriptionRows(db: Kysely<DB>) {
  return db
    .selectFrom('subscriptions')
    .innerJoin('sources', 'sources.id', 'subscriptions.source_id')
    .select([
      'subscriptions.chat_id',
      'subscriptions.source_id',
      'subscriptions.min_severity',
      'subscriptions.labels',
      'subscriptions.created_at',
      'sources.name as source_name',
    ]);
}

/** One chat as Hark knows it (any status), or null. */
export async function findChat(db: Kysely<DB>, chatId: string): Promise<Chat | null> {
  const r = await db.selectFrom('chats').selectAll().where('chat_id', '=', chatId).executeTakeFirst();
  return r ? chatFromRow(r) : null;
}

/** Which of these chat ids Hark knows (any status). */
export async function knownChatIds(db: Kysely<DB>, chatIds: readonly string[]): Promise<Set<string>> {
  if (!chatIds.length) return new Set();
  const rows = await db.selectFrom('chats').select('chat_id').where('chat_id', 'in', [...chatIds]).execute();
  return new Set(rows.map((r) => r.chat_id));
}

function chatFromRow(r: { chat_id: string; name: string; status: string; created_at: number; updated_at: number }): Chat {
  return { chatId: r.chat_id, name: r.name, status: r.status as ChatStatus, createdAt: r.created_at, updatedAt: r.updated_at };
}

function subscriptionFromRow(r: {
  chat_id: string;
  source_id: number;
  source_name: string;
  min_severity: string;
  labels: string;
  created_at: number;
}): SubscriptionRecord {
  return { chatId: r.chat_id, sourceId: r.source_id, source: r.source_name, minSeverity: r.min_severity, labels: r.labels, createdAt: r.created_at };
}
