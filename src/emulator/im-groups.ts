// Group chats the app makes and runs (docs/lark-notes.md §13):
// create a group (uuid dedup), add members (invalid_id_list), pin / unpin / list pins. Errors and
// frequency limits as documented there; the emulator's own choices where Lark's documentation is
// silent are marked so in that section.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { EmulatorContext } from './context.ts';
import { chatEvent } from './events.ts';
import { body, larkError, ok, requireToken } from './http-util.ts';
import { appLimit, checkChatWritable } from './im-common.ts';
import type { EmChat, EmUser } from './state.ts';

/** Same uuid within 10 hours → at most one group is created. */
export const CHAT_UUID_WINDOW_MS = 10 * 3600_000;
/** Group names longer than this are refused (our reading; docs/lark-notes.md §13). */
export const CHAT_NAME_MAX = 60;

const invalid = (ext: string) => `invalid request parameter, ext=${ext}`;

function idTypeOf(ctx: Context, key: string): string | undefined {
  const t = String(ctx.query[key] ?? 'open_id');
  if (['open_id', 'union_id', 'user_id'].includes(t)) return t;
  larkError(ctx, 400, 232001, invalid(`${key} must be open_id, union_id or user_id`));
  return undefined;
}

function stringList(v: unknown): string[] | null {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) return null;
  return v as string[];
}

export function registerImGroups(router: Router, ectx: EmulatorContext): void {
  const { state } = ectx;

  router.post('/open-apis/im/v1/chats', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant'])) return;
    ectx.stats.call('im.chat.create');
    if (!appLimit(ctx, ectx, 'im.chat.create')) return;
    const idType = idTypeOf(ctx, 'user_id_type');
    if (!idType) return;
    const uuid = ctx.query.uuid === undefined ? undefined : String(ctx.query.uuid);
    if (uuid !== undefined && (uuid === '' || uuid.length > 50)) return larkError(ctx, 400, 232001, invalid('uuid must be 1 to 50 characters'));
    if (uuid) {
      const hit = state.chatUuids.get(uuid);
      if (hit && state.now() - hit.at <= CHAT_UUID_WINDOW_MS) {
        const chat = state.chats.get(hit.chat_id);
        // The group that this uuid already created (emulator choice: Lark's answer to a repeat is undocumented).
        if (chat) return ok(ctx, createdView(ectx, chat));
      }
    }
    const b = body(ctx);
    const name = typeof b.name === 'string' ? b.name : '';
    if ([...name].length > CHAT_NAME_MAX) return larkError(ctx, 400, 232001, invalid(`name is longer than ${CHAT_NAME_MAX} characters`));
    const userIds = stringList(b.user_id_list);
    const botIds = stringList(b.bot_id_list);
    if (!userIds || !botIds) return larkError(ctx, 400, 232001, invalid('user_id_list and bot_id_list must be arrays of ids'));
    const users: EmUser[] = [];
    for (const id of userIds) {
      const u = state.findUser(id, idType);
      if (!u) return larkError(ctx, 400, 232001, invalid(`user ${id} does not exist`));
      // A bot cannot put people it cannot see into a new group: the whole request fails.
      if (!u.available) return larkError(ctx, 400, 232043, `The user ${id} is outside the app's availability; no group was created.`);
      users.push(u);
    }
    let owner: EmUser | undefined;
    if (typeof b.owner_id === 'string' && b.owner_id) {
      owner = state.findUser(b.owner_id, idType);
      if (!owner) return larkError(ctx, 400, 232001, invalid('owner_id does not exist'));
    }
    const chat = state.addChat({
      name,
      description: typeof b.description === 'string' ? b.description : '',
      members: [...new Set([...(owner ? [owner.open_id] : []), ...users.map((u) => u.open_id)])],
      bot_present: true,
      owner_id: owner?.open_id ?? state.bot.open_id,
    });
    if (uuid) state.chatUuids.set(uuid, { chat_id: chat.chat_id, at: state.now() });
    // The bot is in the group it made: Lark tells the app with the bot-added event; the operator
    // is the owner when one was named, else the app itself (empty ids).
    ectx.emitEvent(chatEvent(ectx.options, state, 'im.chat.member.bot.added_v1', chat, owner));
    ok(ctx, createdView(ectx, chat));
  });

  router.post('/open-apis/im/v1/chats/:chat_id/members', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant'])) return;
    ectx.stats.call('im.chat.members.create');
    if (!appLimit(ctx, ectx, 'im.chat.members.create')) return;
    const chat = state.chats.get(ctx.params.chat_id);
    if (!chat || chat.chat_type !== 'group') return larkError(ctx, 400, 232001, invalid('invalid chat_id'));
    if (chat.disbanded) return larkError(ctx, 400, 232009, 'Your request specified a chat which has been dissolved.');
    if (!chat.bot_present) return larkError(ctx, 400, 232011, 'The operator (the bot) is NOT in the chat.');
    const idType = idTypeOf(ctx, 'member_id_type');
    if (!idType) return;
    const succeedType = Number(ctx.query.succeed_type ?? 0);
    if (![0, 1, 2].includes(succeedType)) return larkError(ctx, 400, 232001, invalid('succeed_type must be 0, 1 or 2'));
    const ids = stringList(body(ctx).id_list);
    if (!ids || ids.length === 0) return larkError(ctx, 400, 232001, invalid('id_list must be a non-empty array of ids'));
    const invalidIds: string[] = [];
    const missing: string[] = [];
    const add: EmUser[] = [];
    for (const id of ids) {
      const u = state.findUser(id, idType);
      if (!u) missing.push(id);
      else if (!u.available) invalidIds.push(id);
      else add.push(u);
    }
    // succeed_type 1: add who can be added and list the rest; 0 and 2: any unusable id fails the call.
    if (succeedType !== 1 && (invalidIds.length || missing.length)) {
      return larkError(ctx, 400, 232024, `Users outside the app's availability or unknown: ${[...invalidIds, ...missing].join(', ')}`);
    }
    for (const u of add) chat.members.add(u.open_id);
    if (add.length) state.emit('chat.updated', chat);
    ok(ctx, { invalid_id_list: invalidIds, not_existed_id_list: missing, pending_approval_id_list: [] });
  });

  router.post('/open-apis/im/v1/pins', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant'])) return;
    ectx.stats.call('im.pin.create');
    if (!appLimit(ctx, ectx, 'im.pin.create')) return;
    const b = body(ctx);
    const msg = typeof b.message_id === 'string' ? state.messages.get(b.message_id) : undefined;
    if (!msg) return larkError(ctx, 400, 230001, invalid('invalid message_id'));
    if (msg.deleted) return larkError(ctx, 400, 230011, 'The message was withdrawn.');
    const chat = state.chats.get(msg.chat_id)!;
    if (!checkChatWritable(ctx, ectx, chat)) return;
    // Pinning a pinned message answers with the existing pin (emulator choice).
    let pin = chat.pins.find((p) => p.message_id === msg.message_id);
    if (!pin) {
      pin = { message_id: msg.message_id, at: state.now() };
      chat.pins.unshift(pin);
      state.emit('chat.updated', chat);
    }
    ok(ctx, { pin: pinView(ectx, chat, pin) });
  });

  router.delete('/open-apis/im/v1/pins/:message_id', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant'])) return;
    ectx.stats.call('im.pin.delete');
    if (!appLimit(ctx, ectx, 'im.pin.delete')) return;
    const msg = state.messages.get(ctx.params.message_id);
    if (!msg) return larkError(ctx, 400, 230001, invalid('invalid message_id'));
    const chat = state.chats.get(msg.chat_id)!;
    if (!checkChatWritable(ctx, ectx, chat)) return;
    const i = chat.pins.findIndex((p) => p.message_id === msg.message_id);
    if (i >= 0) {
      chat.pins.splice(i, 1);
      state.emit('chat.updated', chat);
    }
    ok(ctx, {});
  });

  router.get('/open-apis/im/v1/pins', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant'])) return;
    ectx.stats.call('im.pin.list');
    const chat = state.chats.get(String(ctx.query.chat_id ?? ''));
    if (!chat) return larkError(ctx, 400, 230001, invalid('invalid chat_id'));
    if (!checkChatWritable(ctx, ectx, chat)) return;
    ok(ctx, { items: chat.pins.map((p) => pinView(ectx, chat, p)), has_more: false, page_token: '' });
  });
}

function pinView(ectx: EmulatorContext, chat: EmChat, pin: EmChat['pins'][number]): Record<string, unknown> {
  return {
    message_id: pin.message_id,
    chat_id: chat.chat_id,
    operator_id: ectx.options.appId,
    operator_id_type: 'app_id',
    create_time: String(pin.at),
  };
}

function createdView(ectx: EmulatorContext, c: EmChat): Record<string, unknown> {
  return {
    chat_id: c.chat_id,
    avatar: '',
    name: c.name,
    description: c.description,
    i18n_names: { zh_cn: c.name, en_us: c.name, ja_jp: c.name },
    owner_id: c.owner_id === ectx.state.bot.open_id ? '' : c.owner_id,
    owner_id_type: 'open_id',
    urgent_setting: 'all_members',
    video_conference_setting: 'all_members',
    pin_manage_setting: 'all_members',
    add_member_permission: 'all_members',
    share_card_permission: 'allowed',
    at_all_permission: 'all_members',
    edit_permission: 'all_members',
    group_message_type: 'chat',
    chat_mode: 'group',
    chat_type: 'private',
    chat_tag: 'inner',
    external: false,
    tenant_key: ectx.options.tenantKey,
    join_message_visibility: 'all_members',
    leave_message_visibility: 'all_members',
    membership_approval: 'no_approval_required',
    moderation_permission: 'all_members',
  };
}
