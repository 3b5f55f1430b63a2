// Send, reply, patch and get (docs/lark-notes.md §2.1–2.3).
import type Router from '@koa/router';
import type { Context } from 'koa';
import { isSharedCard, validateContent } from './card-validate.ts';
import type { EmulatorContext } from './context.ts';
import { body, larkError, ok, requireToken } from './http-util.ts';
import { appLimit, chatLimit, checkChatWritable, invalidParam, messageView, resolveReceiver } from './im-common.ts';
import type { EmChat, EmMessage } from './state.ts';

const PATCH_WINDOW_MS = 14 * 86_400_000;

export function registerImMessages(router: Router, ectx: EmulatorContext): void {
  router.post('/open-apis/im/v1/messages', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant'])) return;
    ectx.stats.call('im.message.create');
    if (!appLimit(ctx, ectx, 'im.message.create')) return;
    const b = body(ctx);
    const idType = String(ctx.query.receive_id_type ?? '');
    if (!idType) return larkError(ctx, 400, 230001, invalidParam('receive_id_type is required'));
    if (!checkUuid(ctx, b.uuid)) return;
    // Same uuid within 1 h → at most one message; we answer with the original (docs/lark-notes.md §2.1, §8.1: our choice).
    const dup = b.uuid ? ectx.state.messageForUuid(b.uuid) : undefined;
    if (dup) return ok(ctx, messageView(ectx, dup));
    const target = resolveReceiver(ctx, ectx, idType, b.receive_id);
    if (!target) return;
    const err = validateContent(b.msg_type, b.content);
    if (err) return larkError(ctx, 400, err.code, err.msg);
    if (!chatLimit(ctx, ectx, target.chat)) return;
    const msg = create(ectx, target.chat, { receive_id: String(b.receive_id), receive_id_type: idType, msg_type: b.msg_type, content: b.content, uuid: b.uuid });
    ok(ctx, messageView(ectx, msg));
  });

  router.post('/open-apis/im/v1/messages/:message_id/reply', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant'])) return;
    ectx.stats.call('im.message.reply');
    if (!appLimit(ctx, ectx, 'im.message.reply')) return;
    const b = body(ctx);
    if (!checkUuid(ctx, b.uuid)) return;
    const dup = b.uuid ? ectx.state.messageForUuid(b.uuid) : undefined;
    if (dup) return ok(ctx, messageView(ectx, dup));
    const parent = ectx.state.messages.get(ctx.params.message_id);
    if (!parent) return larkError(ctx, 400, 230001, invalidParam('invalid message_id'));
    if (parent.deleted) return larkError(ctx, 400, 230011, 'The message was withdrawn.');
    const chat = ectx.state.chats.get(parent.chat_id)!;
    if (!checkChatWritable(ctx, ectx, chat)) return;
    const err = validateContent(b.msg_type, b.content);
    if (err) return larkError(ctx, 400, err.code, err.msg);
    if (!chatLimit(ctx, ectx, chat)) return;
    const msg = create(ectx, chat, {
      receive_id: chat.chat_id, receive_id_type: 'chat_id', msg_type: b.msg_type, content: b.content, uuid: b.uuid,
      parent_id: parent.message_id, root_id: parent.root_id || parent.message_id,
    });
    ok(ctx, messageView(ectx, msg));
  });

  router.patch('/open-apis/im/v1/messages/:message_id', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant'])) return;
    ectx.stats.call('im.message.patch');
    if (!appLimit(ctx, ectx, 'im.message.patch')) return;
    const msg = ectx.state.messages.get(ctx.params.message_id);
    if (!checkPatchable(ctx, ectx, msg)) return;
    const b = body(ctx);
    const err = validateContent('interactive', b.content);
    if (err) return larkError(ctx, 400, err.code, err.msg);
    if (!isSharedCard(msg.content) || !isSharedCard(b.content)) {
      return larkError(ctx, 400, 230001, invalidParam('only shared cards (config.update_multi=true) can be updated'));
    }
    const { messagePatchPerSecond } = ectx.state.rateLimits;
    if (!perMessage(ctx, ectx, msg, messagePatchPerSecond)) return;
    ectx.state.updateMessageContent(msg, b.content);
    ectx.stats.patched(ectx.state.now());
    ok(ctx, {});
  });

  router.get('/open-apis/im/v1/messages/:message_id', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant'])) return;
    ectx.stats.call('im.message.get');
    const msg = ectx.state.messages.get(ctx.params.message_id);
    if (!msg) return larkError(ctx, 400, 230001, invalidParam('invalid message_id'));
    const chat = ectx.state.chats.get(msg.chat_id);
    if (chat && chat.chat_type === 'group' && !chat.bot_present) {
      return larkError(ctx, 400, 230002, 'Bot/User can NOT be out of the chat.');
    }
    ok(ctx, { items: [messageView(ectx, msg)] });
  });
}

function checkUuid(ctx: Context, uuid: unknown): boolean {
  if (uuid === undefined || uuid === null || uuid === '') return true;
  if (typeof uuid === 'string' && uuid.length <= 50) return true;
  larkError(ctx, 400, 230001, invalidParam('uuid must be a string of at most 50 characters'));
  return false;
}

/** Only the bot's own interactive messages, not recalled, sent within 14 days (docs/lark-notes.md §2.3). */
export function checkPatchable(ctx: Context, ectx: EmulatorContext, msg: EmMessage | undefined): msg is EmMessage {
  if (!msg) {
    larkError(ctx, 400, 230001, invalidParam('invalid message_id'));
    return false;
  }
  if (msg.deleted) {
    larkError(ctx, 400, 230011, 'The message was withdrawn.');
    return false;
  }
  if (msg.sender_type !== 'app') {
    larkError(ctx, 400, 230027, 'Lack of necessary permissions: the bot can only update its own messages.');
    return false;
  }
  if (msg.msg_type !== 'interactive') {
    larkError(ctx, 400, 230001, invalidParam('only interactive messages can be updated'));
    return false;
  }
  if (ectx.state.now() - msg.create_time > PATCH_WINDOW_MS) {
    larkError(ctx, 400, 230031, 'The message has been sent for more than 14 days and cannot be updated.');
    return false;
  }
  return true;
}

function perMessage(ctx: Context, ectx: EmulatorContext, msg: EmMessage, limit: number): boolean {
  if (!ectx.windows.take(`msg:${msg.message_id}`, limit, 1000, ectx.state.now())) return true;
  ectx.stats.limited('230020');
  larkError(ctx, 400, 230020, 'This operation triggers the frequency limit.');
  return false;
}

function create(ectx: EmulatorContext, chat: EmChat, m: {
  receive_id: string; receive_id_type: string; msg_type: string; content: string; uuid?: string;
  parent_id?: string; root_id?: string;
}): EmMessage {
  const msg = ectx.state.addMessage({
    chat_id: chat.chat_id,
    chat_type: chat.chat_type,
    receive_id: m.receive_id,
    receive_id_type: m.receive_id_type,
    msg_type: m.msg_type,
    content: m.content,
    uuid: m.uuid || undefined,
    parent_id: m.parent_id,
    root_id: m.root_id,
    sender_type: 'app',
    sender_id: ectx.options.appId,
    mentions: [],
  });
  ectx.stats.created(ectx.state.now());
  return msg;
}
