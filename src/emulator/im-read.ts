// Read receipts and the feed card's time-sensitive mark (docs/lark-notes.md "Read receipts" and
// "Kept at the top of the message list"), as Lark does them:
//   - a person reading a message the bot sent them in their private chat emits
//     im.message.message_read_v1 (once per person and message; group messages and messages sent by
//     people emit nothing);
//   - GET /open-apis/im/v1/messages/:message_id/read_users lists who read a message the bot sent
//     (p2p or group), within 7 days, readers only;
//   - PATCH /open-apis/im/v2/feed_cards/bot_time_sentive pins (or unpins) the bot's private chat at
//     the top of up to 50 people's message lists; needs im:datasync.feed_card.time_sensitive:write;
//     unknown people come back in failed_user_reasons.
// Control routes:
//   POST /__emulator/read {open_id, message_id} → {event_id | null}: that person reads that message
//   GET  /__emulator/feed_cards?open_id=…       → {time_sensitive}
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { EmulatorContext } from './context.ts';
import { badRequest, parseBody } from './control.ts';
import { messageReadEvent } from './events.ts';
import { body, larkError, ok, requireToken } from './http-util.ts';
import { appLimit, invalidParam } from './im-common.ts';
import type { EmMessage, EmUser } from './state.ts';

export const FEED_CARD_SCOPE = 'im:datasync.feed_card.time_sensitive:write';
const READ_SCOPES = ['im:message', 'im:message:readonly', 'im:message.group_msg', 'im:message:basic'];
const SEVEN_DAYS_MS = 7 * 86_400_000;
const ID_TYPES = ['open_id', 'union_id', 'user_id'];

/**
 * `user` reads `msg`. Returns the event id when Lark would push the read event (a message the bot
 * sent to this person's private chat, read for the first time), else null.
 */
export function readMessage(ectx: EmulatorContext, msg: EmMessage, user: EmUser): string | null {
  const chat = ectx.state.chats.get(msg.chat_id);
  const first = ectx.state.markRead(msg, user.open_id);
  if (!first || msg.sender_type !== 'app' || chat?.chat_type !== 'p2p' || chat.p2p_open_id !== user.open_id) return null;
  return ectx.emitEvent(messageReadEvent(ectx.options, user, [msg.message_id], ectx.state.now())).event_id;
}

const ReadBody = z.object({ open_id: z.string().min(1), message_id: z.string().min(1) });

export function registerImRead(router: Router, ectx: EmulatorContext): void {
  const { state } = ectx;

  router.post('/__emulator/read', async (ctx) => {
    const b = parseBody(ctx, ReadBody);
    if (!b) return;
    const user = state.users.get(b.open_id);
    if (!user) return badRequest(ctx, 'unknown open_id', 404);
    const msg = state.messages.get(b.message_id);
    if (!msg) return badRequest(ctx, 'unknown message_id', 404);
    const chat = state.chats.get(msg.chat_id);
    const member = chat && (chat.chat_type === 'p2p' ? chat.p2p_open_id === user.open_id : chat.members.has(user.open_id));
    if (!member) return badRequest(ctx, `${user.name} is not in the chat of ${msg.message_id}, so cannot read it`);
    ctx.body = { event_id: readMessage(ectx, msg, user) };
  });

  router.get('/__emulator/feed_cards', async (ctx) => {
    const openId = String(ctx.query.open_id ?? '');
    if (!state.users.has(openId)) return badRequest(ctx, 'unknown open_id', 404);
    ctx.body = { time_sensitive: state.timeSensitive.get(openId) ?? false };
  });

  router.get('/open-apis/im/v1/messages/:message_id/read_users', async (ctx) => readUsers(ctx, ectx));
  router.patch('/open-apis/im/v2/feed_cards/bot_time_sentive', async (ctx) => timeSensitive(ctx, ectx));
}

function readUsers(ctx: Context, ectx: EmulatorContext): void {
  const { state } = ectx;
  if (!requireToken(ctx, ectx, ['tenant'])) return;
  ectx.stats.call('im.message.read_users');
  if (!appLimit(ctx, ectx, 'im.message.read_users')) return;
  if (!READ_SCOPES.some((s) => state.scopes.has(s))) {
    return larkError(ctx, 400, 99991672, `Access denied. One of the following scopes is required: [${READ_SCOPES.join(', ')}].`);
  }
  const idType = String(ctx.query.user_id_type ?? 'open_id');
  if (!ID_TYPES.includes(idType)) return larkError(ctx, 400, 230001, invalidParam('user_id_type must be open_id, union_id or user_id'));
  const size = ctx.query.page_size === undefined ? 20 : Number(ctx.query.page_size);
  if (!Number.isInteger(size) || size < 1 || size > 100) return larkError(ctx, 400, 230001, invalidParam('page_size must be 1-100'));
  const msg = state.messages.get(ctx.params.message_id);
  if (!msg) return larkError(ctx, 400, 230001, invalidParam('invalid message_id'));
  if (msg.deleted) return larkError(ctx, 400, 230110, 'The message was deleted.');
  if (msg.sender_type !== 'app') return larkError(ctx, 400, 230012, 'The bot is not the sender of the message.');
  const chat = state.chats.get(msg.chat_id);
  if (chat?.chat_type === 'group' && !chat.bot_present) return larkError(ctx, 400, 230002, 'Bot/User can NOT be out of the chat.');
  if (state.now() - msg.create_time > SEVEN_DAYS_MS) return larkError(ctx, 400, 230033, 'The message was sent more than 7 days ago.');
  const readers = [...(state.reads.get(msg.message_id) ?? new Map<string, number>()).entries()];
  const start = Number(ctx.query.page_token ?? 0) || 0;
  const page = readers.slice(start, start + size);
  const items = page.map(([openId, at]) => {
    const u = state.users.get(openId);
    const id = idType === 'open_id' ? openId : idType === 'union_id' ? u?.union_id : u?.user_id;
    return { user_id_type: idType, user_id: id ?? openId, timestamp: String(at), tenant_key: ectx.options.tenantKey };
  });
  const more = start + size < readers.length;
  ok(ctx, { items, has_more: more, ...(more ? { page_token: String(start + size) } : {}) });
}

function timeSensitive(ctx: Context, ectx: EmulatorContext): void {
  const { state } = ectx;
  if (!requireToken(ctx, ectx, ['tenant'])) return;
  ectx.stats.call('im.feed_card.bot_time_sentive');
  if (!appLimit(ctx, ectx, 'im.feed_card.bot_time_sentive')) return;
  if (!state.scopes.has(FEED_CARD_SCOPE)) {
    return larkError(ctx, 400, 99991672, `Access denied. One of the following scopes is required: [${FEED_CARD_SCOPE}].`);
  }
  const idType = String(ctx.query.user_id_type ?? '');
  if (!ID_TYPES.includes(idType)) return larkError(ctx, 400, 230001, 'param is invalid: user_id_type is required: open_id, union_id or user_id');
  const b = body(ctx);
  if (typeof b.time_sensitive !== 'boolean') return larkError(ctx, 400, 230001, 'param is invalid: time_sensitive must be true or false');
  const ids = b.user_ids;
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > 50 || !ids.every((x) => typeof x === 'string' && x)) {
    return larkError(ctx, 400, 230001, 'param is invalid: user_ids must list 1-50 user ids');
  }
  const failed: { error_code: number; error_message: string; user_id: string }[] = [];
  for (const id of ids as string[]) {
    const user = state.findUser(id, idType);
    if (!user || !user.available) failed.push({ error_code: 0, error_message: 'The user is not in the chat', user_id: id });
    else state.timeSensitive.set(user.open_id, b.time_sensitive);
  }
  ok(ctx, { failed_user_reasons: failed });
}
