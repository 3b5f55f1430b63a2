import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { buildHark, type HarkApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Source } from '../src/incident/types.ts';
import { IngestService } from '../src/ingest/service.ts';
import { silentLogger } from '../src/log.ts';
import type { Store } from '../src/store/db.ts';
import { ALERTS_PER_PAYLOAD, payload } from './am-payload.ts';
import type { Benchmark, BenchOptions, Figures } from './types.ts';

// Alertmanager webhooks of 10 alerts (each opening a group), CONCURRENCY in flight, on the default
// SQLite (temp file, WAL), Hark as src/app.ts builds it (buildHark: delivery and escalation
// listeners included, nothing started). Three ways of writing the same alerts, each on a fresh
// database:
//   ingest_alerts_per_s           over real HTTP into the Koa app, from a load client in a process
//                                 of its own (as Alertmanager is); each answer arrives after commit.
//   ingest_baseline_alerts_per_s  the same payloads through what the HTTP route calls, with no HTTP:
//                                 JSON.parse of the same text, then IngestService.receive with that
//                                 text as the raw body (validation, grouping, the same rows and the
//                                 same stored payload bytes, one transaction a payload).
//   ingest_node_http_alerts_per_s what any HTTP edge leaves of the baseline on this machine: the
//                                 same load client and the same calls as the baseline (the source's
//                                 token checked, JSON.parse, IngestService.receive), behind a bare
//                                 node:http server instead of Koa (no router, middleware or koa-body).
//   ingest_bare_alerts_per_s      the machine's pace: the write statements Hark ran for the same
//                                 payloads (recorded in an untimed pass), replayed with bare
//                                 better-sqlite3 statements in the same transactions, no reads.
// The ratios are HTTP ÷ baseline (what the HTTP edge costs), bare node:http ÷ baseline (what the
// least an HTTP edge can cost leaves: the ceiling of the first on this machine) and HTTP ÷ bare. The rounds alternate
// the order of the phases (the machine is shared and its load drifts); figures are medians.
// ingest_http_cpu_ratio is the same comparison in CPU time of the Hark process per alert
// (process.cpuUsage), which other processes' load moves far less than it moves throughput.

const CONCURRENCY = 16;
const WARMUP = 50;
const ROUNDS = Number(process.env.HARK_BENCH_INGEST_ROUNDS ?? 3);
/** Payloads whose writes the bare phase replays. */
const BARE_PAYLOADS = 2000;

interface Phase {
  alertsPerS: number;
  /** CPU time of this process per alert, in ms. */
  cpuMsPerAlert: number;
}

/** Hark as production builds it (src/app.ts) on a fresh SQLite file; nothing started, no Lark calls. */
async function freshHark(): Promise<{ hark: HarkApp; store: Store; dir: string; file: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-bench-'));
  const file = path.join(dir, 'hark.db');
  const config = loadConfig({ LARK_APP_ID: 'cli_bench', LARK_APP_SECRET: 'x', LARK_DOMAIN: 'http://127.0.0.1:9', DATABASE_URL: `sqlite:${file}` });
  const hark = await buildHark(config, { logger: silentLogger });
  return { hark, store: hark.store, dir, file };
}

/** The service the ingest route calls (src/http/routes/ingest.ts), as buildHark wires it, without heartbeats. */
function ingestService(hark: HarkApp): IngestService {
  return new IngestService({ incidents: hark.services.incidents, heartbeats: { ping: () => Promise.reject(new Error('the bench sends no Watchdog alert')) }, clock: hark.clock });
}

/** What the ingest route calls once it has authenticated and read the body (src/http/routes/ingest.ts). */
function receiver(hark: HarkApp, source: Source): (i: number) => Promise<void> {
  const service = ingestService(hark);
  return async (i) => {
    const raw = payload(i);
    await service.receive(source, 'alertmanager', JSON.parse(raw), { rawBody: raw });
  };
}

async function alertCount(store: Store): Promise<number> {
  const n = await store.db.selectFrom('alerts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(n.n);
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

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

/**
 * The baseline's calls behind a bare node:http server: the body read, the token checked, the text
 * parsed and received, the answer written; no Koa, router, middleware or body parser.
 */
function bareServer(hark: HarkApp): http.Server {
  const service = ingestService(hark);
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const source = await hark.services.sources.authenticate((req.headers.authorization ?? '').replace(/^Bearer /, ''), 'alertmanager');
          const raw = Buffer.concat(chunks).toString('utf8');
          const text = JSON.stringify(await service.receive(source, 'alertmanager', JSON.parse(raw), { rawBody: raw }));
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
        } catch (err) {
          res.writeHead(500).end(String(err));
        }
      })();
    });
  });
}

async function overHttp(opts: BenchOptions, edge: 'koa' | 'node' = 'koa'): Promise<Phase> {
  const { hark, store, dir } = await freshHark();
  const { token } = await hark.services.sources.create({ name: 'bench', kind: 'alertmanager' });
  const server = edge === 'koa' ? http.createServer(hark.app.callback()) : bareServer(hark);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const client = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load-client.ts');
    const cpu = process.cpuUsage();
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', client, String(port), token, String(CONCURRENCY), String(opts.seconds), String(WARMUP)], (err, stdout, stderr) =>
        err ? reject(new Error(`load client failed: ${stderr || err.message}`)) : resolve(stdout),
      ),
    );
    // The client's start-up (while this process idles) and its warm-up are in the CPU time; so are their alerts.
    const serverMs = cpuMs(cpu);
    const { requests, seconds, cpuMs: clientMs } = JSON.parse(out) as { requests: number; seconds: number; cpuMs: number };
    const alerts = await alertCount(store);
    opts.log(`  ${edge === 'koa' ? 'http' : 'bare node:http'}: ${requests} payloads in ${seconds.toFixed(1)}s; ${alerts} alerts committed; client CPU ${(clientMs / (requests + WARMUP)).toFixed(3)} ms a payload`);
    return { alertsPerS: (requests / seconds) * ALERTS_PER_PAYLOAD, cpuMsPerAlert: serverMs / alerts };
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    await hark.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function baseline(opts: BenchOptions): Promise<Phase> {
  const { hark, store, dir } = await freshHark();
  const { source } = await hark.services.sources.create({ name: 'bench', kind: 'alertmanager' });
  try {
    const cpu = process.cpuUsage();
    const rps = await sustained(receiver(hark, source), CONCURRENCY, opts.seconds, WARMUP);
    const used = cpuMs(cpu);
    return { alertsPerS: rps * ALERTS_PER_PAYLOAD, cpuMsPerAlert: used / (await alertCount(store)) };
  } finally {
    await hark.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

type Recorded = [sql: string, args: unknown[]][];

/**
 * The statements other than reads that Hark runs for `payloads` payloads through the baseline's
 * path (transactions' begin and commit included), as better-sqlite3 received them.
 */
async function recordWrites(payloads: number): Promise<Recorded> {
  const { hark, dir } = await freshHark();
  const { source } = await hark.services.sources.create({ name: 'bench', kind: 'alertmanager' });
  const probe = new Database(':memory:');
  // better-sqlite3's Statement class, shared by every database of the process (Hark's included).
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<'run' | 'all' | 'get', (...a: unknown[]) => unknown>;
  probe.close();
  const kept = { run: proto.run, all: proto.all, get: proto.get };
  const recorded: Recorded = [];
  for (const m of ['run', 'all', 'get'] as const) {
    proto[m] = function (this: Database.Statement, ...args: unknown[]) {
      if (!/^\s*select\b/i.test(this.source)) recorded.push([this.source, args]);
      return kept[m].apply(this, args);
    };
  }
  try {
    const one = receiver(hark, source);
    for (let i = 0; i < payloads; i++) await one(i);
    return recorded;
  } finally {
    Object.assign(proto, kept);
    await hark.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Replays `recorded` on a fresh database of the same schema and settings as Hark's (src/store/db.ts). */
async function bare(recorded: Recorded): Promise<Phase> {
  const { hark, dir, file } = await freshHark();
  await hark.services.sources.create({ name: 'bench', kind: 'alertmanager' });
  await hark.stop();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  try {
    const statements = new Map<string, Database.Statement>();
    let commits = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (const [source, args] of recorded) {
      let stmt = statements.get(source);
      if (!stmt) statements.set(source, (stmt = db.prepare(source)));
      if (stmt.reader) stmt.all(...args);
      else stmt.run(...args);
      if (source === 'commit') commits++;
    }
    const ms = performance.now() - started;
    const used = cpuMs(cpu);
    return { alertsPerS: (commits * ALERTS_PER_PAYLOAD) / (ms / 1000), cpuMsPerAlert: used / (commits * ALERTS_PER_PAYLOAD) };
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export const ingestBenchmark: Benchmark = {
  name: 'ingest',
  description: `Alertmanager webhooks of ${ALERTS_PER_PAYLOAD} alerts, ${CONCURRENCY} in flight, SQLite WAL; ${ROUNDS} rounds (HARK_BENCH_INGEST_ROUNDS)`,
  async run(opts): Promise<Figures> {
    const writes = await recordWrites(BARE_PAYLOADS);
    type Round = Record<'http' | 'node' | 'base' | 'bare', Phase>;
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternating order, so a drift of the machine's load does not favour one phase.
      const order = r % 2 === 0 ? (['base', 'node', 'bare', 'http'] as const) : (['http', 'bare', 'node', 'base'] as const);
      const got: Partial<Round> = {};
      for (const phase of order) {
        got[phase] = phase === 'http' ? await overHttp(opts) : phase === 'node' ? await overHttp(opts, 'node') : phase === 'base' ? await baseline(opts) : await bare(writes);
      }
      const round = got as Round;
      rounds.push(round);
      opts.log(
        `  round ${r + 1}: http ${Math.round(round.http.alertsPerS)}, bare node:http ${Math.round(round.node.alertsPerS)}, baseline ${Math.round(round.base.alertsPerS)}, bare ${Math.round(round.bare.alertsPerS)} alerts/s; ` +
          `CPU ms an alert: http ${round.http.cpuMsPerAlert.toFixed(4)}, bare node:http ${round.node.cpuMsPerAlert.toFixed(4)}, baseline ${round.base.cpuMsPerAlert.toFixed(4)}, bare ${round.bare.cpuMsPerAlert.toFixed(4)}; load ${os.loadavg()[0].toFixed(1)}`,
      );
    }
    const m = (f: (x: (typeof rounds)[number]) => number) => median(rounds.map(f));
    return {
      ingest_alerts_per_s: Math.round(m((x) => x.http.alertsPerS)),
      ingest_baseline_alerts_per_s: Math.round(m((x) => x.base.alertsPerS)),
      ingest_bare_alerts_per_s: Math.round(m((x) => x.bare.alertsPerS)),
      ingest_node_http_alerts_per_s: Math.round(m((x) => x.node.alertsPerS)),
      ingest_http_to_baseline_ratio: Number(m((x) => x.http.alertsPerS / x.base.alertsPerS).toFixed(3)),
      ingest_node_http_to_baseline_ratio: Number(m((x) => x.node.alertsPerS / x.base.alertsPerS).toFixed(3)),
      ingest_http_cpu_ratio: Number(m((x) => x.base.cpuMsPerAlert / x.http.cpuMsPerAlert).toFixed(3)),
      ingest_http_to_bare_ratio: Number(m((x) => x.http.alertsPerS / x.bare.alertsPerS).toFixed(3)),
    };
  },
};
