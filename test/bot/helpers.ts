import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildHark, type HarkApp, type HarkOverrides } from '../../src/app.ts';
import type { BotRouter } from '../../src/bot/index.ts';
import type { EventHandler } from '../../src/bot/events.ts';
import type { BotDeps } from '../../src/bot/ports.ts';
import { loadConfig } from '../../src/config.ts';
import type { Delivery, DeliveryConfig } from '../../src/delivery/index.ts';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.ts';
import type { IncidentModule } from '../../src/http/routes/index.ts';
import type { MemberRole, Source } from '../../src/incident/types.ts';
import { normalizePayload } from '../../src/ingest/normalize.ts';
import type { LarkApi } from '../../src/lark/client.ts';
import { silentLogger, type Logger } from '../../src/log.ts';
import { createSharedState, type SharedState } from '../../src/state/index.ts';
import { openSqliteTestStore, type TestStore } from '../helpers/store.ts';
import { waitFor } from '../helpers/wait.ts';
import { ADMIN_TOKEN } from '../helpers/api.ts';

// The chat-operations bot composed the way main.ts should compose it (store → incident service with
// the delivery listener → bot → one dispatcher → long connection or HTTP callback), against the
// emulator over real sockets with the real SDK and real SQLite.

export interface EmMessage {
  message_id: string;
  chat_id: string;
  receive_id: string;
  msg_type: string;
  content: any;
  uuid: string | null;
  update_count: number;
  parent_id: string | null;
}

/** What the rig needs of an emulator in another process. */
export type RemoteEmulator = Pick<Emulator, 'url' | 'appId' | 'appSecret' | 'control' | 'close'>;

export interface BotRig {
  emu: Emulator;
  /** Everything buildHark built (timers, retention, …). */
  hark: HarkApp;
  store: TestStore;
  state: SharedState;
  delivery: Delivery;
  lark: LarkApi;
  services: IncidentModule;
  bot: BotRouter;
  source: Source;
  /** Base URL of Hark's HTTP side (HTTP callback mode only). */
  harkUrl: string | null;
  /** An emulator user; with a role, also a roster member linked to that Lark identity. */
  person(name: string, role?: MemberRole): Promise<string>;
  /** A group with the bot (the bot-added event is delivered and handled) and these members. */
  group(name: string, members: string[], opts?: { subscribe?: boolean }): Promise<string>;
  /** Fires one alert through the real normaliser and service; returns the incident number. */
  fire(key: string, severity?: string, labels?: Record<string, string>): Promise<number>;
  /** The message id of the incident's card in that chat, once delivery posted it. */
  cardIn(chatId: string, incident: number): Promise<string>;
  click(messageId: string, openId: string, value: unknown, extra?: Record<string, unknown>): Promise<any>;
  say(where: { chat_id: string } | { p2p_open_id: string }, sender: string, text: string, opts?: { mention?: boolean; parent_id?: string }): Promise<string>;
  messages(q: { chat_id?: string; open_id?: string }): Promise<EmMessage[]>;
  /** Waits for replies to one inbound message. */
  repliesTo(chatId: string, messageId: string, count?: number): Promise<EmMessage[]>;
  incident(number: number): Promise<{ status: string; ackedBy: string | null; snoozedUntil: number | null }>;
  timeline(number: number): Promise<string[]>;
  /** Bot background work done and the outbox empty. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function startBotRig(
  opts: {
    mode?: 'ws' | 'http';
    emulator?: Partial<EmulatorOptions>;
    logger?: Logger;
    /** Replaces the bot (baseline measurements). */
    handler?: EventHandler;
    delivery?: Partial<DeliveryConfig>;
    /** What Hark believes the secrets are (HTTP mode); default: the emulator's. */
    hark?: { encryptKey?: string; verificationToken?: string };
    /**
     * An emulator already running elsewhere (the click benchmark runs "Lark and the people" in their
     * own process, as in production). Long-connection mode only; its in-process `context` and `state`
     * are not reachable, so tests that read them start their own.
     */
    remoteEmulator?: RemoteEmulator;
    /** Changes the bot's ports before the bot is built (e.g. to hold an operation back). */
    wrapDeps?: (deps: BotDeps) => BotDeps;
    /** Opens the store (default SQLite in a temp dir; test/helpers/store.ts has PostgreSQL too). */
    openStore?: () => Promise<TestStore>;
    /** Retention batches and pauses (src/retention/). */
    retention?: HarkOverrides['retention'];
    /** The timer scanner's poll and batches (src/timers/). */
    timers?: HarkOverrides['escalation'];
  } = {},
): Promise<BotRig> {
  const logger = opts.logger ?? silentLogger;
  const mode = opts.mode ?? 'ws';
  const store = await (opts.openStore ?? openSqliteTestStore)();
  const state = createSharedState();

  // HTTP mode: Hark listens first, so the emulator can be told where to POST; the app that answers
  // is built (buildHark needs the emulator's URL) right after.
  let server: http.Server | null = null;
  let harkUrl: string | null = null;
  const emulatorSecrets = { encryptKey: 'test-encrypt-key-0123', verificationToken: 'test-verification-token' };
  let serve: http.RequestListener | null = null;
  if (mode === 'http') {
    server = http.createServer((req, res) => (serve ? serve(req, res) : void res.writeHead(503).end()));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    harkUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const emu: Emulator = opts.remoteEmulator ? (opts.remoteEmulator as Emulator) : await startEmulator({
    port: 0,
    timeScale: 0.001,
    pingInterval: 1,
    reconnectInterval: 1,
    reconnectNonce: 0,
    ...(mode === 'http' ? { callbackUrl: `${harkUrl}/lark/callback`, ...emulatorSecrets } : {}),
    ...opts.emulator,
  });
  const secrets = { ...emulatorSecrets, ...opts.hark };
  const config = loadConfig({
    LARK_APP_ID: emu.appId,
    LARK_APP_SECRET: emu.appSecret,
    LARK_DOMAIN: emu.url,
    HARK_EVENT_MODE: mode,
    ...(mode === 'http' ? { LARK_ENCRYPT_KEY: secrets.encryptKey, LARK_VERIFICATION_TOKEN: secrets.verificationToken } : {}),
    HARK_PUBLIC_URL: 'http://hark.test',
    HARK_ADMIN_TOKEN: ADMIN_TOKEN,
    DATABASE_URL: 'sqlite::memory:',
    HARK_SESSION_SECRET: 'x'.repeat(32),
  });
  // The production wiring (src/app.ts): store → incident service with the delivery and escalation
  // listeners → bot → one dispatcher → long connection or HTTP callback.
  const hark = await buildHark(config, {
    logger,
    store,
    state,
    delivery: { pollMs: 50, retryBaseMs: 50, retryMaxMs: 400, ...opts.delivery },
    handler: opts.handler,
    wrapBotDeps: opts.wrapDeps,
    retention: opts.retention,
    escalation: opts.timers,
  });
  serve = hark.app.callback();
  const { delivery, services, bot, connection } = hark;
  const lark = hark.lark;
  await hark.start();
  if (connection) await waitFor(() => connection.isConnected(), { message: 'long connection' });
  const { source } = await services.sources.create({ name: 'prom', kind: 'alertmanager' });

  const control = emu.control.bind(emu);
  const messages = async (q: { chat_id?: string; open_id?: string }) =>
    (await control('GET', `/__emulator/messages?${new URLSearchParams(q as Record<string, string>)}`)).items as EmMessage[];

  const rig: BotRig = {
    emu,
    hark,
    store,
    state,
    delivery,
    lark,
    services,
    bot,
    source,
    harkUrl,
    async person(name, role) {
      const u = await control('POST', '/__emulator/users', { name });
      if (role) await services.members.create({ name, email: `${name.toLowerCase().replace(/\W/g, '')}@example.com`, role, lark_open_id: u.open_id });
      return u.open_id;
    },
    async group(name, members, o = {}) {
      const { chat_id } = await control('POST', '/__emulator/chats', { name, members, add_bot: true });
      // A replacement handler (baseline) does not record groups: do it here.
      if (opts.handler) await delivery.chats.botAdded(chat_id, name);
      await waitFor(async () => (await delivery.chats.get(chat_id))?.status === 'active', { message: `bot added to ${name}` });
      if (o.subscribe !== false) await delivery.chats.subscribe(chat_id, source.name, {});
      return chat_id;
    },
    async fire(key, severity = 'warning', extra = {}) {
      const labels = { alertname: key, severity, ...extra };
      const payload = {
        version: '4',
        groupKey: `{}:{alertname="${key}"}`,
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'hark',
        groupLabels: { alertname: key },
        commonLabels: labels,
        commonAnnotations: { summary: `${key} is failing` },
        externalURL: 'http://alertmanager.example:9093',
        alerts: [
          {
            status: 'firing',
            labels,
            annotations: { summary: `${key} is failing` },
            startsAt: '2026-11-25T10:00:00Z',
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: 'http://prometheus.example:9090/graph',
            fingerprint: `fp-${key}`,
          },
        ],
      };
      const res = await services.incidents.ingest(source, normalizePayload('alertmanager', payload, Date.now()));
      if (!res.incident) throw new Error(`no incident for ${key}`);
      return res.incident.number;
    },
    async cardIn(chatId, incident) {
      const row = await waitFor(
        () =>
          store.db
            .selectFrom('incident_messages')
            .select('message_id')
            .where('incident_number', '=', incident)
            .where('target_id', '=', chatId)
            .executeTakeFirst(),
        { message: `card of #${incident} in ${chatId}`, timeout: 15_000 },
      );
      return row.message_id;
    },
    async click(messageId, openId, value, extra = {}) {
      return (await control('POST', '/__emulator/click', { message_id: messageId, operator_open_id: openId, value, ...extra })).response;
    },
    async say(where, sender, text, o = {}) {
      const r = await control('POST', '/__emulator/messages', {
        ...where,
        sender_open_id: sender,
        text,
        mention_bot: o.mention ?? 'chat_id' in where,
        ...(o.parent_id ? { parent_id: o.parent_id } : {}),
      });
      return r.message_id;
    },
    messages,
    async repliesTo(chatId, messageId, count = 1) {
      return waitFor(
        async () => {
          const replies = (await messages({ chat_id: chatId })).filter((m) => m.parent_id === messageId);
          return replies.length >= count ? replies : null;
        },
        { message: `${count} replies to ${messageId}` },
      );
    },
    async incident(number) {
      const d = await services.incidents.get(number);
      return { status: d.incident.status, ackedBy: d.incident.ackedBy?.name ?? null, snoozedUntil: d.incident.snoozedUntil };
    },
    async timeline(number) {
      const rows = await store.db.selectFrom('timeline').select('message').where('incident_number', '=', number).orderBy('id').execute();
      return rows.map((r) => r.message);
    },
    async settled() {
      await bot.drain();
      await waitFor(async () => (await delivery.pending()) === 0 && delivery.worker.inFlight === 0, { message: 'outbox drained' });
    },
    async close() {
      await hark.stop();
      if (server) await new Promise<void>((r) => server!.close(() => r()));
      await emu.close();
      await state.close();
      await store.cleanup();
    },
  };
  return rig;
}

/** The callback value of the card button with this op (as Lark would send it back), or throws. */
export function buttonValue(card: unknown, op: string, duration?: string): Record<string, unknown> {
  const found: Record<string, unknown>[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o.type === 'callback' && o.value && typeof o.value === 'object') found.push(o.value as Record<string, unknown>);
    Object.values(o).forEach(walk);
  };
  walk(card);
  const v = found.find((x) => x.op === op && (duration === undefined || x.duration === duration));
  if (!v) throw new Error(`no ${op}${duration ? ` ${duration}` : ''} button on the card; buttons: ${JSON.stringify(found)}`);
  return v;
}

/** All visible text of a card or text message, for loose assertions. */
export function textOf(m: EmMessage | { content: unknown }): string {
  return typeof m.content === 'string' ? m.content : JSON.stringify(m.content);
}
