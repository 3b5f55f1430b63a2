import type { StartOptions } from '../../src/main.ts';
import { ADMIN_TOKEN, startRig, waitReady, type Rig } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';

// Hark (startHark against the emulator, SQLite) with an alertmanager source, a group subscribed to
// it and people on the roster linked to emulator users: what the silence and heartbeat tests share.

export interface AmRig extends Rig {
  token: string;
  chat: string;
  people: Record<string, string>;
  /** alertmanager.yml whose receiver posts to Hark's webhook with the source token. */
  amConfig(opts?: { repeat?: string; watchdogOnly?: boolean }): string;
  incidents(): Promise<{ number: number; title: string; status: string; severity: string }[]>;
  timeline(n: number): Promise<string[]>;
  /** The messages in the group chat (cards and replies). */
  chatMessages(): Promise<{ message_id: string; parent_id?: string; content: any; msg_type: string }[]>;
  cardOf(n: number): Promise<{ message_id: string; content: any }>;
  click(messageId: string, who: string, value: unknown, extra?: Record<string, unknown>): Promise<any>;
  say(who: string, text: string): Promise<string[]>;
}

export async function startAmRig(
  opts: { env?: Record<string, string>; people?: Record<string, 'admin' | 'responder' | 'viewer'>; start?: Partial<StartOptions> } = {},
): Promise<AmRig> {
  const rig = await startRig({ env: opts.env, start: opts.start });
  try {
    await waitReady(rig);
    const created = await rig.api('POST', '/api/v1/sources', { name: 'prom', kind: 'alertmanager' });
    if (created.status !== 201) throw new Error(`source: ${JSON.stringify(created.body)}`);
    const people: Record<string, string> = {};
    for (const [name, role] of Object.entries(opts.people ?? { Alice: 'responder' })) {
      const u = await rig.emu('POST', '/__emulator/users', { name });
      const m = await rig.api('POST', '/api/v1/members', { name, email: `${name.toLowerCase()}@example.com`, role, lark_open_id: u.open_id });
      if (m.status !== 201) throw new Error(`member: ${JSON.stringify(m.body)}`);
      people[name] = u.open_id;
    }
    const { chat_id: chat } = await rig.emu('POST', '/__emulator/chats', { name: 'ops', members: Object.values(people), add_bot: true });
    await waitFor(async () => ((await rig.api('GET', '/api/v1/chats')).body.items ?? []).some((c: any) => c.chat_id === chat && c.status === 'active'), {
      message: 'Hark knows the group',
    });
    const sub = await rig.api('PUT', `/api/v1/chats/${chat}/subscriptions/prom`, {});
    if (sub.status >= 300) throw new Error(`subscription: ${JSON.stringify(sub.body)}`);
    const token = created.body.token as string;
    const chatMessages = async () => (await rig.emu('GET', `/__emulator/messages?chat_id=${chat}`)).items;
    return {
      ...rig,
      token,
      chat,
      people,
      amConfig: (o = {}) => `
route:
  receiver: hark
  group_by: ['alertname']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: ${o.repeat ?? '1h'}
receivers:
  - name: hark
    webhook_configs:
      - url: ${rig.hark.url}/api/v1/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization: { credentials: ${token} }
`,
      incidents: async () => (await rig.api('GET', '/api/v1/incidents')).body.items,
      timeline: async (n) => ((await rig.api('GET', `/api/v1/incidents/${n}`)).body.timeline ?? []).map((t: any) => t.message),
      chatMessages,
      cardOf: (n) =>
        waitFor(async () => (await chatMessages()).find((m: any) => m.msg_type === 'interactive' && JSON.stringify(m.content).includes(`#${n} `)), {
          message: `the card of #${n} in the group`,
          timeout: 15_000,
        }),
      click: async (messageId, who, value, extra = {}) =>
        (await rig.emu('POST', '/__emulator/click', { message_id: messageId, operator_open_id: people[who], value, ...extra })).response,
      async say(who, text) {
        const { message_id } = await rig.emu('POST', '/__emulator/messages', { chat_id: chat, sender_open_id: people[who], text, mention_bot: true });
        const replies = await waitFor(
          async () => {
            const r = (await chatMessages()).filter((m: any) => m.parent_id === message_id);
            return r.length ? r : null;
          },
          { message: `a reply to "${text}"` },
        );
        return replies.map((m: any) => (typeof m.content === 'string' ? m.content : (m.content?.text ?? JSON.stringify(m.content))));
      },
    };
  } catch (err) {
    await rig.close();
    throw err;
  }
}

/** The callback value of the card's button (or input) with this op and duration (none: no duration). */
export function valueIn(card: unknown, op: string, duration?: string): Record<string, unknown> {
  const found: Record<string, unknown>[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, any>;
      if ((o.tag === 'button' || o.tag === 'input') && Array.isArray(o.behaviors)) {
        for (const b of o.behaviors) if (b.type === 'callback' && b.value?.op === op && b.value?.duration === duration) found.push(b.value);
      }
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  if (found.length !== 1) throw new Error(`expected one ${op} ${duration ?? ''} callback on the card, found ${found.length}`);
  return found[0];
}

export { ADMIN_TOKEN };
