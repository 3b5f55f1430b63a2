// Lark's group-chat APIs that war rooms use (docs/lark-notes.md §13: create, add members,
// pin), on the SDK's Client. Kept apart from client.ts so the message APIs stay one small port.
import type * as lark from '@larksuiteoapi/node-sdk';
import type { Logger } from '../log.ts';
import { classifyLarkError, LarkApiError } from './client.ts';

export interface CreateGroupRequest {
  name: string;
  description?: string;
  /** People to put in the group, by open_id. */
  userOpenIds: readonly string[];
  /** Same uuid → at most one group within Lark's 10-hour window. */
  uuid: string;
}

export interface AddMembersResult {
  /** Outside the app's availability. */
  invalid: string[];
  /** Lark knows no such person. */
  unknown: string[];
}

export interface LarkGroupApi {
  createGroup(req: CreateGroupRequest): Promise<{ chatId: string }>;
  /** Adds who can be added (succeed_type 1) and says who could not. */
  addMembers(chatId: string, openIds: readonly string[]): Promise<AddMembersResult>;
  pin(messageId: string): Promise<void>;
}

/** Concurrent member changes on one group (docs/lark-notes.md §13): worth another try. */
const BUSY_GROUP = 232019;

function classify(err: unknown): LarkApiError {
  const e = classifyLarkError(err);
  if (e.code === BUSY_GROUP) return new LarkApiError('transient', e.code, e.httpStatus, e.message);
  return e;
}

export class SdkLarkGroupApi implements LarkGroupApi {
  constructor(
    private readonly client: lark.Client,
    private readonly log: Logger,
  ) {}

  private async call<T>(what: string, fn: () => Promise<any>): Promise<T> {
    let res: any;
    try {
      res = await fn();
    } catch (err) {
      const e = classify(err);
      this.log.debug({ what, kind: e.kind, code: e.code, status: e.httpStatus }, 'lark call failed');
      throw e;
    }
    if (res && typeof res.code === 'number' && res.code !== 0) throw classify({ response: { status: 200, data: res, headers: {} } });
    return (res?.data ?? {}) as T;
  }

  async createGroup(req: CreateGroupRequest): Promise<{ chatId: string }> {
    const data = await this.call<{ chat_id?: string }>('chat.create', () =>
      this.client.im.v1.chat.create({
        params: { user_id_type: 'open_id', uuid: req.uuid },
        data: {
          name: req.name,
          ...(req.description ? { description: req.description } : {}),
          user_id_list: [...req.userOpenIds],
          group_message_type: 'chat',
        },
      }),
    );
    if (!data.chat_id) throw new LarkApiError('transient', null, 200, 'Lark created no chat_id');
    return { chatId: data.chat_id };
  }

  async addMembers(chatId: string, openIds: readonly string[]): Promise<AddMembersResult> {
    const data = await this.call<{ invalid_id_list?: string[]; not_existed_id_list?: string[] }>('chat.members.create', () =>
      this.client.im.v1.chatMembers.create({
        path: { chat_id: chatId },
        params: { member_id_type: 'open_id', succeed_type: 1 },
        data: { id_list: [...openIds] },
      }),
    );
    return { invalid: data.invalid_id_list ?? [], unknown: data.not_existed_id_list ?? [] };
  }

  async pin(messageId: string): Promise<void> {
    await this.call('pin.create', () => this.client.im.v1.pin.create({ data: { message_id: messageId } }));
  }
}

/** The link that opens a group in the Lark client (docs/lark-notes.md §13, applink). */
export function chatAppLink(domain: string, chatId: string): string {
  const q = encodeURIComponent(chatId);
  if (domain === 'feishu' || /open\.feishu\.cn/.test(domain)) return `https://applink.feishu.cn/client/chat/open?openChatId=${q}`;
  if (domain === 'lark' || /larksuite\.com/.test(domain)) return `https://applink.larksuite.com/client/chat/open?openChatId=${q}`;
  // A base URL of its own is the emulator (or a proxy of it): its chat view opens the group.
  return `${domain.replace(/\/+$/, '')}/?chat=${q}`;
}
