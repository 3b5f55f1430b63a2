import { startHark, type StartOptions } from '../../src/main.ts';
import { silentLogger } from '../../src/log.ts';
import { startRig, waitReady, type Rig } from '../helpers/hark.ts';
import { apiClient } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';

// Hark as `hark start` runs it (main.ts) against the emulator, with a roster of linked people, a
// group subscribed to a source, and helpers to read what each person received in Lark.

export interface Person {
  name: string;
  email: string;
  openId: string;
}

export interface World {
  rig: Rig;
  source: string;
  token: string;
  chatId: string;
  people: Record<string, Person>;
  api(method: string, route: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Fires a generic alert; returns the incident number. */
  fire(title: string, severity?: string): Promise<number>;
  timeline(n: number): Promise<string[]>;
  dms(openId: string): Promise<any[]>;
  urgents(openId: string): Promise<{ message_id: string; kind: string }[]>;
  /** The incident's card in the group, once posted. */
  groupCard(n: number): Promise<{ message_id: string; content: any }>;
  /** A private card of the incident at this person, once delivered. */
  privateCard(openId: string, n: number): Promise<{ message_id: string; content: any }>;
  /** Says something in the group (mentions: the bot, then these open_ids). */
  say(text: string, from: string, opts?: { mention?: boolean; others?: string[]; parent_id?: string }): Promise<string>;
  /** The bot's text replies to one message. */
  replyTo(messageId: string): Promise<string>;
  click(messageId: string, openId: string, value: unknown, extra?: Record<string, unknown>): Promise<any>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startWorld(
  names: string[],
  opts: { env?: Record<string, string>; emulator?: Record<string, unknown>; linked?: boolean; start?: Partial<StartOptions> } = {},
): Promise<World> {
  const rig = await startRig({ env: opts.env, emulator: opts.emulator, start: opts.start });
  const api = apiClient(() => rig.hark.url);
  await waitReady(rig);
  const people: Record<string, Person> = {};
  for (const name of names) {
    const email = `${name.toLowerCase()}@example.com`;
    const { open_id } = await rig.emu('POST', '/__emulator/users', { name, email });
    await api('POST', '/api/v1/members', { name, email, role: 'responder', ...(opts.linked === false ? {} : { lark_open_id: open_id }) });
    people[name] = { name, email, openId: open_id };
  }
  const src = await api('POST', '/api/v1/sources', { name: 'payments', kind: 'generic' });
  const token = src.body.token as string;
  const members = Object.values(people).map((p) => p.openId);
  const { chat_id: chatId } = await rig.emu('POST', '/__emulator/chats', { name: 'ops', members, add_bot: true });
  await waitFor(async () => (await api('PUT', `/api/v1/chats/${chatId}/subscriptions/payments`, {})).status === 200, {
    message: 'the group known to Hark and subscribed',
  });

  const messages = async (q: string) => (await rig.emu('GET', `/__emulator/messages?${q}`)).items as any[];
  const cardOf = (items: any[], n: number) => items.find((m) => m.msg_type === 'interactive' && JSON.stringify(m.content).includes(`#${n} `));
  let restarted = false;
  const world: World = {
    rig,
    source: 'payments',
    token,
    chatId,
    people,
    api,
    async fire(title, severity = 'critical') {
      const res = await fetch(rig.hark.url + '/api/v1/alerts', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ title, alert_key: title, severity }),
      });
      const body = await res.json();
      if (!body.incident) throw new Error(`alert not accepted: ${JSON.stringify(body)}`);
      return body.incident as number;
    },
    async timeline(n) {
      const r = await api('GET', `/api/v1/incidents/${n}`);
      return (r.body.timeline as { message: string }[]).map((t) => t.message);
    },
    dms: (openId) => messages(`open_id=${openId}`),
    async urgents(openId) {
      return (await rig.emu('GET', `/__emulator/urgents?open_id=${openId}`)).items;
    },
    groupCard: (n) => waitFor(async () => cardOf(await messages(`chat_id=${chatId}`), n), { message: `the card of #${n} in the group` }),
    privateCard: (openId, n) => waitFor(async () => cardOf(await messages(`open_id=${openId}`), n), { message: `a private card of #${n}` }),
    async say(text, from, o = {}) {
      const r = await rig.emu('POST', '/__emulator/messages', {
        chat_id: chatId,
        sender_open_id: from,
        text,
        mention_bot: o.mention ?? true,
        ...(o.others ? { mention_open_ids: o.others } : {}),
        ...(o.parent_id ? { parent_id: o.parent_id } : {}),
      });
      return r.message_id as string;
    },
    async replyTo(messageId) {
      const reply = await waitFor(
        async () => (await messages(`chat_id=${chatId}`)).find((m) => m.parent_id === messageId && m.msg_type === 'text'),
        { message: `a reply to ${messageId}` },
      );
      return String(reply.content.text);
    },
    click: (messageId, openId, value, extra = {}) =>
      rig.emu('POST', '/__emulator/click', { message_id: messageId, operator_open_id: openId, value, ...extra }),
    async restart() {
      restarted = true;
      const config = rig.hark.config;
      await rig.hark.stop();
      rig.hark = await startHark(config, { logger: silentLogger, port: 0 });
      await waitReady({ ...rig, api: (m: string, r: string) => api(m, r) } as Rig);
    },
    async close() {
      if (restarted) await rig.hark.stop();
      await rig.close();
    },
  };
  return world;
}

/** Whether a card's JSON mentions `text` (its English or Chinese content). */
export const cardHas = (card: { content: any }, text: string | RegExp): boolean => {
  const s = JSON.stringify(card.content);
  return typeof text === 'string' ? s.includes(text) : text.test(s);
};
