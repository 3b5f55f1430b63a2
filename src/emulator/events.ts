// Schema 2.0 envelopes exactly as Lark pushes them (docs/lark-notes.md §3). The SDK flattens
// {schema, ...header, ...event} for handlers, so field names here are the public contract.
import { newCardToken, newEventId } from './ids.ts';
import type { EmChat, EmMessage, EmUser, EmulatorState } from './state.ts';
import type { EmulatorOptions } from './options.ts';

export interface Envelope {
  schema: '2.0';
  header: {
    event_id: string;
    event_type: string;
    create_time: string;
    token: string;
    app_id: string;
    tenant_key: string;
  };
  event: Record<string, unknown>;
}

type Opts = Pick<EmulatorOptions, 'appId' | 'tenantKey' | 'verificationToken'>;

function envelope(opts: Opts, eventType: string, event: Record<string, unknown>, createTime: string): Envelope {
  return {
    schema: '2.0',
    header: {
      event_id: newEventId(),
      event_type: eventType,
      create_time: createTime,
      token: opts.verificationToken,
      app_id: opts.appId,
      tenant_key: opts.tenantKey,
    },
    event,
  };
}

const userIds = (u: EmUser) => ({ union_id: u.union_id, user_id: u.user_id, open_id: u.open_id });

export function messageReceived(opts: Opts, sender: EmUser, msg: EmMessage): Envelope {
  return envelope(opts, 'im.message.receive_v1', {
    sender: { sender_id: userIds(sender), sender_type: 'user', tenant_key: opts.tenantKey },
    message: {
      message_id: msg.message_id,
      root_id: msg.root_id ?? '',
      parent_id: msg.parent_id ?? '',
      create_time: String(msg.create_time),
      update_time: String(msg.update_time),
      chat_id: msg.chat_id,
      chat_type: msg.chat_type,
      message_type: msg.msg_type,
      content: msg.content,
      mentions: msg.mentions.map((m) => ({
        key: m.key,
        id: { union_id: m.union_id, user_id: m.user_id, open_id: m.open_id },
        name: m.name,
        tenant_key: opts.tenantKey,
      })),
      user_agent: 'Mozilla/5.0 (Hark Lark emulator)',
    },
  }, String(msg.create_time));
}

/** application.bot.menu_v6: a bot-menu item pushed its event (docs/lark-notes.md "Bot menu"); timestamp in seconds. */
export function botMenuEvent(opts: Opts, operator: EmUser, eventKey: string): Envelope {
  const now = Date.now();
  return envelope(opts, 'application.bot.menu_v6', {
    operator: { operator_name: operator.name, operator_id: userIds(operator) },
    event_key: eventKey,
    timestamp: Math.floor(now / 1000),
  }, String(now));
}

/**
 * im.message.message_read_v1 (docs/lark-notes.md "Read receipts"): a person read messages the bot
 * sent them in their private chat; read_time is a string of ms, and there is no chat_id.
 */
export function messageReadEvent(opts: Opts, reader: EmUser, messageIds: string[], readTime: number): Envelope {
  return envelope(opts, 'im.message.message_read_v1', {
    reader: { reader_id: userIds(reader), read_time: String(readTime), tenant_key: opts.tenantKey },
    message_id_list: messageIds,
  }, String(readTime));
}

/** im.chat.member.bot.added_v1 / deleted_v1 / im.chat.disbanded_v1 share one body (docs/lark-notes.md §3.3).
 *  `name` is the chat's name (the doc's reading; the SDK comment disagrees; docs/lark-notes.md §3.3). */
export function chatEvent(opts: Opts, state: EmulatorState,
  type: 'im.chat.member.bot.added_v1' | 'im.chat.member.bot.deleted_v1' | 'im.chat.disbanded_v1',
  chat: EmChat, operator: EmUser | undefined): Envelope {
  return envelope(opts, type, {
    chat_id: chat.chat_id,
    operator_id: operator ? userIds(operator) : { union_id: '', user_id: '', open_id: '' },
    external: false,
    operator_tenant_key: opts.tenantKey,
    name: chat.name,
    i18n_names: { zh_cn: chat.name, en_us: chat.name, ja_jp: chat.name },
  }, String(state.now()));
}

export interface ClickAction {
  value?: unknown;
  tag?: string;
  name?: string;
  option?: string;
  options?: string[];
  form_value?: Record<string, unknown>;
  input_value?: string;
  checked?: boolean;
  timezone?: string;
}

/** card.action.trigger (docs/lark-notes.md §3.5): event.token is the c- delayed-update token; create_time in µs. */
export function cardAction(opts: Opts, state: EmulatorState, operator: EmUser, msg: EmMessage,
  action: ClickAction): { envelope: Envelope; cardToken: string } {
  const cardToken = newCardToken();
  const act: Record<string, unknown> = { value: action.value, tag: action.tag ?? 'button' };
  for (const k of ['name', 'option', 'options', 'form_value', 'input_value', 'checked', 'timezone'] as const) {
    if (action[k] !== undefined) act[k] = action[k];
  }
  const env = envelope(opts, 'card.action.trigger', {
    operator: { tenant_key: opts.tenantKey, ...userIds(operator) },
    token: cardToken,
    action: act,
    host: 'im_message',
    context: { open_message_id: msg.message_id, open_chat_id: msg.chat_id },
  }, String(state.now() * 1000));
  return { envelope: env, cardToken };
}
