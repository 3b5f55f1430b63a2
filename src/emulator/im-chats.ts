// Chats, bot identity, contact lookup and the delayed card update (docs/lark-notes.md §2.4–2.7).
import type Router from '@koa/router';
import { validateCard } from './card-validate.ts';
import type { EmulatorContext } from './context.ts';
import { body, larkError, logId, ok, requireToken } from './http-util.ts';
import { invalidParam } from './im-common.ts';
import type { EmChat, EmUser } from './state.ts';

/** Delayed-update tokens: 30 min, 2 uses (Feishu doc; an older Lark doc says 3), docs/lark-notes.md §2.4. */
export const CARD_TOKEN_TTL_MS = 30 * 60_000;
export const CARD_TOKEN_USES = 2;

export function registerImChats(router: Router, ectx: EmulatorContext): void {
  router.get('/open-apis/im/v1/chats', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant'])) return;
    ectx.stats.call('im.chat.list');
    const size = Math.min(100, Math.max(1, Number(ctx.query.page_size) || 20));
    const start = ctx.query.page_token ? Number(Buffer.from(String(ctx.query.page_token), 'base64url').toString()) : 0;
    if (!Number.isInteger(start) || start < 0) return larkError(ctx, 400, 230001, invalidParam('invalid page_token'));
    // Only group chats the bot is in; p2p chats are never listed (docs/lark-notes.md §2.5).
    let chats = [...ectx.state.chats.values()].filter((c) => c.chat_type === 'group' && c.bot_present && !c.disbanded);
    chats.sort((a, b) => a.create_time - b.create_time);
    if (ctx.query.sort_type === 'ByActiveTimeDesc') chats = chats.reverse();
    const page = chats.slice(start, start + size);
    const hasMore = start + size < chats.length;
    ok(ctx, {
      items: page.map((c) => chatSummary(ectx, c)),
      page_token: hasMore ? Buffer.from(String(start + size)).toString('base64url') : '',
      has_more: hasMore,
    });
  });

  router.get('/open-apis/im/v1/chats/:chat_id', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant'])) return;
    ectx.stats.call('im.chat.get');
    const chat = ectx.state.chats.get(ctx.params.chat_id);
    if (!chat) return larkError(ctx, 400, 230001, invalidParam('invalid chat_id'));
    if (chat.disbanded) return larkError(ctx, 400, 232009, 'Your request specified a chat which has been dissolved.');
    // Lark's exact code here is not documented (docs/lark-notes.md §8.5); 230002 carries the right meaning.
    if (!chat.bot_present) return larkError(ctx, 400, 230002, 'Bot/User can NOT be out of the chat.');
    ok(ctx, {
      ...chatSummary(ectx, chat),
      chat_mode: 'group',
      chat_type: 'private',
      chat_tag: 'inner',
      group_message_type: 'chat',
      user_count: String(chat.members.size),
      bot_count: String(chat.bot_present ? 1 : 0),
      i18n_names: { zh_cn: chat.name, en_us: chat.name },
    });
  });

  router.get('/open-apis/bot/v3/info', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant'])) return;
    ectx.stats.call('bot.info');
    logId(ctx);
    // Top-level `bot`, no `data` (docs/lark-notes.md §2.6).
    ctx.body = {
      code: 0,
      msg: 'ok',
      bot: {
        activate_status: 2,
        app_name: ectx.state.bot.name,
        avatar_url: '',
        ip_white_list: [],
        open_id: ectx.state.bot.open_id,
      },
    };
  });

  router.get('/open-apis/contact/v3/users/:user_id', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant', 'user'])) return;
    ectx.stats.call('contact.user.get');
    const idType = String(ctx.query.user_id_type ?? 'open_id');
    const user = ectx.state.findUser(ctx.params.user_id, idType);
    if (!user) return larkError(ctx, 400, 41050, 'no user authority error');
    ok(ctx, { user: contactUser(ectx, user) });
  });

  router.post('/open-apis/interactive/v1/card/update', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant'])) return;
    ectx.stats.call('interactive.card.update');
    const b = body(ctx);
    const rec = typeof b.token === 'string' ? ectx.state.cardTokens.get(b.token) : undefined;
    // Error code for a bad/expired/used token is not documented; 230001 is our choice.
    if (!rec || rec.expires_at <= ectx.state.now() || rec.uses >= CARD_TOKEN_USES) {
      return larkError(ctx, 400, 230001, invalidParam('token is invalid, expired (30 min) or used up (2 uses)'));
    }
    if (typeof b.card !== 'object' || b.card === null) return larkError(ctx, 400, 230001, invalidParam('card is required'));
    const cardErr = validateCard(b.card);
    if (cardErr) return larkError(ctx, 400, cardErr.code, cardErr.msg);
    const msg = ectx.state.messages.get(rec.message_id);
    if (!msg) return larkError(ctx, 400, 230001, invalidParam('message of this token no longer exists'));
    rec.uses += 1;
    const { open_ids: _ignored, ...card } = b.card as Record<string, unknown>;
    ectx.state.updateMessageContent(msg, JSON.stringify(card));
    ectx.stats.cardUpdated();
    ok(ctx, {});
  });
}

export function chatSummary(ectx: EmulatorContext, c: EmChat): Record<string, unknown> {
  return {
    chat_id: c.chat_id,
    avatar: '',
    name: c.name,
    description: c.description,
    owner_id: c.owner_id,
    owner_id_type: 'open_id',
    external: false,
    tenant_key: ectx.options.tenantKey,
    chat_status: c.disbanded ? 'dissolved' : 'normal',
  };
}

export function contactUser(ectx: EmulatorContext, u: EmUser): Record<string, unknown> {
  return {
    open_id: u.open_id,
    union_id: u.union_id,
    user_id: u.user_id,
    name: u.name,
    en_name: u.name,
    nickname: u.name,
    email: u.email ?? '',
    enterprise_email: u.email ?? '',
    mobile: '',
    tenant_key: ectx.options.tenantKey,
    status: { is_activated: true, is_frozen: false, is_resigned: false },
    avatar: { avatar_72: '', avatar_240: '', avatar_640: '', avatar_origin: '' },
  };
}
