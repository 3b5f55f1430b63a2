import type { Kysely } from 'kysely';
import { HarkError } from '../errors.ts';
import { parseSeverity } from '../incident/severity.ts';
import type { Severity } from '../incident/types.ts';
import type { LarkApi } from '../lark/client.ts';
import {
  deserializeMatchers,
  displayMatchers,
  parseMatchers,
  serializeMatchers,
  type LabelMatcher,
} from '../delivery/matchers.ts';
import type { DB } from './schema.ts';

// Lark groups Hark is in (README "Concepts", Chat) and what each one receives. Learned from the
// bot-added/removed/disbanded events (the chat-operations code calls botAdded/botRemoved/
// disbanded) and from the chat list API at start (syncChats).

/** active: the bot is in the group; removed: the bot was taken out; disbanded: the group is gone. */
export type ChatStatus = 'active' | 'removed' | 'disbanded';

export interface Subscription {
  readonly chatId: string;
  readonly sourceId: number;
  readonly source: string;
  readonly minSeverity: Severity;
  readonly labels: readonly LabelMatcher[];
  readonly createdAt: number;
}

export interface Chat {
  readonly chatId: string;
  readonly name: string;
  readonly status: ChatStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface ChatWithSubscriptions extends Chat {
  readonly subscriptions: readonly Subscription[];
}

/** The API shape of a subscription (`GET /api/v1/chats`, PUT answer). */
export function subscriptionJson(s: Subscription) {
  return { source: s.source, min_severity: s.minSeverity, labels: displayMatchers(s.labels), created_at: s.createdAt };
}

export function chatJson(c: ChatWithSubscriptions) {
  return {
    chat_id: c.chatId,
    name: c.name,
    status: c.status,
    updated_at: c.updatedAt,
    subscriptions: c.subscriptions.map(subscriptionJson),
  };
}

export class ChatDirectory {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: () => number = Date.now,
  ) {}

  private async upsert(db: Kysely<DB>, chatId: string, status: ChatStatus, name: string | null): Promise<void> {
    const now = this.clock();
    await db
      .insertInto('chats')
      .values({ chat_id: chatId, name: name || chatId, status, created_at: now, updated_at: now })
      .onConflict((oc) =>
        oc.column('chat_id').doUpdateSet(name ? { status, name, updated_at: now } : { status, updated_at: now }),
      )
      .execute();
  }

  /**
   * The bot joined a group. `name` should be the group's name from chat.get: the event's `name`
   * may be the bot's own name (docs/lark-notes.md §3.3: not settled). Subscriptions kept from an earlier stay apply again.
   */
  async botAdded(chatId: string, name?: string | null, db: Kysely<DB> = this.db): Promise<void> {
    await this.upsert(db, chatId, 'active', name ?? null);
  }

  /** The bot was removed: nothing is sent there any more; subscriptions are kept for a return. */
  async botRemoved(chatId: string, db: Kysely<DB> = this.db): Promise<void> {
    await this.upsert(db, chatId, 'removed', null);
  }

  async disbanded(chatId: string, db: Kysely<DB> = this.db): Promise<void> {
    await this.upsert(db, chatId, 'disbanded', null);
  }

  /**
   * Reconciles with Lark's chat list (start-up): listed groups become active with their current
   * name; active groups that Lark no longer lists are marked removed (we missed the event).
   * A failing list call changes nothing.
   */
  async syncChats(lark: Pick<LarkApi, 'listChats'>): Promise<{ active: number; added: string[]; removed: string[] }> {
    const listed = await lark.listChats();
    const before = await this.db.selectFrom('chats').select(['chat_id', 'status']).execute();
    const wasActive = new Set(before.filter((c) => c.status === 'active').map((c) => c.chat_id));
    const seen = new Set<string>();
    const added: string[] = [];
    for (const c of listed) {
      seen.add(c.chatId);
      if (!wasActive.has(c.chatId)) added.push(c.chatId);
      await this.upsert(this.db, c.chatId, 'active', c.name);
    }
    const removed = [...wasActive].filter((id) => !seen.has(id));
    for (const id of removed) await this.upsert(this.db, id, 'removed', null);
    return { active: seen.size, added, removed };
  }

  get(chatId: string, db: Kysely<DB> = this.db): Promise<Chat | null> {
    return findChat(db, chatId);
  }

  async list(): Promise<ChatWithSubscriptions[]> {
    const chats = await this.db.selectFrom('chats').selectAll().orderBy('name').orderBy('chat_id').execute();
    const subs = await this.subscriptionRows(this.db).execute();
    const byChat = new Map<string, Subscription[]>();
    for (const s of subs) {
      const list = byChat.get(s.chat_id) ?? [];
      list.push(subscriptionFromRow(s));
      byChat.set(s.chat_id, list);
    }
    return chats.map((c) => ({ ...chatFromRow(c), subscriptions: byChat.get(c.chat_id) ?? [] }));
  }

  async subscriptionsOf(chatId: string, db: Kysely<DB> = this.db): Promise<Subscription[]> {
    const rows = await this.subscriptionRows(db).where('subscriptions.chat_id', '=', chatId).execute();
    return rows.map(subscriptionFromRow);
  }

  /**
   * Subscribes a group to a source (PUT /api/v1/chats/:chat_id/subscriptions/:source, `subscribe`
   * command). Replaces an existing subscription of the same pair. `minSeverity` defaults to info
   * (everything); `labels` takes the API's forms (see matchers.ts).
   */
  async subscribe(
    chatId: string,
    sourceName: string,
    opts: { minSeverity?: string | null; labels?: unknown } = {},
  ): Promise<Subscription> {
    const chat = await this.get(chatId);
    if (!chat) {
      throw new HarkError('not_found', `unknown chat ${chatId}: add the Hark bot to the group first`);
    }
    if (chat.status !== 'active') {
      throw new HarkError('conflict', `the Hark bot is no longer in "${chat.name}" (${chat.status}); add it to the group again first`);
    }
    const source = await this.db.selectFrom('sources').select(['id', 'name']).where('name', '=', sourceName).executeTakeFirst();
    if (!source) throw new HarkError('not_found', `unknown source "${sourceName}"`);
    let minSeverity: Severity = 'info';
    if (opts.minSeverity !== undefined && opts.minSeverity !== null) {
      const parsed = parseSeverity(String(opts.minSeverity));
      if (!parsed) throw new HarkError('invalid', 'min_severity must be one of critical, warning, info');
      minSeverity = parsed;
    }
    const labels = serializeMatchers(parseMatchers(opts.labels));
    const now = this.clock();
    await this.db
      .insertInto('subscriptions')
      .values({ chat_id: chatId, source_id: source.id, min_severity: minSeverity, labels, created_at: now })
      .onConflict((oc) => oc.columns(['chat_id', 'source_id']).doUpdateSet({ min_severity: minSeverity, labels }))
      .execute();
    const [sub] = (await this.subscriptionsOf(chatId)).filter((s) => s.sourceId === source.id);
    return sub;
  }

  /** True when a subscription was removed. */
  async unsubscribe(chatId: string, sourceName: string): Promise<boolean> {
    const source = await this.db.selectFrom('sources').select('id').where('name', '=', sourceName).executeTakeFirst();
    if (!source) throw new HarkError('not_found', `unknown source "${sourceName}"`);
    const res = await this.db
      .deleteFrom('subscriptions')
      .where('chat_id', '=', chatId)
      .where('source_id', '=', source.id)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Active chats subscribed to a source, with their subscription (dispatch reads this in the change's transaction). */
  async subscribersOf(db: Kysely<DB>, sourceId: number): Promise<{ chat: Chat; subscription: Subscription }[]> {
    const rows = await this.subscriptionRows(db)
      .innerJoin('chats', 'chats.chat_id', 'subscriptions.chat_id')
      .select(['chats.name as chat_name', 'chats.status as chat_status', 'chats.updated_at as chat_updated_at', 'chats.created_at as chat_created_at'])
      .where('subscriptions.source_id', '=', sourceId)
      .where('chats.status', '=', 'active')
      .orderBy('subscriptions.chat_id')
      .execute();
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

  private subscriptionRows(db: Kysely<DB>) {
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
}): Subscription {
  return {
    chatId: r.chat_id,
    sourceId: r.source_id,
    source: r.source_name,
    minSeverity: parseSeverity(r.min_severity) ?? 'info',
    labels: deserializeMatchers(r.labels),
    createdAt: r.created_at,
  };
}
