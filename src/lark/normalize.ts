import type { InboundEvent } from '../bot/events.ts';

/**
 * Raw SDK handler arguments → neutral events. The SDK flattens `{schema, ...header, ...event}` with
 * event keys winning (docs/lark-notes.md §3.1, §0.12: in card callbacks `token` is the card update token).
 * Returns null for shapes we do not act on; the caller logs them.
 */
export function normalizeEvent(eventType: string, data: any, botOpenId: string | null): InboundEvent | null {
  const eventId = String(data?.event_id ?? data?.uuid ?? '');
  switch (eventType) {
    case 'im.message.receive_v1': {
      const m = data?.message;
      if (!m?.message_id || !m?.chat_id) return null;
      const mentions: any[] = Array.isArray(m.mentions) ? m.mentions : [];
      let text = '';
      if (m.message_type === 'text') {
        try {
          text = String(JSON.parse(m.content ?? '{}').text ?? '');
        } catch {
          text = '';
        }
      }
      // @_user_N placeholders map to mentions[].key (docs/lark-notes.md §3.2); drop them all from the command text.
      for (const mention of mentions) if (mention?.key) text = text.split(mention.key).join(' ');
      const mentionsBot = mentions.some((x) => botOpenId && x?.id?.open_id === botOpenId);
      return {
        kind: 'message',
        eventId,
        messageId: m.message_id,
        chatId: m.chat_id,
        chatType: m.chat_type === 'p2p' ? 'p2p' : 'group',
        senderOpenId: String(data?.sender?.sender_id?.open_id ?? ''),
        senderUnionId: data?.sender?.sender_id?.union_id ?? null,
        text: text.replace(/\s+/g, ' ').trim(),
        mentionsBot,
        parentId: m.parent_id || null,
        rootId: m.root_id || null,
        mentions: mentions
          .filter((x) => x?.id?.open_id && x.id.open_id !== botOpenId)
          .map((x) => ({ openId: String(x.id.open_id), name: String(x.name ?? '') })),
        createTime: Number(m.create_time) || Date.now(),
      };
    }
    case 'card.action.trigger': {
      const action = data?.action ?? {};
      return {
        kind: 'card_action',
        eventId,
        operatorOpenId: String(data?.operator?.open_id ?? ''),
        operatorUnionId: data?.operator?.union_id ?? null,
        value: action.value ?? null,
        name: action.name ?? null,
        option: action.option ?? null,
        formValue: action.form_value ?? null,
        inputValue: typeof action.input_value === 'string' ? action.input_value : null,
        messageId: data?.context?.open_message_id ?? null,
        chatId: data?.context?.open_chat_id ?? null,
        updateToken: typeof data?.token === 'string' && data.token.startsWith('c-') ? data.token : null,
      };
    }
    case 'im.chat.member.bot.added_v1':
    case 'im.chat.member.bot.deleted_v1':
    case 'im.chat.disbanded_v1': {
      if (!data?.chat_id) return null;
      return {
        kind: 'membership',
        eventId,
        change:
          eventType === 'im.chat.member.bot.added_v1'
            ? 'bot_added'
            : eventType === 'im.chat.member.bot.deleted_v1'
              ? 'bot_removed'
              : 'chat_disbanded',
        chatId: data.chat_id,
        operatorOpenId: data?.operator_id?.open_id ?? null,
        name: data?.name ?? null,
      };
    }
    case 'application.bot.menu_v6': {
      const openId = data?.operator?.operator_id?.open_id;
      if (!openId || typeof data?.event_key !== 'string') return null;
      return { kind: 'menu', eventId, operatorOpenId: String(openId), eventKey: data.event_key };
    }
    case 'im.message.message_read_v1': {
      const openId = data?.reader?.reader_id?.open_id;
      const ids: unknown[] = Array.isArray(data?.message_id_list) ? data.message_id_list : [];
      if (!openId || ids.length === 0) return null;
      return {
        kind: 'read',
        eventId,
        readerOpenId: String(openId),
        messageIds: ids.map(String),
        readAt: Number(data?.reader?.read_time) || Date.now(),
      };
    }
    default:
      return null;
  }
}

/** The events Hark subscribes to (README "Connect a real Lark app", step 3). */
export const SUBSCRIBED_EVENTS = [
  'im.message.receive_v1',
  'im.chat.member.bot.added_v1',
  'im.chat.member.bot.deleted_v1',
  'im.chat.disbanded_v1',
  'card.action.trigger',
  // Issue 25: the bot's menu in its private chat (keys: declare, oncall, my_incidents).
  'application.bot.menu_v6',
  // Issue 25: a person read their private page (seen, not acked).
  'im.message.message_read_v1',
] as const;
