import type { Kysely } from 'kysely';
import { HarkError } from '../errors.ts';
import { parseSeverity } from '../incident/severity.ts';
import type { Severity } from '../incident/types.ts';
import type { LarkApi } from '../lark/client.ts';
import {
  deleteSubscription,
  findChat,
  listChats,
  subscriberRecords,
  subscriptionRecords,
  upsertChat,
  upsertSubscription,
  type Chat,
  type ChatStatus,
  type SubscriptionRecord,
} from '../store/chat-repo.ts';
import { findSourceByName } from '../store/source-repo.ts';
import type { DB } from '../store/schema.ts';
import { deserializeMatchers, displayMatchers, parseMatchers, serializeMatchers, type LabelMatcher } from './matchers.ts';

// Lark groups Hark is in (README "Concepts", Chat) and what each one receives. Learned from the
// bot-added/removed/disbanded events (the chat-operations code calls botAdded/botRemoved/
// disbanded) and from the chat list API at start (syncChats). Rows: src/store/chat-repo.ts.

export type { Chat, ChatStatus } from '../store/chat-repo.ts';

export interface Subscription {
  readonly chatId: string;
  readonly sourceId: number;
  readonly source: string;
  readonly minSeverity: Severity;
  readonly labels: readonly LabelMatcher[];
  readonly createdAt: number;
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
    await upsertChat(db, { chatId, status, name, now: this.clock() });
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
    const before = await listChats(this.db);
    const wasActive = new Set(before.filter((c) => c.status === 'active').map((c) => c.chatId));
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
    const chats = await listChats(this.db);
    const byChat = new Map<string, Subscription[]>();
    for (const s of await subscriptionRecords(this.db)) {
      const list = byChat.get(s.chatId) ?? [];
      list.push(subscriptionOf(s));
      byChat.set(s.chatId, list);
    }
    return chats.map((c) => ({ ...c, subscriptions: byChat.get(c.chatId) ?? [] }));
  }

  async subscriptionsOf(chatId: string, db: Kysely<DB> = this.db): Promise<Subscription[]> {
    return (await subscriptionRecords(db, chatId)).map(subscriptionOf);
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
    const source = await findSourceByName(this.db, sourceName);
    if (!source) throw new HarkError('not_found', `unknown source "${sourceName}"`);
    let minSeverity: Severity = 'info';
    if (opts.minSeverity !== undefined && opts.minSeverity !== null) {
      const parsed = parseSeverity(String(opts.minSeverity));
      if (!parsed) throw new HarkError('invalid', 'min_severity must be one of critical, warning, info');
      minSeverity = parsed;
    }
    const labels = serializeMatchers(parseMatchers(opts.labels));
    await upsertSubscription(this.db, { chatId, sourceId: source.id, minSeverity, labels, now: this.clock() });
    const [sub] = (await this.subscriptionsOf(chatId)).filter((s) => s.sourceId === source.id);
    return sub;
  }

  /** True when a subscription was removed. */
  async unsubscribe(chatId: string, sourceName: string): Promise<boolean> {
    const source = await findSourceByName(this.db, sourceName);
    if (!source) throw new HarkError('not_found', `unknown source "${sourceName}"`);
    return deleteSubscription(this.db, chatId, source.id);
  }

  /** Active chats subscribed to a source, with their subscription (dispatch reads this in the change's transaction). */
  async subscribersOf(db: Kysely<DB>, sourceId: number): Promise<{ chat: Chat; subscription: Subscription }[]> {
    return (await subscriberRecords(db, sourceId)).map((r) => ({ chat: r.chat, subscription: subscriptionOf(r.subscription) }));
  }
}

function subscriptionOf(r: SubscriptionRecord): Subscription {
  return { ...r, minSeverity: parseSeverity(r.minSeverity) ?? 'info', labels: deserializeMatchers(r.labels) };
}
