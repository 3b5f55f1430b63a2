import { startEmulator, type EmulatorOptions } from '../../src/emulator/index.ts';
import type { RemoteEmulator } from '../bot/helpers.ts';
import { startLarkProcess } from '../helpers/lark-process.ts';
import { buildHark, type HarkApp } from '../../src/app.ts';
import type { Delivery, DeliveryConfig } from '../../src/delivery/index.ts';
import type { IncidentModule } from '../../src/incident/module.ts';
import type { Actor, Severity, Source } from '../../src/incident/types.ts';
import { normalizePayload } from '../../src/ingest/normalize.ts';
import { createSdkClient, SdkLarkApi } from '../../src/lark/client.ts';
import { silentLogger, type Logger } from '../../src/log.ts';
import { createSharedState, type SharedState } from '../../src/state/index.ts';
import { openSqliteTestStore, type TestEngine, type TestStore } from '../helpers/store.ts';
import { testConfig } from '../helpers/config.ts';
import { waitFor } from '../helpers/wait.ts';

// Delivery against the emulator over real sockets with the real SDK client and a real database,
// in a Hark built by buildHark (src/app.ts) as production builds it; only the outbox worker is started.

export interface EmMessage {
  message_id: string;
  chat_id: string;
  receive_id: string;
  msg_type: string;
  content: any;
  uuid?: string;
  update_count: number;
  create_time: number;
}

export interface DeliveryRig {
  emu: RemoteEmulator;
  store: TestStore;
  state: SharedState;
  lark: SdkLarkApi;
  delivery: Delivery;
  incidents: IncidentModule;
  source: Source;
  /** A group with the bot in it, known to the chat directory; subscribed to the source unless `subscribe: false`. */
  group(name: string, sub?: { minSeverity?: Severity; labels?: unknown } | false): Promise<string>;
  user(name: string, opts?: { available?: boolean }): Promise<string>;
  /** Alertmanager v4 webhook for one alert group, through the real normaliser and IncidentService. */
  fire(groupKey: string, a?: { severity?: string; labels?: Record<string, string>; title?: string; status?: 'firing' | 'resolved' }): Promise<number>;
  ack(number: number, who?: string): Promise<void>;
  messages(q: { chat_id?: string; open_id?: string }): Promise<EmMessage[]>;
  stats(): Promise<any>;
  timeline(number: number): Promise<string[]>;
  /** Waits until the outbox is empty and no call is in flight. */
  drained(timeout?: number): Promise<void>;
  /** A second Hark's delivery over the same database and shared state (another worker or replica). */
  another(owner?: string, lark?: SdkLarkApi): Promise<Delivery>;
  close(): Promise<void>;
}

export const TEST_DELIVERY: Partial<DeliveryConfig> = { pollMs: 100, retryBaseMs: 50, retryMaxMs: 400, leaseMs: 5000 };

export async function startDeliveryRig(
  opts: {
    engine?: TestEngine;
    config?: Partial<DeliveryConfig>;
    emulator?: Partial<EmulatorOptions>;
    start?: boolean;
    logger?: Logger;
    /**
     * Run the emulator in a process of its own. Lark counts rate limits on arrival at its servers;
     * an emulator sharing Hark's event loop reads a request late whenever Hark's loop stalls (a busy
     * machine), so two calls sent 250 ms apart can arrive together. Tests of pacing use this.
     */
    emulatorProcess?: boolean;
  } = {},
): Promise<DeliveryRig> {
  const emu: RemoteEmulator = opts.emulatorProcess
    ? await startLarkProcess({ ...opts.emulator })
    : await startEmulator({ port: 0, timeScale: 0.001, pingInterval: 1, reconnectInterval: 1, reconnectNonce: 0, ...opts.emulator });
  const store = opts.engine ? await opts.engine.open() : await openSqliteTestStore();
  const state = createSharedState();
  const logger = opts.logger ?? silentLogger;
  const lark = new SdkLarkApi(createSdkClient({ appId: emu.appId, appSecret: emu.appSecret, domain: emu.url }), logger);
  const config = testConfig({ LARK_APP_ID: emu.appId, LARK_APP_SECRET: emu.appSecret, LARK_DOMAIN: emu.url, DATABASE_URL: store.url });
  const harks: HarkApp[] = [];
  const make = async (owner?: string, client: SdkLarkApi = lark) => {
    const hark = await buildHark(config, { logger, store, state, lark: client, delivery: { ...TEST_DELIVERY, ...opts.config }, deliveryOwner: owner });
    harks.push(hark);
    return hark.delivery;
  };
  const delivery = await make('w-main');
  const incidents = harks[0].services;
  const { source } = await incidents.sources.create({ name: 'prom', kind: 'alertmanager' });
  if (opts.start !== false) delivery.worker.start();

  const control = emu.control.bind(emu);
  const rig: DeliveryRig = {
    emu,
    store,
    state,
    lark,
    delivery,
    incidents,
    source,
    async group(name, sub = {}) {
      const owner = await control('POST', '/__emulator/users', { name: `${name} owner` });
      const { chat_id } = await control('POST', '/__emulator/chats', { name, members: [owner.open_id] });
      await control('POST', `/__emulator/chats/${chat_id}/bot`, { present: true });
      await delivery.chats.botAdded(chat_id, name);
      if (sub !== false) await delivery.chats.subscribe(chat_id, source.name, { minSeverity: sub.minSeverity, labels: sub.labels });
      return chat_id;
    },
    async user(name, o = {}) {
      const u = await control('POST', '/__emulator/users', { name, available: o.available });
      return u.open_id;
    },
    async fire(groupKey, a = {}) {
      const labels = { alertname: a.title ?? groupKey, severity: a.severity ?? 'warning', ...a.labels };
      const payload = {
        version: '4',
        groupKey: `{}:{alertname="${groupKey}"}`,
        truncatedAlerts: 0,
        status: a.status ?? 'firing',
        receiver: 'hark',
        groupLabels: { alertname: labels.alertname },
        commonLabels: labels,
        commonAnnotations: { summary: a.title ?? groupKey },
        externalURL: 'http://alertmanager.example:9093',
        alerts: [
          {
            status: a.status ?? 'firing',
            labels,
            annotations: { summary: a.title ?? groupKey },
            startsAt: '2026-11-25T10:00:00Z',
            endsAt: a.status === 'resolved' ? '2026-11-25T10:05:00Z' : '0001-01-01T00:00:00Z',
            generatorURL: 'http://prometheus.example:9090/graph',
            fingerprint: `fp-${groupKey}`,
          },
        ],
      };
      const batch = normalizePayload('alertmanager', payload, Date.now());
      const res = await incidents.incidents.ingest(source, batch, { rawBody: JSON.stringify(payload) });
      if (!res.incident) throw new Error(`no incident for ${groupKey}: ${res.message}`);
      return res.incident.number;
    },
    async ack(number, who = 'Alice') {
      const actor: Actor = { id: null, name: who, via: 'api' };
      await incidents.incidents.ack(number, actor);
    },
    async messages(q) {
      const qs = new URLSearchParams(q as Record<string, string>).toString();
      const r = await control('GET', `/__emulator/messages?${qs}`);
      return r.items as EmMessage[];
    },
    stats: () => control('GET', '/__emulator/stats'),
    async timeline(number) {
      const rows = await store.db.selectFrom('timeline').select('message').where('incident_number', '=', number).orderBy('id').execute();
      return rows.map((r) => r.message);
    },
    async drained(timeout = 20_000) {
      await waitFor(async () => (await delivery.pending()) === 0 && harks.every((h) => h.delivery.worker.inFlight === 0), {
        timeout,
        message: 'outbox drained',
      });
    },
    another: (owner, client) => make(owner, client),
    async close() {
      await Promise.all(harks.map((h) => h.stop()));
      await emu.close();
      await state.close();
      await store.cleanup();
    },
  };
  return rig;
}

/** The text of a delivered card, for content assertions. */
export function cardText(m: EmMessage): string {
  return typeof m.content === 'string' ? m.content : JSON.stringify(m.content);
}
