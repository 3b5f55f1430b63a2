import * as lark from '@larksuiteoapi/node-sdk';
import type { Logger } from '../log.ts';
import { larkText } from './text.ts';

export type ReceiveIdType = 'chat_id' | 'open_id' | 'union_id' | 'email';

export interface SentMessage {
  messageId: string;
  chatId: string | null;
}

export interface ChatInfo {
  chatId: string;
  name: string;
}

/**
 * Why a Lark call failed, in the three kinds a caller acts on differently:
 * rate_limited (wait retryAfterMs), transient (network, 5xx: retry with backoff), permanent (the
 * request itself cannot succeed: say why in words, do not retry).
 */
export class LarkApiError extends Error {
  constructor(
    readonly kind: 'rate_limited' | 'transient' | 'permanent',
    readonly code: number | null,
    readonly httpStatus: number | null,
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'LarkApiError';
  }
}

export interface LarkApi {
  /** The text of a text message ('' for other kinds): a reply's parent describes a declared incident (issue 25). */
  getMessageText(messageId: string): Promise<string>;
  sendCard(receiveIdType: ReceiveIdType, receiveId: string, card: object, uuid?: string): Promise<SentMessage>;
  /** Sends a text message; the text passes larkText (text.ts): no mention, tag or link can form. */
  sendText(receiveIdType: ReceiveIdType, receiveId: string, text: string, uuid?: string): Promise<SentMessage>;
  replyCard(messageId: string, card: object, uuid?: string): Promise<SentMessage>;
  replyText(messageId: string, text: string, uuid?: string): Promise<SentMessage>;
  patchCard(messageId: string, card: object): Promise<void>;
  /** Lark's urgent notice (加急) on a message the bot sent; returns the open_ids Lark did not urge. */
  urgent(messageId: string, kind: 'app' | 'sms' | 'phone', openIds: string[]): Promise<{ invalid: string[] }>;
  /** Issue 25: pins (true) or unpins the bot's private chat at the top of these people's Lark lists; returns whom Lark could not. */
  timeSensitive?(openIds: string[], on: boolean): Promise<{ failed: string[] }>;
  /** Issue 25: who has read a message the bot sent (open_id → read time in ms). */
  readUsers(messageId: string): Promise<Map<string, number>>;
  listChats(): Promise<ChatInfo[]>;
  getChat(chatId: string): Promise<ChatInfo>;
  botOpenId(): Promise<string>;
}

// Codes where retrying the same request cannot help (docs/lark-notes.md §2.1, §2.3).
const PERMANENT_CODES = new Set([
  230001, 230002, 230006, 230011, 230012, 230023, 230024, 230013, 230015, 230017, 230018, 230025, 230027, 230028, 230029, 230031, 230034,
  230035, 230038, 230053, 230099, 230110, 232009, 99991672, 99991401, 10014, 10015,
]);
const RATE_LIMIT_CODES = new Set([99991400, 230020]);

/** Turns an SDK rejection (AxiosError for non-2xx) or a 2xx with code ≠ 0 into a LarkApiError (docs/lark-notes.md §0.7). */
export function classifyLarkError(err: unknown): LarkApiError {
  if (err instanceof LarkApiError) return err;
  const e = err as any;
  const status: number | null = e?.response?.status ?? null;
  const body = e?.response?.data;
  const code: number | null = typeof body?.code === 'number' ? body.code : null;
  const msg: string = body?.msg ?? e?.message ?? String(err);
  if (status === 429 || (code !== null && RATE_LIMIT_CODES.has(code))) {
    const reset = Number(e?.response?.headers?.['x-ogw-ratelimit-reset']);
    // x-ogw-ratelimit-reset is seconds to wait (docs/lark-notes.md §6); per-target 230020 carries none, so wait a second.
    const retryAfterMs = Number.isFinite(reset) && reset > 0 ? reset * 1000 : 1000;
    return new LarkApiError('rate_limited', code, status, `Lark rate limit (${code ?? status}): ${msg}`, retryAfterMs);
  }
  if (code !== null && PERMANENT_CODES.has(code)) {
    return new LarkApiError('permanent', code, status, `Lark refused (${code}): ${msg}`);
  }
  if (status !== null && status >= 400 && status < 500 && status !== 408) {
    return new LarkApiError('permanent', code, status, `Lark refused (HTTP ${status}${code ? `, ${code}` : ''}): ${msg}`);
  }
  return new LarkApiError('transient', code, status, `Lark call failed: ${msg}`);
}

function check(res: any): any {
  if (res && typeof res.code === 'number' && res.code !== 0) {
    throw classifyLarkError({ response: { status: 200, data: res, headers: {} } });
  }
  return res?.data ?? res;
}

export function createSdkClient(opts: { appId: string; appSecret: string; domain: string }): lark.Client {
  return new lark.Client({
    appId: opts.appId,
    appSecret: opts.appSecret,
    appType: lark.AppType.SelfBuild,
    domain: opts.domain,
    loggerLevel: lark.LoggerLevel.error,
  });
}

/** LarkApi on top of the SDK's Client; the only place that knows the SDK's method names. */
export class SdkLarkApi implements LarkApi {
  private botId: string | null = null;

  constructor(
    private readonly client: lark.Client,
    private readonly log: Logger,
  ) {}

  private async call<T>(what: string, fn: () => Promise<any>): Promise<T> {
    try {
      return check(await fn()) as T;
    } catch (err) {
      const e = classifyLarkError(err);
      this.log.debug({ what, kind: e.kind, code: e.code, status: e.httpStatus }, 'lark call failed');
      throw e;
    }
  }

  private async create(receiveIdType: ReceiveIdType, receiveId: string, msgType: string, content: string, uuid?: string) {
    const data = await this.call<any>('message.create', () =>
      this.client.im.v1.message.create({
        params: { receive_id_type: receiveIdType },
        data: { receive_id: receiveId, msg_type: msgType, content, ...(uuid ? { uuid } : {}) },
      }),
    );
    return { messageId: String(data.message_id), chatId: data.chat_id ?? null };
  }

  private async reply(messageId: string, msgType: string, content: string, uuid?: string) {
    const data = await this.call<any>('message.reply', () =>
      this.client.im.v1.message.reply({
        path: { message_id: messageId },
        data: { msg_type: msgType, content, ...(uuid ? { uuid } : {}) },
      }),
    );
    return { messageId: String(data.message_id), chatId: data.chat_id ?? null };
  }

  sendCard(t: ReceiveIdType, id: string, card: object, uuid?: string) {
    return this.create(t, id, 'interactive', JSON.stringify(card), uuid);
  }
  sendText(t: ReceiveIdType, id: string, text: string, uuid?: string) {
    return this.create(t, id, 'text', JSON.stringify({ text: larkText(text) }), uuid);
  }
  replyCard(messageId: string, card: object, uuid?: string) {
    return this.reply(messageId, 'interactive', JSON.stringify(card), uuid);
  }
  replyText(messageId: string, text: string, uuid?: string) {
    return this.reply(messageId, 'text', JSON.stringify({ text: larkText(text) }), uuid);
  }

  async patchCard(messageId: string, card: object): Promise<void> {
    await this.call('message.patch', () =>
      this.client.im.v1.message.patch({ path: { message_id: messageId }, data: { content: JSON.stringify(card) } }),
    );
  }

  /** PATCH …/messages/:id/urgent_app|urgent_sms|urgent_phone (docs/lark-notes.md "Urgent notices"). */
  async urgent(messageId: string, kind: 'app' | 'sms' | 'phone', openIds: string[]): Promise<{ invalid: string[] }> {
    const m = this.client.im.v1.message;
    const fn = kind === 'app' ? m.urgentApp : kind === 'sms' ? m.urgentSms : m.urgentPhone;
    const data = await this.call<any>(`message.urgent_${kind}`, () =>
      fn({ path: { message_id: messageId }, params: { user_id_type: 'open_id' }, data: { user_id_list: openIds } }),
    );
    return { invalid: Array.isArray(data?.invalid_user_id_list) ? data.invalid_user_id_list.map(String) : [] };
  }

  /** PATCH /open-apis/im/v2/feed_cards/bot_time_sentive (docs/lark-notes.md "Kept at the top of the message list"). */
  async timeSensitive(openIds: string[], on: boolean): Promise<{ failed: string[] }> {
    const data = await this.call<any>('feed_card.bot_time_sentive', () =>
      this.client.im.v2.feedCard.botTimeSentive({ params: { user_id_type: 'open_id' }, data: { time_sensitive: on, user_ids: openIds } }),
    );
    const failed: any[] = Array.isArray(data?.failed_user_reasons) ? data.failed_user_reasons : [];
    return { failed: failed.map((f) => String(f?.user_id ?? '')).filter(Boolean) };
  }

  /** GET /open-apis/im/v1/messages/:id/read_users (docs/lark-notes.md "Read receipts"): readers only. */
  async readUsers(messageId: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    let pageToken: string | undefined;
    for (let i = 0; i < 10; i++) {
      const data = await this.call<any>('message.read_users', () =>
        this.client.im.v1.message.readUsers({ path: { message_id: messageId }, params: { user_id_type: 'open_id', page_size: 100, ...(pageToken ? { page_token: pageToken } : {}) } }),
      );
      for (const it of data?.items ?? []) if (it?.user_id) out.set(String(it.user_id), Number(it.timestamp) || 0);
      if (!data?.has_more || !data?.page_token) break;
      pageToken = String(data.page_token);
    }
    return out;
  }

  /** The text of a message (a reply's parent, issue 25: its text describes a declared incident); '' for other kinds. */
  async getMessageText(messageId: string): Promise<string> {
    const data = await this.call<any>('message.get', () => this.client.im.v1.message.get({ path: { message_id: messageId } }));
    const item = data?.items?.[0];
    if (!item || item.msg_type !== 'text') return '';
    try {
      return String(JSON.parse(item.body?.content ?? '{}').text ?? '');
    } catch {
      return '';
    }
  }

  async listChats(): Promise<ChatInfo[]> {
    const out: ChatInfo[] = [];
    try {
      for await (const page of await this.client.im.v1.chat.listWithIterator({ params: { page_size: 100 } })) {
        for (const c of page?.items ?? []) if (c.chat_id) out.push({ chatId: c.chat_id, name: c.name ?? c.chat_id });
      }
    } catch (err) {
      throw classifyLarkError(err);
    }
    return out;
  }

  async getChat(chatId: string): Promise<ChatInfo> {
    const data = await this.call<any>('chat.get', () => this.client.im.v1.chat.get({ path: { chat_id: chatId } }));
    return { chatId, name: data?.name ?? chatId };
  }

  /** The bot's own open_id, to recognise @Hark in mentions. bot/v3/info has no generated method (docs/lark-notes.md §0.9, §2.6). */
  async botOpenId(): Promise<string> {
    if (this.botId) return this.botId;
    try {
      const res: any = await this.client.request({ method: 'GET', url: '/open-apis/bot/v3/info' });
      if (res?.code !== 0 || !res?.bot?.open_id) throw new Error(`bot/v3/info answered code ${res?.code}: ${res?.msg}`);
      this.botId = String(res.bot.open_id);
      return this.botId;
    } catch (err) {
      throw classifyLarkError(err);
    }
  }
}
