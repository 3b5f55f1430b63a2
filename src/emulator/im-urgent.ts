// Urgent (加急) notices on a message the bot sent: PATCH /open-apis/im/v1/messages/:id/urgent_app,
// urgent_sms, urgent_phone (docs/lark-notes.md "Urgent notices"). The checks run in the order a
// caller can fix them: frequency (per API, 50/s and 1000/min), the message, the app's scope, who
// sent it (230012), the bot's place in the chat (230002), the request, the tenant's SMS/phone
// quota (230024) and each person's 200 unread notices (230023). People who are not in the
// message's chat are answered in invalid_user_id_list and not urged.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { EmulatorContext } from './context.ts';
import { body, larkError, ok, requireToken } from './http-util.ts';
import { appLimit, invalidParam } from './im-common.ts';
import { initialScopes } from './options.ts';
import type { EmChat, EmUser, UrgentKind } from './state.ts';

/** The scope each kind needs (any one of the historical names would do at Lark; we model the current one). */
export const URGENT_SCOPES: Record<UrgentKind, string> = {
  app: 'im:message.urgent',
  sms: 'im:message.urgent:sms',
  phone: 'im:message.urgent:phone',
};

/** Unread urgent notices a person may hold before Lark refuses more (230023). */
export const MAX_UNREAD_URGENTS = 200;

const KINDS: readonly UrgentKind[] = ['app', 'sms', 'phone'];

/** Scopes and urgent quota as the options set them: at start and after POST /__emulator/reset. */
export function applyTenantDefaults(ectx: EmulatorContext): void {
  ectx.state.scopes.clear();
  ectx.state.scopesAsked.clear();
  for (const s of initialScopes(ectx.options)) ectx.state.grantScope(s);
  ectx.state.urgentQuota = ectx.options.urgentQuota;
}

export function registerImUrgent(router: Router, ectx: EmulatorContext): void {
  for (const kind of KINDS) {
    router.patch(`/open-apis/im/v1/messages/:message_id/urgent_${kind}`, async (ctx) => urgent(ctx, ectx, kind));
  }
}

function urgent(ctx: Context, ectx: EmulatorContext, kind: UrgentKind): void {
  const { state } = ectx;
  if (!requireToken(ctx, ectx, ['tenant'])) return;
  const api = `im.message.urgent_${kind}`;
  ectx.stats.call(api);
  if (!appLimit(ctx, ectx, api)) return;
  const msg = state.messages.get(ctx.params.message_id);
  if (!msg) return larkError(ctx, 400, 230001, invalidParam('invalid message_id'));
  const scope = URGENT_SCOPES[kind];
  if (!state.scopes.has(scope)) {
    return larkError(ctx, 400, 99991672, `Access denied. One of the following scopes is required: [${scope}].`);
  }
  if (msg.deleted) return larkError(ctx, 400, 230011, 'The message was withdrawn.');
  if (msg.sender_type !== 'app') return larkError(ctx, 400, 230012, 'The bot can only send urgent notices for messages it sent itself.');
  const chat = state.chats.get(msg.chat_id);
  if (!chat || chat.disbanded) return larkError(ctx, 400, 232009, 'Your request specified a chat which has been dissolved.');
  if (chat.chat_type === 'group' && !chat.bot_present) return larkError(ctx, 400, 230002, 'Bot/User can NOT be out of the chat.');
  const idType = String(ctx.query.user_id_type ?? '');
  if (!['open_id', 'union_id', 'user_id'].includes(idType)) {
    return larkError(ctx, 400, 230001, invalidParam('user_id_type is required: open_id, union_id or user_id'));
  }
  const list = body(ctx).user_id_list;
  if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === 'string' && x)) {
    return larkError(ctx, 400, 230001, invalidParam('user_id_list must be a non-empty list of user ids'));
  }
  const invalid: string[] = [];
  const targets: EmUser[] = [];
  for (const id of list as string[]) {
    const user = state.findUser(id, idType);
    if (user && inChat(chat, user) && !targets.includes(user)) targets.push(user);
    else if (!user || !inChat(chat, user)) invalid.push(id);
  }
  if (kind !== 'app' && targets.length > state.urgentQuota) {
    return larkError(ctx, 400, 230024, 'The tenant urgent quota is exhausted (SMS/phone urgent notices).');
  }
  if (targets.some((u) => unread(ectx, u.open_id) >= MAX_UNREAD_URGENTS)) {
    return larkError(ctx, 400, 230023, `The user has more than ${MAX_UNREAD_URGENTS} unread urgent messages.`);
  }
  if (kind !== 'app') state.urgentQuota -= targets.length;
  for (const u of targets) state.addUrgent(msg, u.open_id, kind);
  ok(ctx, { invalid_user_id_list: invalid });
}

function inChat(chat: EmChat, user: EmUser): boolean {
  return chat.chat_type === 'p2p' ? chat.p2p_open_id === user.open_id : chat.members.has(user.open_id);
}

function unread(ectx: EmulatorContext, openId: string): number {
  let n = 0;
  for (const u of ectx.state.urgents) if (u.open_id === openId) n++;
  return n;
}
