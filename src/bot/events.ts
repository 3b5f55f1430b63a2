import type { Logger } from '../log.ts';

/**
 * Transport-neutral inbound events: the Lark receiver (long connection or HTTP callback) turns raw
 * payloads into these, and nothing past this line sees SDK types.
 */
export interface InboundMessage {
  kind: 'message';
  eventId: string;
  messageId: string;
  chatId: string;
  chatType: 'p2p' | 'group';
  senderOpenId: string;
  senderUnionId: string | null;
  /** Text with mention placeholders removed and whitespace collapsed. */
  text: string;
  mentionsBot: boolean;
  /** The message this one replies to (replying "ack" to an incident card). */
  parentId: string | null;
  /** The first message of the thread this one is in (a card's thread: notes). */
  rootId?: string | null;
  /** People @mentioned besides the bot, in order (`page 42 @Carol`). */
  mentions?: readonly { openId: string; name: string }[];
  createTime: number;
}

export interface CardAction {
  kind: 'card_action';
  eventId: string;
  operatorOpenId: string;
  operatorUnionId: string | null;
  value: unknown;
  name: string | null;
  /** Chosen option of a select/overflow component. */
  option: string | null;
  formValue: Record<string, unknown> | null;
  /** What was typed into a standalone input (submitted with Enter), e.g. a custom silence duration. */
  inputValue?: string | null;
  messageId: string | null;
  chatId: string | null;
  /** Card update token (`c-…`) for the delayed-update API (docs/lark-notes.md §2.4, §0.12). */
  updateToken: string | null;
}

export interface ChatMembership {
  kind: 'membership';
  eventId: string;
  change: 'bot_added' | 'bot_removed' | 'chat_disbanded';
  chatId: string;
  operatorOpenId: string | null;
  name: string | null;
}

/** A bot-menu item pressed in the bot's private chat (issue 25): its console-defined key. */
export interface MenuPress {
  kind: 'menu';
  eventId: string;
  operatorOpenId: string;
  eventKey: string;
}

/** A person read messages the bot sent them privately (issue 25; im.message.message_read_v1). */
export interface ReadReceipt {
  kind: 'read';
  eventId: string;
  readerOpenId: string;
  messageIds: string[];
  /** When they read them (ms). */
  readAt: number;
}

export type InboundEvent = InboundMessage | CardAction | ChatMembership | MenuPress | ReadReceipt;

/** What a card callback answers (docs/lark-notes.md §1.8): a toast and/or the refreshed card for the clicked copy. */
export interface CardActionAnswer {
  toast?: { type: 'info' | 'success' | 'error' | 'warning'; content: string; i18n?: Record<string, string> };
  card?: { type: 'raw'; data: object };
}

export interface EventHandler {
  handle(event: InboundEvent, log: Logger): Promise<CardActionAnswer | void>;
}
