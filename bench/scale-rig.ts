import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildHark, type HarkApp } from '../src/app.ts';
import { CookieSigner } from '../src/auth/cookies.ts';
import type { InboundEvent } from '../src/bot/events.ts';
import { loadConfig } from '../src/config.ts';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import type { Source } from '../src/incident/types.ts';
import { normalizePayload } from '../src/ingest/normalize.ts';
import { silentLogger } from '../src/log.ts';
import { createSharedState } from '../src/state/index.ts';
import { appendHistory } from '../src/store/history-repo.ts';
import { openPostgresTestStore, openSqliteTestStore, type TestStore } from '../test/helpers/store.ts';
import type { HistoryWorld } from './scale-history.ts';

// The scale benchmark's Hark: buildHark (the production wiring) on a fresh SQLite file or
// PostgreSQL schema, an in-process emulator for the replies Lark receives, and the people, groups
// and sources a busy install has. LIVE incidents stay open through every size (the list, the API,
// /h5 and clicks read them); the rest of what the bench creates is resolved again after use.

export const ADMIN_TOKEN = 'scale-bench-admin-token-0123456789';
const SECRET = 'scale-bench-session-secret-0123456789';
const SOURCES = 20;
const MEMBERS = 50;
const CHATS = 10;
export const LIVE = 30;
/** Sources with one person each, for the timer-lag steps (no policy except while measuring). */
export const TIMER_PEOPLE = 10;

export interface ScaleRig {
  engine: 'sqlite' | 'postgres';
  hark: HarkApp;
  store: TestStore;
  emu: Emulator;
  url: string;
  sources: (Source & { token: string })[];
  timerSources: (Source & { token: string })[];
  timerPeople: string[];
  world: HistoryWorld;
  /** Open incidents with a card copy in the first group: [number, message id]. */
  live: { number: number; messageId: string }[];
  clicker: { openId: string };
  cookie: string;
  chatId: string;
  get(route: string, headers?: Record<string, string>): Promise<{ status: number; text: string }>;
  /** POST to the emulator's control routes (same agent reasoning as `post`). */
  emuPost(route: string, body: unknown): Promise<any>;
  /** POST JSON to Hark (one keep-alive agent: undici's fetch met resets on this loaded machine). */
  post(route: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; text: string }>;
  handle(event: InboundEvent): Promise<unknown>;
  fire(source: Source, key: string, status?: 'firing' | 'resolved'): Promise<number | null>;
  close(): Promise<void>;
}

export async function startScaleRig(engine: 'sqlite' | 'postgres'): Promise<ScaleRig> {
  // Lark's per-chat limits are not what this measures: the `list` replies would hit them.
  const emu = await startEmulator({ port: 0, appPerSecond: 100_000, appPerMinute: 10_000_000, chatPerSecond: 100_000, userPerSecond: 100_000, messagePatchPerSecond: 100_000 });
  const store = engine === 'sqlite' ? await openSqliteTestStore() : await openPostgresTestStore();
  const config = loadConfig({
    LARK_APP_ID: emu.appId, LARK_APP_SECRET: emu.appSecret, LARK_DOMAIN: emu.url,
    DATABASE_URL: store.url, HARK_ADMIN_TOKEN: ADMIN_TOKEN, HARK_SESSION_SECRET: SECRET,
  });
  const state = createSharedState({});
  const hark = await buildHark(config, { logger: silentLogger, store, state });
  const server = http.createServer(hark.app.callback());
  // Idle keep-alive sockets stay open through the phases without HTTP (clicks), so a request never
  // meets one the server is closing at that moment (ECONNRESET).
  server.keepAliveTimeout = 600_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const mod = hark.services;
  const now = Date.now();

  const sources: ScaleRig['sources'] = [];
  for (let s = 0; s < SOURCES; s++) {
    const r = await mod.sources.create({ name: `svc-${s}`, kind: 'generic' });
    sources.push({ ...r.source, token: r.token });
  }
  const members: { id: number; name: string }[] = [];
  let clicker = { openId: '' };
  for (let m = 0; m < MEMBERS; m++) {
    const { open_id } = await emu.control('POST', '/__emulator/users', { name: `Person ${m}` });
    const member = await mod.members.create({ name: `Person ${m}`, email: `p${m}@example.com`, role: m === 0 ? 'admin' : 'responder', lark_open_id: open_id });
    members.push({ id: member.id, name: member.name });
    if (m === 0) clicker = { openId: open_id };
  }
  const chatIds: string[] = [];
  for (let c = 0; c < CHATS; c++) {
    const { chat_id } = await emu.control('POST', '/__emulator/chats', { name: `team-${c}`, members: [clicker.openId] });
    await emu.control('POST', `/__emulator/chats/${chat_id}/bot`, { present: true });
    await hark.delivery.chats.botAdded(chat_id, `team-${c}`);
    for (let s = c; s < SOURCES; s += CHATS) await hark.delivery.chats.subscribe(chat_id, `svc-${s}`, {});
    chatIds.push(chat_id);
  }
  const timerSources: ScaleRig['timerSources'] = [];
  const timerPeople: string[] = [];
  for (let p = 0; p < TIMER_PEOPLE; p++) {
    const email = `t${p}@example.com`;
    const { open_id } = await emu.control('POST', '/__emulator/users', { name: `Timer ${p}`, email });
    await mod.members.create({ name: `Timer ${p}`, email, role: 'responder', lark_open_id: open_id });
    timerPeople.push(email);
    const r = await mod.sources.create({ name: `timers-${p}`, kind: 'generic' });
    timerSources.push({ ...r.source, token: r.token });
  }

  const fire: ScaleRig['fire'] = async (source, key, status = 'firing') => {
    const r = await mod.incidents.ingest(source, normalizePayload('generic', { title: `${key} is failing`, alert_key: key, severity: 'critical', status }, Date.now()));
    return r.incident?.number ?? null;
  };
  const live: ScaleRig['live'] = [];
  for (let i = 0; i < LIVE; i++) {
    const number = (await fire(sources[i % SOURCES], `live-${i}`))!;
    live.push({ number, messageId: `om_live_${number}` });
  }
  // Each live incident's card copy in a group, as delivery records it once Lark accepted the send.
  await appendHistory(store.db, {
    incidents: [], alerts: [], timeline: [], outbox: [], timers: [],
    cardCopies: live.map((l) => ({
      incident_number: l.number, message_id: l.messageId, target_type: 'chat_id', target_id: chatIds[0], target_name: 'team-0',
      outbox_id: null, sent_at: now, rendered_version: 0, rendered_hash: 'x', fresh_version: null, expired_at: null,
    })),
  });
  const session = await hark.web.sessions.create(members[0].id);
  const cookie = `hark_session=${new CookieSigner(SECRET, 'session').sign(session.id)}`;
  hark.timers.scanner.start();

  return {
    engine, hark, store, emu, url, sources, timerSources, timerPeople, live, clicker, cookie, chatId: chatIds[0], fire,
    world: { sourceIds: sources.map((s) => s.id), members, chatIds, total: 0, now },
    get: (route, headers = {}) => request(agent, url, 'GET', route, undefined, { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers }),
    emuPost: async (route, body) => JSON.parse((await request(agent, emu.url, 'POST', route, JSON.stringify(body), { 'content-type': 'application/json' })).text),
    post: (route, body, headers) => request(agent, url, 'POST', route, JSON.stringify(body), { 'content-type': 'application/json', ...headers }),
    handle: (event) => hark.handler.handle(event, silentLogger),
    async close() {
      agent.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await hark.stop();
      await state.close();
      await emu.close();
      await store.cleanup();
    },
  };
}

function request(agent: http.Agent, base: string, method: string, route: string, body: string | undefined, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${route}`, { method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
