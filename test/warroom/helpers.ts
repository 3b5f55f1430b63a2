// A Hark + emulator rig seeded for war-room tests: people in Lark and on the roster, a source, a
// subscribed group, and helpers to fire alerts and read what Lark shows.
import net from 'node:net';
import { startRig, waitReady, type Rig } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';
import type { WarRoomConfig } from '../../src/warroom/index.ts';

export interface RoomRig extends Rig {
  token: string;
  /** open_ids by first name. */
  people: Record<string, string>;
  groupId: string;
  /** A Lark user; with an email, also a roster member linked to that Lark identity (role responder). */
  person(name: string, opts?: { linked?: boolean; available?: boolean }): Promise<string>;
  fire(title: string, severity?: string, key?: string): Promise<number>;
  /** The incident card's message in a chat, once delivered. */
  cardIn(chatId: string, incident: number): Promise<any>;
  messages(chatId: string): Promise<any[]>;
  chat(chatId: string): Promise<any>;
  timeline(incident: number): Promise<string[]>;
}

export const FAST_ROOMS: Partial<WarRoomConfig> = { sweepMs: 100, retryMinMs: 20, retryLaterMs: 150, waitMs: 10_000 };

/** A port the OS had free a moment ago (for HARK_PUBLIC_URL, which must name Hark's own port). */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

export async function startRoomRig(opts: { warRoom?: Partial<WarRoomConfig>; web?: boolean } = {}): Promise<RoomRig> {
  // The web app's OAuth redirect goes to HARK_PUBLIC_URL: with `web`, that is Hark's own port.
  const port = opts.web ? await freePort() : 0;
  const rig = await startRig({
    env: port ? { HARK_PUBLIC_URL: `http://127.0.0.1:${port}` } : {},
    start: { port, warRoom: { ...FAST_ROOMS, ...opts.warRoom } },
  });
  await waitReady(rig);
  const people: Record<string, string> = {};
  const person = async (name: string, o: { linked?: boolean; available?: boolean } = {}) => {
    const email = `${name.toLowerCase()}@example.com`;
    const u = await rig.emu('POST', '/__emulator/users', { name, email, available: o.available ?? true });
    people[name] = u.open_id;
    const res = await rig.api('POST', '/api/v1/members', {
      name, email, role: 'responder', ...(o.linked === false ? {} : { lark_open_id: u.open_id }),
    });
    if (res.status !== 201) throw new Error(`member ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return u.open_id as string;
  };
  const src = await rig.api('POST', '/api/v1/sources', { name: 'shop', kind: 'generic' });
  const token = src.body.token as string;
  await person('Alice');
  await person('Bob');
  await person('Erin');
  const { chat_id: groupId } = await rig.emu('POST', '/__emulator/chats', {
    name: 'Shop on-call', members: [people.Alice, people.Bob, people.Erin], add_bot: true,
  });
  await waitFor(async () => (await rig.api('GET', '/api/v1/chats')).body.items?.some((c: any) => c.chat_id === groupId && c.status === 'active'), {
    message: 'Hark knows the group',
  });
  const sub = await rig.api('PUT', `/api/v1/chats/${groupId}/subscriptions/shop`, {});
  if (sub.status >= 300) throw new Error(`subscribe: ${sub.status} ${JSON.stringify(sub.body)}`);

  const messages = async (chatId: string) => (await rig.emu('GET', `/__emulator/messages?chat_id=${chatId}`)).items as any[];
  const fire = async (title: string, severity = 'critical', key = title) => {
    const res = await fetch(`${rig.hark.url}/api/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ title, severity, alert_key: key }),
    });
    const body = await res.json();
    if (res.status >= 300) throw new Error(`alert: ${res.status} ${JSON.stringify(body)}`);
    return Number(body.incident);
  };
  const cardIn = (chatId: string, incident: number) =>
    waitFor(async () => (await messages(chatId)).find((m) => m.msg_type === 'interactive' && String(m.content?.header?.title?.content ?? '').startsWith(`#${incident} `)), {
      message: `the card of #${incident} in ${chatId}`,
    });
  return {
    ...rig,
    token,
    people,
    groupId,
    person,
    fire,
    cardIn,
    messages,
    chat: (chatId: string) => rig.emu('GET', `/__emulator/chats/${chatId}`),
    timeline: async (incident: number) => (await rig.api('GET', `/api/v1/incidents/${incident}`)).body.timeline.map((t: any) => t.message as string),
  };
}

/** All texts of a card (content and i18n), for "the card says …" checks. */
export function cardText(card: unknown): string {
  const out: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      for (const [k, v] of Object.entries(n)) {
        if ((k === 'content' || k === 'en_us') && typeof v === 'string') out.push(v);
        else walk(v);
      }
    }
  };
  walk(card);
  return out.join('\n');
}
