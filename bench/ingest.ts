import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildHark, type HarkApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { normalizePayload } from '../src/ingest/normalize.ts';
import { silentLogger } from '../src/log.ts';
import type { Store } from '../src/store/db.ts';
import { ALERTS_PER_PAYLOAD, payload } from './am-payload.ts';
import type { Benchmark, BenchOptions, Figures } from './types.ts';

// ingest_alerts_per_s: Alertmanager webhooks of 10 alerts, CONCURRENCY in flight, over real HTTP
// into the real Koa app on the default SQLite (temp file, WAL); each answer arrives after commit.
// ingest_baseline_alerts_per_s: the same batches through IncidentService.ingest with no HTTP, JSON
// or validation, on a fresh database, in the same run: the ratio is what the HTTP edge costs.
// Both run Hark as src/app.ts builds it (buildHark: delivery and escalation listeners included).

const CONCURRENCY = 16;

/** Hark as production builds it (src/app.ts) on a fresh SQLite file; nothing started, no Lark calls. */
async function freshHark(): Promise<{ hark: HarkApp; store: Store; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-bench-'));
  const config = loadConfig({ LARK_APP_ID: 'cli_bench', LARK_APP_SECRET: 'x', LARK_DOMAIN: 'http://127.0.0.1:9', DATABASE_URL: `sqlite:${path.join(dir, 'hark.db')}` });
  const hark = await buildHark(config, { logger: silentLogger });
  return { hark, store: hark.store, dir };
}

/** Runs `one(i)` with `concurrency` in flight for about `seconds` (after `warmup` calls); returns calls per second. */
async function sustained(one: (i: number) => Promise<void>, concurrency: number, seconds: number, warmup: number): Promise<number> {
  let next = 0;
  for (; next < warmup; next++) await one(next);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await one(next++);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

async function overHttp(opts: BenchOptions): Promise<number> {
  const { hark, store, dir } = await freshHark();
  const { token } = await hark.services.sources.create({ name: 'bench', kind: 'alertmanager' });
  const server = http.createServer(hark.app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const client = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load-client.ts');
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', client, String(port), token, String(CONCURRENCY), String(opts.seconds), '50'], (err, stdout, stderr) =>
        err ? reject(new Error(`load client failed: ${stderr || err.message}`)) : resolve(stdout),
      ),
    );
    const { requests, seconds } = JSON.parse(out) as { requests: number; seconds: number };
    const n = await store.db.selectFrom('alerts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    opts.log(`  http: ${requests} payloads in ${seconds.toFixed(1)}s; ${Number(n.n)} alerts committed`);
    return (requests / seconds) * ALERTS_PER_PAYLOAD;
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    await hark.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function baseline(opts: BenchOptions): Promise<number> {
  const { hark, dir } = await freshHark();
  const mod = hark.services;
  const { source } = await mod.sources.create({ name: 'bench', kind: 'alertmanager' });
  try {
    const now = Date.now();
    const rps = await sustained(
      (i) => mod.incidents.ingest(source, normalizePayload('alertmanager', JSON.parse(payload(i)), now)).then(() => {}),
      CONCURRENCY,
      opts.seconds,
      50,
    );
    return rps * ALERTS_PER_PAYLOAD;
  } finally {
    await hark.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const ingestBenchmark: Benchmark = {
  name: 'ingest',
  description: `Alertmanager webhooks of ${ALERTS_PER_PAYLOAD} alerts, ${CONCURRENCY} in flight, SQLite WAL`,
  async run(opts): Promise<Figures> {
    const base = await baseline(opts);
    const viaHttp = await overHttp(opts);
    return {
      ingest_alerts_per_s: Math.round(viaHttp),
      ingest_baseline_alerts_per_s: Math.round(base),
      ingest_http_to_baseline_ratio: Number((viaHttp / base).toFixed(3)),
    };
  },
};
