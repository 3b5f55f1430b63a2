// All mutable emulator data lives here, so a UI (GET /, SSE) can read it and subscribe to
// changes through the emitter without knowing about HTTP handlers.
import { EventEmitter } from 'node:events';
import { newChatId, newMessageId, newOpenId, newUnionId, newUserId, stableId } from './ids.ts';
import type { RateLimitSettings } from './options.ts';

export interface EmUser {
  open_id: string;
  union_id: string;
  user_id: string;
  name: string;
  email?: string;
  /** false = outside the app's availability scope (230013, OAuth 20010). */
  available: boolean;
}

export interface EmChat {
  chat_id: string;
  name: string;
  description: string;
  chat_type: 'group' | 'p2p';
  members: Set<string>;
  owner_id: string;
  bot_present: boolean;
  disbanded: boolean;
  /** Only for p2p chats: the user on the other side of the bot. */
  p2p_open_id?: string;
  create_time: number;
  /** Pinned messages, newest first (POST /open-apis/im/v1/pins). */
  pins: { message_id: string; at: number }[];
}

export interface EmMention {
  key: string;
  open_id: string;
  union_id: string;
  user_id: string;
  name: string;
}

export interface EmMessage {
  message_id: string;
  chat_id: string;
  chat_type: 'group' | 'p2p';
  receive_id: string;
  receive_id_type: string;
  msg_type: string;
  /** Stringified JSON, exactly as the API stores it. */
  content: string;
  uuid?: string;
  update_count: number;
  create_time: number;
  update_time: number;
  parent_id?: string;
  root_id?: string;
  sender_type: 'app' | 'user';
  sender_id: string;
  mentions: EmMention[];
  deleted: boolean;
}

/** Shape of POST /__emulator/faults (see control.ts). */
export interface Faults {
  error_rate?: { path_prefix?: string; rate: number; status?: number; code?: number };
  latency_ms?: number;
}

/** One urgent (加急) notice a person received on a message (docs/lark-notes.md "Urgent notices"). */
export interface EmUrgent {
  open_id: string;
  message_id: string;
  kind: UrgentKind;
  at: number;
}

export type UrgentKind = 'app' | 'sms' | 'phone';

export interface CardToken {
  token: string;
  message_id: string;
  chat_id: string;
  uses: number;
  expires_at: number;
}

export interface OAuthCode {
  code: string;
  open_id: string;
  client_id: string;
  redirect_uri: string;
  scope: string;
  code_challenge?: string;
  code_challenge_method?: string;
  expires_at: number;
}

export type StateEvents = {
  'message.created': [EmMessage];
  'message.updated': [EmMessage];
  'chat.updated': [EmChat];
  'message.urgent': [EmMessage, EmUrgent];
  'message.read': [EmMessage, string];
  'reset': [];
};

export class EmulatorState extends EventEmitter<StateEvents> {
  readonly users = new Map<string, EmUser>();
  readonly chats = new Map<string, EmChat>();
  readonly messages = new Map<string, EmMessage>();
  /** Send order, for listings. */
  readonly messageOrder: string[] = [];
  /** uuid → message_id and when it was first used (1-hour dedup window, docs/lark-notes.md §2.1). */
  readonly uuids = new Map<string, { message_id: string; at: number }>();
  /** uuid of chat creation → chat_id and when (10-hour dedup window, docs/lark-notes.md §13). */
  readonly chatUuids = new Map<string, { chat_id: string; at: number }>();
  readonly cardTokens = new Map<string, CardToken>();
  readonly oauthCodes = new Map<string, OAuthCode>();
  faults: Faults = {};
  rateLimits: RateLimitSettings;
  /** Urgent notices in the order they were received. */
  readonly urgents: EmUrgent[] = [];
  /** Who read which message the bot sent, and when (message_id → open_id → ms). */
  readonly reads = new Map<string, Map<string, number>>();
  /** Whether the bot's private chat is pinned at the top of a person's message list (open_id → on). */
  readonly timeSensitive = new Map<string, boolean>();
  /** The app's granted scopes (docs/lark-notes.md §15): the scope list API, urgent notices and group messages read them; set from options, changed by POST /__emulator/tenant. */
  readonly scopes = new Set<string>();
  /** Every scope the app asked for, granted or revoked since (the scope list API lists them all). */
  readonly scopesAsked = new Set<string>();
  /** The tenant's remaining SMS/phone urgent quota (each person urged by SMS or phone uses one). */
  urgentQuota = 0;
  /** Added to Date.now(): lets tests make codes/tokens expire without waiting. */
  clockOffsetMs = 0;
  readonly bot: { open_id: string; union_id: string; user_id: string; name: string };

  constructor(appId: string, botName: string, rateLimits: RateLimitSettings) {
    super();
    this.bot = {
      open_id: stableId('ou_', `${appId}:bot`),
      union_id: stableId('on_', `${appId}:bot`),
      user_id: stableId('', `${appId}:bot:user`).slice(0, 8),
      name: botName,
    };
    this.rateLimits = { ...rateLimits };
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** Grants a scope (and remembers it was asked for). */
  grantScope(scope: string): void {
    this.scopes.add(scope);
    this.scopesAsked.add(scope);
  }

  reset(rateLimits: RateLimitSettings): void {
    this.users.clear();
    this.chats.clear();
    this.messages.clear();
    this.messageOrder.length = 0;
    this.uuids.clear();
    this.chatUuids.clear();
    this.cardTokens.clear();
    this.oauthCodes.clear();
    this.faults = {};
    this.rateLimits = { ...rateLimits };
    this.clockOffsetMs = 0;
    this.urgents.length = 0;
    this.reads.clear();
    this.timeSensitive.clear();
    this.emit('reset');
  }

  addUser(input: { name: string; email?: string; available?: boolean; open_id?: string }): EmUser {
    const user: EmUser = {
      open_id: input.open_id ?? newOpenId(),
      union_id: newUnionId(),
      user_id: newUserId(),
      name: input.name,
      email: input.email,
      available: input.available ?? true,
    };
    this.users.set(user.open_id, user);
    return user;
  }

  findUser(id: string, idType = 'open_id'): EmUser | undefined {
    if (idType === 'open_id') return this.users.get(id);
    for (const u of this.users.values()) {
      if (idType === 'union_id' && u.union_id === id) return u;
      if (idType === 'user_id' && u.user_id === id) return u;
      if (idType === 'email' && u.email !== undefined && u.email.toLowerCase() === id.toLowerCase()) return u;
    }
    return undefined;
  }

  addChat(input: { name: string; members: string[]; description?: string; bot_present: boolean; owner_id?: string }): EmChat {
    const chat: EmChat = {
      chat_id: newChatId(),
      name: input.name,
      description: input.description ?? '',
      chat_type: 'group',
      members: new Set(input.members),
      owner_id: input.owner_id ?? input.members[0] ?? this.bot.open_id,
      bot_present: input.bot_present,
      disbanded: false,
      create_time: this.now(),
      pins: [],
    };
    this.chats.set(chat.chat_id, chat);
    this.emit('chat.updated', chat);
    return chat;
  }

  /** The bot's private chat with a user: one stable chat_id per user (docs/lark-notes.md §3.2). */
  p2pChat(user: EmUser): EmChat {
    for (const c of this.chats.values()) if (c.p2p_open_id === user.open_id) return c;
    const chat: EmChat = {
      chat_id: newChatId(),
      name: '',
      description: '',
      chat_type: 'p2p',
      members: new Set([user.open_id]),
      owner_id: user.open_id,
      bot_present: true,
      disbanded: false,
      p2p_open_id: user.open_id,
      create_time: this.now(),
      pins: [],
    };
    this.chats.set(chat.chat_id, chat);
    this.emit('chat.updated', chat);
    return chat;
  }

  addMessage(input: Omit<EmMessage, 'message_id' | 'update_count' | 'create_time' | 'update_time' | 'deleted'>): EmMessage {
    const t = this.now();
    const msg: EmMessage = { ...input, message_id: newMessageId(), update_count: 0, create_time: t, update_time: t, deleted: false };
    this.messages.set(msg.message_id, msg);
    this.messageOrder.push(msg.message_id);
    if (msg.uuid) this.uuids.set(msg.uuid, { message_id: msg.message_id, at: t });
    this.emit('message.created', msg);
    return msg;
  }

  updateMessageContent(msg: EmMessage, content: string): void {
    msg.content = content;
    msg.update_count += 1;
    msg.update_time = this.now();
    this.emit('message.updated', msg);
  }

  /** Message for a still-valid uuid (same uuid within 1 h → the original message). */
  messageForUuid(uuid: string): EmMessage | undefined {
    const hit = this.uuids.get(uuid);
    if (!hit) return undefined;
    if (this.now() - hit.at > 3600_000) {
      this.uuids.delete(uuid);
      return undefined;
    }
    return this.messages.get(hit.message_id);
  }

  addUrgent(msg: EmMessage, openId: string, kind: UrgentKind): EmUrgent {
    const u: EmUrgent = { open_id: openId, message_id: msg.message_id, kind, at: this.now() };
    this.urgents.push(u);
    this.emit('message.urgent', msg, u);
    return u;
  }

  /** Records that a person read a message; false when they had read it already. */
  markRead(msg: EmMessage, openId: string): boolean {
    let readers = this.reads.get(msg.message_id);
    if (!readers) this.reads.set(msg.message_id, (readers = new Map()));
    if (readers.has(openId)) return false;
    readers.set(openId, this.now());
    this.emit('message.read', msg, openId);
    return true;
  }

  urgentsOf(messageId: string): EmUrgent[] {
    return this.urgents.filter((u) => u.message_id === messageId);
  }

  messagesInChat(chatId: string): EmMessage[] {
    return this.messageOrder.map((id) => this.messages.get(id)!).filter((m) => m.chat_id === chatId);
  }
}
