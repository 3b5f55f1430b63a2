import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildHark, type HarkApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Delivery, DeliveryConfig } from '../src/delivery/index.ts';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { normalizePayload } from '../src/ingest/normalize.ts';
import { silentLogger } from '../src/log.ts';
import { createSharedState } from '../src/state/index.ts';
import { openStore, type Store } from '../src/store/db.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import type { Benchmark, BenchOptions, Figures } from './types.ts';

// delivery_rate_ratio: a storm over 100 groups (every group subscribed, every incident to every
// group), sent by one worker against the emulator with a per-app limit of LIMIT/s: cards
// delivered per second (emulator create times, first to last) ÷ LIMIT. Goal 0.9–1.0, never above.
// delivery_lost / delivery_duplicates: a storm over 20 groups with the worker killed a third of
// the way through (calls in flight reach Lark, nothing more is recorded) and a successor taking
// over after the leases run out: (group, incident) pairs with no card / with more than one.

const LIMIT = 50;
const GROUPS = 100;

interface World {
  emu: Emulator;
  store: Store;
  dir: string;
  delivery: Delivery;
  make(owner: string): Delivery;
  fire(i: number): Promise<void>;
  groups: string[];
  close(): Promise<void>;
}

async function world(groups: number, config: Partial<DeliveryConfig>): Promise<World> {
  const emu = await startEmulator({ port: 0, appPerSecond: LIMIT, appPerMinute: 1_000_000 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-bench-delivery-'));
  const store = openStore(`sqlite:${path.join(dir, 'hark.db')}`);
  await migrateToLatest(store.db);
  const state = createSharedState();
  const harkConfig = loadConfig({ LARK_APP_ID: emu.appId, LARK_APP_SECRET: emu.appSecret, LARK_DOMAIN: emu.url, DATABASE_URL: 'sqlite::memory:' });
  // Each replica is Hark as src/app.ts builds it, over the one store; only its outbox worker runs.
  const all: HarkApp[] = [];
  const replica = async (owner: string) => {
    const h = await buildHark(harkConfig, { logger: silentLogger, store, state, delivery: { stormPerMinute: 10_000, ...config }, deliveryOwner: owner });
    all.push(h);
    return h;
  };
  const first = await replica('bench-1');
  const delivery = first.delivery;
  const mod = first.services;
  const successor = await replica('bench-2');
  const make = (owner: string) => {
    if (owner !== 'bench-2') throw new Error(`bench replicas are bench-1 and bench-2, not ${owner}`);
    return successor.delivery;
  };
  const { source } = await mod.sources.create({ name: 'bench', kind: 'alertmanager' });
  const owner = await emu.control('POST', '/__emulator/users', { name: 'Owner' });
  const ids: string[] = [];
  for (let g = 0; g < groups; g++) {
    const { chat_id } = await emu.control('POST', '/__emulator/chats', { name: `Group ${g}`, members: [owner.open_id], add_bot: true });
    await delivery.chats.botAdded(chat_id, `Group ${g}`);
    await delivery.chats.subscribe(chat_id, 'bench', {});
    ids.push(chat_id);
  }
  const fire = async (i: number) => {
    const labels = { alertname: `Bench${i}`, severity: 'warning' };
    const body = {
      version: '4', groupKey: `{}:{alertname="Bench${i}"}`, truncatedAlerts: 0, status: 'firing', receiver: 'hark',
      groupLabels: { alertname: labels.alertname }, commonLabels: labels, commonAnnotations: { summary: `Bench ${i}` },
      externalURL: 'http://alertmanager.example:9093',
      alerts: [{ status: 'firing', labels, annotations: { summary: `Bench ${i}` }, startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus.example:9090/graph', fingerprint: `fp${i}` }],
    };
    await mod.incidents.ingest(source, normalizePayload('alertmanager', body, Date.now()));
  };
  return {
    emu, store, dir, delivery, make, fire, groups: ids,
    async close() {
      for (const h of all) await h.stop();
      await emu.close();
      await state.close();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`delivery bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function rate(opts: BenchOptions): Promise<Figures> {
  const incidents = Math.max(3, Math.round((opts.seconds * LIMIT) / GROUPS));
  const w = await world(GROUPS, { appPerSecond: LIMIT, appPerMinute: 1_000_000 });
  try {
    for (let i = 0; i < incidents; i++) await w.fire(i);
    const expected = incidents * GROUPS;
    opts.log(`  ${expected} cards queued for ${GROUPS} groups; emulator limit ${LIMIT}/s`);
    w.delivery.worker.start();
    await until(async () => (await w.delivery.pending()) === 0, expected * 100, 'the storm to drain');
    const stats = await w.emu.control('GET', '/__emulator/stats');
    const times: number[] = [];
    for (const chat of w.groups) {
      const { items } = await w.emu.control('GET', `/__emulator/messages?chat_id=${chat}`);
      for (const m of items) times.push(Number(m.create_time));
    }
    times.sort((a, b) => a - b);
    const seconds = (times[times.length - 1] - times[0]) / 1000;
    const perSecond = (times.length - 1) / seconds;
    return {
      delivery_rate_ratio: perSecond / LIMIT,
      delivery_cards_per_s: perSecond,
      delivery_limit_per_s: LIMIT,
      delivery_cards: times.length,
      delivery_seconds: seconds,
      delivery_http_429: stats.http_429,
      delivery_code_230020: stats.code_230020,
    };
  } finally {
    await w.close();
  }
}

async function crash(opts: BenchOptions): Promise<Figures> {
  const groups = 20;
  const incidents = 10;
  const w = await world(groups, { appPerSecond: LIMIT, appPerMinute: 1_000_000, leaseMs: 2000 });
  try {
    for (let i = 0; i < incidents; i++) await w.fire(i);
    const expected = groups * incidents;
    w.delivery.worker.start();
    await until(async () => (await w.emu.control('GET', '/__emulator/stats')).messages_created >= expected / 3, 60_000, 'a third of the storm');
    w.delivery.worker.kill();
    opts.log('  worker killed a third of the way through; successor starts');
    const successor = w.make('bench-2');
    successor.worker.start();
    await until(async () => (await successor.pending()) === 0 && successor.worker.inFlight === 0, 120_000, 'the successor to drain');
    let lost = 0;
    let duplicates = 0;
    for (const chat of w.groups) {
      const { items } = await w.emu.control('GET', `/__emulator/messages?chat_id=${chat}`);
      const per = new Map<string, number>();
      for (const m of items) {
        const n = /"incident":(\d+)/.exec(JSON.stringify(m.content))?.[1] ?? '?';
        per.set(n, (per.get(n) ?? 0) + 1);
      }
      lost += incidents - [...per.keys()].filter((k) => k !== '?').length;
      for (const c of per.values()) duplicates += Math.max(0, c - 1);
    }
    return { delivery_lost: lost, delivery_duplicates: duplicates };
  } finally {
    await w.close();
  }
}

export const deliveryBenchmark: Benchmark = {
  name: 'delivery',
  description: `storm over ${GROUPS} groups against the emulator's per-app limit; then a crash mid-storm`,
  async run(opts) {
    return { ...(await rate(opts)), ...(await crash(opts)) };
  },
};
