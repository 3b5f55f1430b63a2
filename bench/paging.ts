import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { silentLogger } from '../src/log.ts';
import { startHark, type Hark } from '../src/main.ts';
import { pool } from './replicas.ts';
import type { Benchmark, BenchOptions, Figures } from './types.ts';
import { ADMIN_TOKEN } from '../test/helpers/api.ts';

// page_storm_p99_ms (issue 14): Hark as `hark start` runs it, against an in-process emulator with
// Lark's limits (50/s and 1000/min per app, 5/s per group and per person). A storm is queued first:
// STORM alerts over 50 sources, whose cards and updates wait for 100 subscribed groups. Then
// PAGES new critical incidents are fired one by one on their own sources, each paging a different
// linked person privately (escalation level 1). Measured: the ingest request's answer → that
// person's private card created in the emulator, p99. The baseline is the same pages, in the same
// run, with no storm.

export const STORM = Number(process.env.HARK_BENCH_PAGE_STORM ?? 2000);
export const STORM_SOURCES = 50;
export const GROUPS = 100;
export const PAGES = Number(process.env.HARK_BENCH_PAGES ?? 50);
/** Pages are fired this far apart, so that they meet the storm at different points. */
const PAGE_GAP_MS = 100;

export interface PageWorld {
  emu: Emulator;
  hark: Hark;
  api(method: string, route: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  pagers: { token: string; openId: string }[];
  stormTokens: string[];
  close(): Promise<void>;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

/** One HTTP call; a kept-alive socket the server closed meanwhile (ECONNRESET) is retried once on a new one. */
async function request(base: string, method: string, route: string, body: unknown, token: string): Promise<{ status: number; body: any }> {
  try {
    return await requestOnce(base, method, route, body, token);
  } catch (err) {
    if (!['ECONNRESET', 'EPIPE'].includes(String((err as { code?: string }).code))) throw err;
    return requestOnce(base, method, route, body, token);
  }
}

function requestOnce(base: string, method: string, route: string, body: unknown, token: string): Promise<{ status: number; body: any }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  const url = new URL(route, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, agent,
        headers: { authorization: `Bearer ${token}`, ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

export async function pageWorld(log: BenchOptions['log']): Promise<PageWorld> {
  const emu = await startEmulator({ port: 0 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-bench-paging-'));
  // The groups exist before Hark starts: it learns them from the chat list at start-up.
  const owner = (await emu.control('POST', '/__emulator/users', { name: 'Owner' })).open_id;
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    groups.push((await emu.control('POST', '/__emulator/chats', { name: `Team ${g}`, members: [owner], add_bot: false })).chat_id);
  }
  for (const chat of groups) await emu.control('POST', `/__emulator/chats/${chat}/bot`, { present: true });
  const config = loadConfig({
    LARK_APP_ID: emu.appId,
    LARK_APP_SECRET: emu.appSecret,
    LARK_DOMAIN: emu.url,
    DATABASE_URL: `sqlite:${path.join(dir, 'hark.db')}`,
    HARK_ADMIN_TOKEN: ADMIN_TOKEN,
    HARK_SESSION_SECRET: 'b'.repeat(32),
    LOG_LEVEL: 'error',
  });
  const hark = await startHark(config, { logger: silentLogger, port: 0 });
  const api = (method: string, route: string, body?: unknown, token = ADMIN_TOKEN) => request(hark.url, method, route, body, token);
  const stormTokens: string[] = [];
  for (let s = 0; s < STORM_SOURCES; s++) stormTokens.push((await api('POST', '/api/v1/sources', { name: `storm-${s}`, kind: 'generic' })).body.token);
  for (let g = 0; g < GROUPS; g++) {
    const r = await api('PUT', `/api/v1/chats/${groups[g]}/subscriptions/storm-${g % STORM_SOURCES}`, {});
    if (r.status !== 200) throw new Error(`subscription refused: ${JSON.stringify(r.body)}`);
  }
  const pagers: PageWorld['pagers'] = [];
  for (let i = 0; i < PAGES; i++) {
    const email = `oncall${i}@example.com`;
    const { open_id } = await emu.control('POST', '/__emulator/users', { name: `On-call ${i}`, email });
    await api('POST', '/api/v1/members', { name: `On-call ${i}`, email, role: 'responder', lark_open_id: open_id });
    const token = (await api('POST', '/api/v1/sources', { name: `pager-${i}`, kind: 'generic' })).body.token;
    const p = await api('PUT', `/api/v1/sources/pager-${i}/escalation`, { levels: [{ targets: [{ member: email }], wait_minutes: 30 }] });
    if (p.status !== 200) throw new Error(`policy refused: ${JSON.stringify(p.body)}`);
    pagers.push({ token, openId: open_id });
  }
  // The welcome cards of the 100 groups are sent before anything is measured: they are the
  // setting, not the storm.
  const drainBy = Date.now() + 120_000;
  while ((await hark.delivery.pending()) > 0) {
    if (Date.now() > drainBy) throw new Error('the welcome cards were not sent within 2 minutes');
    await new Promise((res) => setTimeout(res, 100));
  }
  log(`  world: ${GROUPS} groups over ${STORM_SOURCES} storm sources (welcome cards sent), ${PAGES} linked people each with a pager source`);
  return {
    emu, hark, api, pagers, stormTokens,
    async close() {
      await hark.stop();
      await emu.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fires the pages one by one; returns ingest answer → private card latencies in ms. */
export async function firePages(w: PageWorld, tag: string): Promise<number[]> {
  const arrived = new Map<string, number>();
  const pagerIds = new Set(w.pagers.map((p) => p.openId));
  const onMessage = (m: { chat_type: string; receive_id: string }) => {
    if (m.chat_type === 'p2p' && pagerIds.has(m.receive_id) && !arrived.has(m.receive_id)) arrived.set(m.receive_id, performance.now());
  };
  w.emu.state.on('message.created', onMessage);
  const answered = new Map<string, number>();
  try {
    for (let i = 0; i < w.pagers.length; i++) {
      const p = w.pagers[i];
      const r = await w.api('POST', '/api/v1/alerts', { title: `${tag} page ${i}`, alert_key: `${tag}-${i}`, severity: 'critical' }, p.token);
      answered.set(p.openId, performance.now());
      if (r.status !== 200) throw new Error(`page ingest answered ${r.status}`);
      await new Promise((res) => setTimeout(res, PAGE_GAP_MS));
    }
    const deadline = Date.now() + 300_000;
    while (arrived.size < w.pagers.length) {
      if (Date.now() > deadline) throw new Error(`only ${arrived.size} of ${w.pagers.length} pages arrived`);
      await new Promise((res) => setTimeout(res, 20));
    }
  } finally {
    w.emu.state.off('message.created', onMessage);
  }
  return w.pagers.map((p) => arrived.get(p.openId)! - answered.get(p.openId)!);
}

export function p99(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)];
}

export const p50 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function pageStorm(opts: BenchOptions): Promise<Figures> {
  // Baseline: the same pages with nothing else queued.
  const calm = await pageWorld(opts.log);
  let base: number[];
  try {
    base = await firePages(calm, 'calm');
  } finally {
    await calm.close();
  }
  opts.log(`  no storm: p50 ${p50(base).toFixed(0)} ms, p99 ${p99(base).toFixed(0)} ms`);

  const w = await pageWorld(opts.log);
  try {
    const severities = ['critical', 'warning', 'info'];
    await pool(STORM, 16, async (i) => {
      const s = i % STORM_SOURCES;
      const r = await w.api('POST', '/api/v1/alerts', { title: `storm ${i}`, alert_key: `storm-${i}`, severity: severities[i % 3] }, w.stormTokens[s]);
      if (r.status !== 200) throw new Error(`storm ingest answered ${r.status}`);
    });
    const queued = await w.hark.delivery.pending();
    opts.log(`  storm: ${STORM} alerts ingested; ${queued} card sends and updates queued for ${GROUPS} groups`);
    const before = (await w.emu.control('GET', '/__emulator/stats')).messages_created as number;
    const t0 = performance.now();
    const storm = await firePages(w, 'storm');
    const stats = await w.emu.control('GET', '/__emulator/stats');
    const seconds = (performance.now() - t0) / 1000;
    const groupCards = stats.messages_created - before - PAGES;
    opts.log(
      `  during the storm: p50 ${p50(storm).toFixed(0)} ms, p99 ${p99(storm).toFixed(0)} ms; meanwhile ${groupCards} group cards ` +
        `went out (${(groupCards / seconds).toFixed(1)}/s) and ${await w.hark.delivery.pending()} rows are still queued`,
    );
    return {
      page_storm_p99_ms: p99(storm),
      page_storm_p50_ms: p50(storm),
      page_storm_baseline_p99_ms: p99(base),
      page_storm_baseline_p50_ms: p50(base),
      page_storm_queued: queued,
      page_storm_http_429: stats.http_429,
      page_storm_code_230020: stats.code_230020,
    };
  } finally {
    await w.close();
  }
}

export const pageStormBenchmark: Benchmark = {
  name: 'page-storm',
  description: `${PAGES} critical pages, each to its own person, while ${STORM} alerts' cards wait for ${GROUPS} groups; and without the storm`,
  run: pageStorm,
};
