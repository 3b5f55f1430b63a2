// Control routes that play the users' side of a conversation: send a message to the bot,
// click a card button, list what the bot sent (README "The Lark emulator").
import type Router from '@koa/router';
import { z } from 'zod';
import type { EmulatorContext } from './context.ts';
import { badRequest, parseBody } from './control.ts';
import { cardAction, messageReceived } from './events.ts';
import { CARD_TOKEN_TTL_MS } from './im-chats.ts';
import type { EmMention, EmMessage } from './state.ts';

const MessageBody = z.object({
  chat_id: z.string().optional(),
  p2p_open_id: z.string().optional(),
  sender_open_id: z.string().optional(),
  text: z.string(),
  mention_bot: z.boolean().optional(),
  /** Extra people @mentioned after the bot, as open_ids. */
  mention_open_ids: z.array(z.string()).optional(),
  parent_id: z.string().optional(),
}).refine((b) => Boolean(b.chat_id) !== Boolean(b.p2p_open_id), 'exactly one of chat_id or p2p_open_id is required');

const ClickBody = z.object({
  message_id: z.string(),
  operator_open_id: z.string(),
  value: z.unknown(),
  name: z.string().optional(),
  tag: z.string().optional(),
  option: z.string().optional(),
  options: z.array(z.string()).optional(),
  form_value: z.record(z.unknown()).optional(),
  input_value: z.string().optional(),
  checked: z.boolean().optional(),
  timezone: z.string().optional(),
});

export function registerControlMessages(router: Router, ectx: EmulatorContext): void {
  const { state } = ectx;

  router.post('/__emulator/messages', async (ctx) => {
    const b = parseBody(ctx, MessageBody);
    if (!b) return;
    const senderId = b.sender_open_id ?? b.p2p_open_id ?? '';
    const sender = state.users.get(senderId);
    if (!sender) return badRequest(ctx, `unknown sender_open_id ${senderId}`);
    let chat;
    if (b.p2p_open_id) {
      const peer = state.users.get(b.p2p_open_id);
      if (!peer) return badRequest(ctx, `unknown p2p_open_id ${b.p2p_open_id}`);
      if (!peer.available) return badRequest(ctx, 'user is outside the app availability scope and cannot message the bot');
      chat = state.p2pChat(peer);
    } else {
      chat = state.chats.get(b.chat_id!);
      if (!chat) return badRequest(ctx, `unknown chat_id ${b.chat_id}`, 404);
      if (chat.disbanded) return badRequest(ctx, 'chat is disbanded');
      chat.members.add(sender.open_id);
    }
    let parent: EmMessage | undefined;
    if (b.parent_id) {
      parent = state.messages.get(b.parent_id);
      if (!parent || parent.chat_id !== chat.chat_id) return badRequest(ctx, 'parent_id is not a message of this chat');
    }
    // Mentions become @_user_N placeholders in the text, mapped by mentions[] (docs/lark-notes.md §3.2).
    const mentions: EmMention[] = [];
    const wantBot = Boolean(b.mention_bot) && chat.chat_type === 'group';
    if (wantBot) mentions.push({ key: '@_user_1', ...state.bot });
    for (const id of b.mention_open_ids ?? []) {
      const u = state.users.get(id);
      if (!u) return badRequest(ctx, `unknown mentioned open_id ${id}`);
      mentions.push({ key: `@_user_${mentions.length + 1}`, open_id: u.open_id, union_id: u.union_id, user_id: u.user_id, name: u.name });
    }
    const prefix = mentions.map((m) => m.key).join(' ');
    const msg = state.addMessage({
      chat_id: chat.chat_id, chat_type: chat.chat_type, receive_id: chat.chat_id, receive_id_type: 'chat_id',
      msg_type: 'text', content: JSON.stringify({ text: prefix ? `${prefix} ${b.text}` : b.text }),
      parent_id: parent?.message_id, root_id: parent ? parent.root_id || parent.message_id : undefined,
      sender_type: 'user', sender_id: sender.open_id, mentions,
    });
    // Group messages reach the bot only when it is a member and @mentioned, unless the app
    // holds the all-messages scope (docs/lark-notes.md §3.2).
    const deliver = chat.chat_type === 'p2p' || (chat.bot_present && (wantBot || ectx.options.receiveAllGroupMessages));
    const rec = deliver ? ectx.emitEvent(messageReceived(ectx.options, sender, msg)) : undefined;
    ctx.body = { message_id: msg.message_id, chat_id: chat.chat_id, event_id: rec?.event_id ?? null };
  });

  router.get('/__emulator/messages', async (ctx) => {
    let chatId = ctx.query.chat_id ? String(ctx.query.chat_id) : undefined;
    if (ctx.query.open_id) {
      const user = state.users.get(String(ctx.query.open_id));
      if (!user) return badRequest(ctx, 'unknown open_id', 404);
      chatId = state.p2pChat(user).chat_id;
    }
    const list = chatId ? state.messagesInChat(chatId) : state.messageOrder.map((id) => state.messages.get(id)!);
    ctx.body = { items: list.map(messageView) };
  });

  router.get('/__emulator/messages/:id', async (ctx) => {
    const msg = state.messages.get(ctx.params.id);
    if (!msg) return badRequest(ctx, 'unknown message', 404);
    ctx.body = messageView(msg);
  });

  /** Make a message look `days` old (e.g. 15 → PATCH answers 230031). */
  router.post('/__emulator/messages/:id/age', async (ctx) => {
    const msg = state.messages.get(ctx.params.id);
    if (!msg) return badRequest(ctx, 'unknown message', 404);
    const b = parseBody(ctx, z.object({ days: z.number().min(0) }));
    if (!b) return;
    msg.create_time = state.now() - b.days * 86_400_000;
    ctx.body = messageView(msg);
  });

  router.post('/__emulator/click', async (ctx) => {
    const b = parseBody(ctx, ClickBody);
    if (!b) return;
    const msg = state.messages.get(b.message_id);
    if (!msg) return badRequest(ctx, 'unknown message_id', 404);
    if (msg.sender_type !== 'app' || msg.msg_type !== 'interactive') return badRequest(ctx, 'only cards sent by the bot can be clicked');
    const operator = state.users.get(b.operator_open_id);
    if (!operator) return badRequest(ctx, 'unknown operator_open_id');
    const { envelope, cardToken } = cardAction(ectx.options, state, operator, msg, b);
    state.cardTokens.set(cardToken, {
      token: cardToken, message_id: msg.message_id, chat_id: msg.chat_id, uses: 0, expires_at: state.now() + CARD_TOKEN_TTL_MS,
    });
    const pushed = performance.now();
    const r = await ectx.delivery.pushCallback(envelope);
    // How long the app took to answer, from the push to its answer (what Lark waits 3 s for).
    const callbackMs = Math.round((performance.now() - pushed) * 1000) / 1000;
    if (!r.ok) {
      // What the clicking user would see: client error 200341 after 3 s (docs/lark-notes.md §1.10).
      ctx.status = 504;
      ctx.body = { error: `card callback failed: ${r.reason}`, code: 200341, event_id: envelope.header.event_id };
      return;
    }
    const applied = applyCallbackCard(ectx, msg, r.response);
    if (applied) {
      ctx.status = 502;
      ctx.body = { error: applied.msg, code: applied.code, response: r.response ?? null, event_id: envelope.header.event_id };
      return;
    }
    ctx.body = { response: r.response ?? null, event_id: envelope.header.event_id, token: cardToken, callback_ms: callbackMs };
  });
}

/** A callback answer carrying `card` replaces the clicked card like a patch (docs/lark-notes.md §1.8). */
function applyCallbackCard(ectx: EmulatorContext, msg: EmMessage, response: unknown): { code: number; msg: string } | undefined {
  if (typeof response !== 'object' || response === null) return undefined;
  const card = (response as { card?: { type?: string; data?: unknown } }).card;
  if (!card) return undefined;
  let next: unknown;
  if (card.type === 'raw' && typeof card.data === 'object' && card.data !== null) next = card.data;
  else if (card.type === 'template' && typeof card.data === 'object' && card.data !== null) next = { type: 'template', data: card.data };
  else return { code: 200672, msg: 'callback answer has a malformed card' };
  const was2 = safeParse(msg.content)?.schema === '2.0';
  if (was2 && card.type === 'raw' && (next as { schema?: string }).schema !== '2.0') {
    return { code: 200830, msg: 'a JSON 2.0 card cannot be replaced by a JSON 1.0 card' };
  }
  ectx.state.updateMessageContent(msg, JSON.stringify(next));
  return undefined;
}

function safeParse(s: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(s);
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

export function messageView(m: EmMessage): Record<string, unknown> {
  return {
    message_id: m.message_id, chat_id: m.chat_id, chat_type: m.chat_type, receive_id: m.receive_id,
    receive_id_type: m.receive_id_type, msg_type: m.msg_type, content: safeParse(m.content) ?? m.content,
    uuid: m.uuid ?? null, update_count: m.update_count, create_time: m.create_time, update_time: m.update_time,
    parent_id: m.parent_id ?? null, root_id: m.root_id ?? null, sender_type: m.sender_type, sender_id: m.sender_id,
    mentions: m.mentions,
  };
}
