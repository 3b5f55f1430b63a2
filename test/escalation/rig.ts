import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildHark, type HarkApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Delivery } from '../../src/delivery/index.ts';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import type { ScannerConfig, TimerScanner } from '../../src/timers/index.ts';
import type { IncidentModule } from '../../src/http/routes/index.ts';
import { systemClock, type Clock } from '../../src/incident/ports.ts';
import type { Actor, Source } from '../../src/incident/types.ts';
import { normalizePayload } from '../../src/ingest/normalize.ts';
import { silentLogger } from '../../src/log.ts';
import { createSharedState, type SharedState } from '../../src/state/index.ts';
import { openSqliteTestStore, type TestEngine, type TestStore } from '../helpers/store.ts';
import { ADMIN_TOKEN, apiClient } from '../helpers/api.ts';

// Escalation in process: real store (SQLite or PostgreSQL), real delivery listener and outbox, the
// real Koa routers; the emulator and the outbox worker only when a test wants cards delivered.

export { ADMIN_TOKEN } from '../helpers/api.ts';
/** A clock the test moves by hand (escalation and incidents); delivery keeps wall time. */
export { FakeClock } from '../helpers/clock.ts';

/** One replica's timer scanner, and the Hark it belongs to (built by buildHark, as in production). */
export interface Replica {
  scanner: TimerScanner;
  hark: HarkApp;
}

export interface EscRig {
  store: TestStore;
  clock: Clock;
  state: SharedState;
  delivery: Delivery;
  /** The main replica's timers (its scanner fires every registered kind). */
  escalation: Replica;
  hark: HarkApp;
  mod: IncidentModule;
  source: Source;
  emu: Emulator | null;
  url: string;
  admin(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: any }>;
  member(name: string, opts?: { openId?: string | null }): Promise<string>;
  chat(chatId: string, name: string): Promise<void>;
  policy(body: unknown): Promise<void>;
  fire(key: string, severity?: string): Promise<number>;
  actor(name: string): Actor;
  timeline(number: number): Promise<string[]>;
  /** Outbox sends of the incident: "open_id:ou_…" or "chat_id:oc_…". */
  sends(number: number): Promise<string[]>;
  /** Another Hark over the same store (another replica, or the process after a restart); not started. */
  replica(owner: string, config?: Partial<ScannerConfig>): Promise<Replica>;
  close(): Promise<void>;
}

export async function startEscRig(
  opts: { engine?: TestEngine; clock?: Clock; emulator?: boolean; scanner?: Partial<ScannerConfig> } = {},
): Promise<EscRig> {
  const store = opts.engine ? await opts.engine.open() : await openSqliteTestStore();
  const clock = opts.clock ?? systemClock;
  const state = createSharedState();
  const emu = opts.emulator ? await startEmulator({ port: 0, timeScale: 0.001, pingInterval: 1, reconnectInterval: 1, reconnectNonce: 0 }) : null;
  const config = loadConfig({
    LARK_APP_ID: emu?.appId ?? 'cli_x',
    LARK_APP_SECRET: emu?.appSecret ?? 'x',
    LARK_DOMAIN: emu?.url ?? 'http://127.0.0.1:1',
    DATABASE_URL: 'sqlite::memory:',
    HARK_ADMIN_TOKEN: ADMIN_TOKEN,
    HARK_SESSION_SECRET: 'x'.repeat(32),
  });
  // The production wiring (src/app.ts); the test's clock moves escalation and incidents, delivery keeps wall time.
  const hark = await buildHark(config, {
    logger: silentLogger,
    store,
    state,
    clock,
    deliveryClock: systemClock,
    delivery: { pollMs: 50, retryBaseMs: 50, retryMaxMs: 400, leaseMs: 5000 },
    deliveryOwner: 'w-test',
    escalation: { pollMs: 50, ...opts.scanner },
    escalationOwner: 't-main',
  });
  const { delivery } = hark;
  const mod = hark.services;
  const escalation: Replica = { scanner: hark.timers.scanner, hark };
  const replicas: HarkApp[] = [];
  // Another replica (or the process after a restart) over the same store: the production wiring again.
  const make = async (owner: string, config?: Partial<ScannerConfig>): Promise<Replica> => {
    const other = await buildHark(hark.config, {
      logger: silentLogger,
      store,
      state,
      clock,
      deliveryClock: systemClock,
      delivery: { pollMs: 50, retryBaseMs: 50, retryMaxMs: 400, leaseMs: 5000 },
      deliveryOwner: `w-${owner}`,
      escalation: { pollMs: 50, ...opts.scanner, ...config },
      escalationOwner: owner,
    });
    replicas.push(other);
    return { scanner: other.timers.scanner, hark: other };
  };
  const { source } = await mod.sources.create({ name: 'pay', kind: 'alertmanager' });
  const server = http.createServer(hark.app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (emu) delivery.worker.start();

  const admin: EscRig['admin'] = apiClient(url, ADMIN_TOKEN);
  const m = mod;
  return {
    store,
    clock,
    state,
    delivery,
    escalation,
    hark,
    mod: m,
    source,
    emu,
    url,
    admin,
    async member(name, o = {}) {
      const email = `${name.toLowerCase()}@example.com`;
      let openId = o.openId;
      if (openId === undefined && emu) openId = (await emu.control('POST', '/__emulator/users', { name, email })).open_id;
      await m.members.create({ name, email, role: 'responder', ...(openId ? { lark_open_id: openId } : {}) });
      return email;
    },
    async chat(chatId, name) {
      await delivery.chats.botAdded(chatId, name);
    },
    async policy(body) {
      const r = await admin('PUT', `/api/v1/sources/${source.name}/escalation`, body);
      if (r.status !== 200) throw new Error(`policy refused: ${JSON.stringify(r.body)}`);
    },
    async fire(key, severity = 'critical') {
      const payload = {
        version: '4',
        groupKey: `{}:{alertname="${key}"}`,
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'hark',
        groupLabels: { alertname: key },
        commonLabels: { alertname: key, severity },
        commonAnnotations: { summary: key },
        externalURL: 'http://alertmanager.example:9093',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: key, severity },
            annotations: { summary: key },
            startsAt: '2026-11-25T10:00:00Z',
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: 'http://prometheus.example:9090/graph',
            fingerprint: `fp-${key}`,
          },
        ],
      };
      const res = await m.incidents.ingest(source, normalizePayload('alertmanager', payload, clock.now()));
      if (!res.incident) throw new Error(res.message);
      return res.incident.number;
    },
    actor: (name) => ({ id: null, name, via: 'api' }),
    async timeline(number) {
      const rows = await store.db.selectFrom('timeline').select('message').where('incident_number', '=', number).orderBy('id').execute();
      return rows.map((r) => r.message);
    },
    async sends(number) {
      const rows = await store.db
        .selectFrom('outbox')
        .select(['target_type', 'target_id'])
        .where('incident_number', '=', number)
        .where('op', '=', 'send')
        .orderBy('id')
        .execute();
      return rows.map((r) => `${r.target_type}:${r.target_id}`);
    },
    replica: make,
    async close() {
      await Promise.all(replicas.map((r) => r.stop()));
      await hark.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await emu?.close();
      await state.close();
      await store.cleanup();
    },
  };
}
