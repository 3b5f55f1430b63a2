// Shared checks of the IM APIs: app-level frequency control (429), per-target limits (230020),
// receive-target resolution (230002, 230013, 232009) and the message object Lark returns.
import type { Context } from 'koa';
import type { EmulatorContext } from './context.ts';
import { larkError, logId } from './http-util.ts';
import type { EmChat, EmMessage, EmUser } from './state.ts';

/** Per app × API, per second and per minute (docs/lark-notes.md §6). Returns false after answering 429. */
export function appLimit(ctx: Context, ectx: EmulatorContext, api: string): boolean {
  const { appPerSecond, appPerMinute } = ectx.state.rateLimits;
  const now = ectx.state.now();
  const waitS = ectx.windows.take(`app:${api}:s`, appPerSecond, 1000, now);
  let limit = appPerSecond;
  let wait = waitS;
  if (!wait) {
    const waitM = ectx.windows.take(`app:${api}:m`, appPerMinute, 60_000, now);
    if (waitM) {
      ectx.windows.undo(`app:${api}:s`);
      limit = appPerMinute;
      wait = waitM;
    }
  }
  if (!wait) return true;
  ectx.stats.limited('429');
  logId(ctx);
  ctx.set('x-ogw-ratelimit-limit', String(limit));
  ctx.set('x-ogw-ratelimit-reset', String(Math.max(1, Math.ceil(wait / 1000))));
  ctx.status = 429;
  ctx.body = { code: 99991400, msg: 'request trigger frequency limit' };
  return false;
}

/** 5/s per group chat (shared by all bots) or per user for p2p → HTTP 400 + 230020. */
export function targetLimit(ctx: Context, ectx: EmulatorContext, key: string, limit: number): boolean {
  if (!ectx.windows.take(key, limit, 1000, ectx.state.now())) return true;
  ectx.stats.limited('230020');
  larkError(ctx, 400, 230020, 'This operation triggers the frequency limit.');
  return false;
}

export function chatLimit(ctx: Context, ectx: EmulatorContext, chat: EmChat): boolean {
  const { chatPerSecond, userPerSecond } = ectx.state.rateLimits;
  return chat.chat_type === 'p2p'
    ? targetLimit(ctx, ectx, `user:${chat.p2p_open_id}`, userPerSecond)
    : targetLimit(ctx, ectx, `chat:${chat.chat_id}`, chatPerSecond);
}

const invalid = (ext: string) => `Your request contains an invalid request parameter, ext=${ext}`;

/** Checks the bot may post into `chat`; answers the error and returns false otherwise. */
export function checkChatWritable(ctx: Context, ectx: EmulatorContext, chat: EmChat): boolean {
  if (chat.disbanded) {
    larkError(ctx, 400, 232009, 'Your request specified a chat which has been dissolved.');
    return false;
  }
  if (chat.chat_type === 'group' && !chat.bot_present) {
    larkError(ctx, 400, 230002, 'Bot/User can NOT be out of the chat.');
    return false;
  }
  if (chat.chat_type === 'p2p') {
    const user = ectx.state.users.get(chat.p2p_open_id ?? '');
    if (!user || !user.available) {
      larkError(ctx, 400, 230013, "Bot has NO availability to this user.");
      return false;
    }
  }
  return true;
}

export function resolveReceiver(ctx: Context, ectx: EmulatorContext, idType: string, id: unknown):
  { chat: EmChat; user?: EmUser } | undefined {
  if (typeof id !== 'string' || id === '') {
    larkError(ctx, 400, 230001, invalid('receive_id is required'));
    return undefined;
  }
  if (idType === 'chat_id') {
    const chat = ectx.state.chats.get(id);
    if (!chat) {
      larkError(ctx, 400, 230001, invalid('invalid receive_id'));
      return undefined;
    }
    return checkChatWritable(ctx, ectx, chat) ? { chat } : undefined;
  }
  if (!['open_id', 'union_id', 'user_id', 'email'].includes(idType)) {
    larkError(ctx, 400, 230001, invalid('invalid receive_id_type'));
    return undefined;
  }
  const user = ectx.state.findUser(id, idType);
  if (!user) {
    larkError(ctx, 400, 230001, invalid('invalid receive_id'));
    return undefined;
  }
  if (!user.available) {
    larkError(ctx, 400, 230013, 'Bot has NO availability to this user.');
    return undefined;
  }
  return { chat: ectx.state.p2pChat(user), user };
}

/** The message object of the IM v1 APIs (docs/lark-notes.md §2.1). */
export function messageView(ectx: EmulatorContext, m: EmMessage): Record<string, unknown> {
  return {
    message_id: m.message_id,
    root_id: m.root_id ?? '',
    parent_id: m.parent_id ?? '',
    thread_id: '',
    msg_type: m.msg_type,
    create_time: String(m.create_time),
    update_time: String(m.update_time),
    deleted: m.deleted,
    updated: m.update_count > 0,
    chat_id: m.chat_id,
    sender: m.sender_type === 'app'
      ? { id: ectx.options.appId, id_type: 'app_id', sender_type: 'app', tenant_key: ectx.options.tenantKey }
      : { id: m.sender_id, id_type: 'open_id', sender_type: 'user', tenant_key: ectx.options.tenantKey },
    body: { content: m.content },
    mentions: m.mentions.map((x) => ({ key: x.key, id: x.open_id, id_type: 'open_id', name: x.name, tenant_key: ectx.options.tenantKey })),
  };
}

export { invalid as invalidParam };
