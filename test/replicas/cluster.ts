import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.ts';
import { ADMIN_TOKEN, apiClient } from '../helpers/api.ts';

// Several real `node bin/hark.js start` processes against one emulator (in this process), one
// PostgreSQL schema and one Redis prefix, both fresh per cluster. Used by test/replicas and by
// bench/replicas.ts. Ports come from the OS (HARK_PORT=0; the port is read from the start-up log).

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export { ADMIN_TOKEN } from '../helpers/api.ts';

export interface Replica {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Parsed JSON log lines (and raw text lines as {msg}) seen so far. */
  readonly logs: Record<string, any>[];
  readonly exited: Promise<number | null>;
  alive(): boolean;
  /** Resident set size in MB, from /proc (Linux). */
  rssMb(): number;
}

export interface Cluster {
  emulator: Emulator;
  schema: string;
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  replicas: Replica[];
  start(name: string, env?: Record<string, string>): Promise<Replica>;
  /** SIGTERM (graceful) or SIGKILL (crash); resolves with the exit code. */
  stop(r: Replica, signal?: 'SIGTERM' | 'SIGKILL'): Promise<number | null>;
  api(r: Replica, method: string, route: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  emu(method: string, route: string, body?: unknown): Promise<any>;
  sql<T = any>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export function clusterConfig(): { databaseUrl: string; redisUrl: string } | null {
  const databaseUrl = process.env.HARK_TEST_DATABASE_URL;
  const redisUrl = process.env.HARK_TEST_REDIS_URL;
  return databaseUrl && redisUrl ? { databaseUrl, redisUrl } : null;
}

/** `?options=-c search_path=<schema>`: pg passes libpq's options parameter through a plain URL. */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export async function startCluster(
  opts: {
    databaseUrl: string;
    redisUrl: string;
    emulator?: Partial<EmulatorOptions>;
    env?: Record<string, string>;
    /** The replicas' PostgreSQL URL (e.g. through a test's proxy); the cluster's own queries use databaseUrl. */
    replicaDatabaseUrl?: string;
    /** The replicas' REDIS_URL (e.g. through a test's proxy); clean-up uses redisUrl. */
    replicaRedisUrl?: string;
  },
): Promise<Cluster> {
  const schema = `hark_rep_${crypto.randomBytes(6).toString('hex')}`;
  const prefix = `hark-test-${crypto.randomBytes(6).toString('hex')}:`;
  const admin = new pg.Pool({ connectionString: opts.databaseUrl, max: 2 });
  await admin.query(`create schema ${schema}`);
  const emulator = await startEmulator({
    port: 0,
    timeScale: 0.001,
    pingInterval: 1,
    reconnectInterval: 1,
    reconnectNonce: 0,
    ...opts.emulator,
  });
  const databaseUrl = withSearchPath(opts.replicaDatabaseUrl ?? opts.databaseUrl, schema);
  const replicas: Replica[] = [];

  const start = (name: string, env: Record<string, string> = {}) =>
    new Promise<Replica>((resolve, reject) => {
      // As `npx hark start` runs it: the executable with its shebang (and that shebang's node flags).
      const proc = spawn(path.join(ROOT, 'bin/hark.js'), ['start'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          LARK_APP_ID: emulator.appId,
          LARK_APP_SECRET: emulator.appSecret,
          LARK_DOMAIN: emulator.url,
          DATABASE_URL: databaseUrl,
          REDIS_URL: opts.replicaRedisUrl ?? opts.redisUrl,
          HARK_REDIS_PREFIX: prefix,
          HARK_PORT: '0',
          HARK_SESSION_SECRET: 'replica-session-secret-0123456789',
          HARK_ADMIN_TOKEN: ADMIN_TOKEN,
          LOG_LEVEL: 'info',
          // A profile of each replica (README "Benchmarks"): e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof";
          // close() then stops them with SIGTERM, so that Node writes the profile on its way out.
          ...(process.env.HARK_BENCH_REPLICA_NODE_OPTIONS ? { NODE_OPTIONS: process.env.HARK_BENCH_REPLICA_NODE_OPTIONS } : {}),
          ...opts.env,
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const logs: Record<string, any>[] = [];
      let port = 0;
      const exited = new Promise<number | null>((res) => proc.once('exit', (code, signal) => res(code ?? (signal ? -1 : null))));
      const onLine = (line: string) => {
        if (!line.trim()) return;
        let rec: Record<string, any>;
        try {
          rec = JSON.parse(line);
        } catch {
          rec = { msg: line };
        }
        logs.push(rec);
        if (logs.length > 5000) logs.splice(0, 1000);
        if (!port && rec.msg === 'hark listening' && rec.port) {
          port = rec.port;
          const r: Replica = {
            name,
            proc,
            port,
            url: `http://127.0.0.1:${port}`,
            logs,
            exited,
            alive: () => proc.exitCode === null && proc.signalCode === null,
            rssMb: () => rssMb(proc.pid!),
          };
          replicas.push(r);
          resolve(r);
        }
      };
      lines(proc.stdout!, onLine);
      lines(proc.stderr!, onLine);
      void exited.then((code) => {
        if (!port) reject(new Error(`replica ${name} exited (${code}) before listening:\n${logs.map((l) => JSON.stringify(l)).slice(-20).join('\n')}`));
      });
    });

  const api: Cluster['api'] = (r, method, route, body, token = ADMIN_TOKEN) => apiClient(r.url)(method, route, body, token);

  return {
    emulator,
    schema,
    databaseUrl,
    redisUrl: opts.redisUrl,
    prefix,
    replicas,
    start,
    async stop(r, signal = 'SIGTERM') {
      if (r.alive()) r.proc.kill(signal);
      return r.exited;
    },
    api,
    emu: (method, route, body) => emulator.control(method as 'GET' | 'POST', route, body),
    async sql(text, params) {
      const c = await admin.connect();
      try {
        await c.query(`set search_path to ${schema}`);
        return (await c.query(text, params as any[])).rows;
      } finally {
        c.release();
      }
    },
    async close() {
      for (const r of replicas) if (r.alive()) r.proc.kill(process.env.HARK_BENCH_REPLICA_NODE_OPTIONS ? 'SIGTERM' : 'SIGKILL');
      await Promise.all(replicas.map((r) => r.exited));
      await emulator.close();
      await admin.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
      await admin.end();
      const redis = new Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          if (keys.length) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } catch {
        /* best effort */
      } finally {
        redis.disconnect();
      }
    },
  };
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

function rssMb(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
