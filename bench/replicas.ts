import { startCluster, type Cluster, type Replica } from '../test/replicas/cluster.ts';
import type { Benchmark, BenchOptions, Figures } from './types.ts';

// Several replicas (real `node bin/hark.js start` processes) on one PostgreSQL schema and one Redis
// prefix, against one in-process emulator with Lark's default limits:
//   delivery_lost, delivery_duplicates: a storm of STORM incidents spread over CHATS groups (each
//     group subscribes to its own team label, so no group passes the storm budget), sent to both
//     replicas; one replica is killed with SIGKILL half-way. Every incident must end up as exactly
//     one card in its group (counted in the emulator, by the unique alert title in the card).
//   rss_idle_mb: one replica, connected and idle.
//   rss_10k_incidents_mb: the same replica's peak RSS while 10 000 incidents are opened over HTTP.
// Needs HARK_BENCH_DATABASE_URL (or HARK_TEST_DATABASE_URL) and HARK_BENCH_REDIS_URL (or HARK_TEST_REDIS_URL).

const STORM = Number(process.env.HARK_BENCH_STORM ?? 200);
const CHATS = Number(process.env.HARK_BENCH_STORM_CHATS ?? 20);
const INCIDENTS_10K = Number(process.env.HARK_BENCH_INCIDENTS ?? 10_000);

function config(): { databaseUrl: string; redisUrl: string } | null {
  const databaseUrl = process.env.HARK_BENCH_DATABASE_URL ?? process.env.HARK_TEST_DATABASE_URL;
  const redisUrl = process.env.HARK_BENCH_REDIS_URL ?? process.env.HARK_TEST_REDIS_URL;
  return databaseUrl && redisUrl ? { databaseUrl, redisUrl } : null;
}

export async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const ready = (c: Cluster, r: Replica) => until(`${r.name} ready`, 30_000, async () => (await c.api(r, 'GET', '/readyz')).status === 200);

/** Runs `fn(i)` for i < n with `concurrency` in flight. */
export async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await fn(next++);
  }));
}

async function memory(cfg: { databaseUrl: string; redisUrl: string }, log: BenchOptions['log']): Promise<Figures> {
  const c = await startCluster(cfg);
  try {
    const r = await c.start('mem');
    await ready(c, r);
    // Let start-up garbage settle: a few seconds of an idle, connected replica.
    await new Promise((res) => setTimeout(res, 3000));
    const idle = r.rssMb();
    log(`  idle replica: ${idle.toFixed(1)} MB`);
    const { body } = await c.api(r, 'POST', '/api/v1/sources', { name: 'mem', kind: 'generic' });
    let peak = r.rssMb();
    const sampler = setInterval(() => (peak = Math.max(peak, r.rssMb())), 200);
    const started = Date.now();
    await pool(INCIDENTS_10K, 16, async (i) => {
      const res = await c.api(r, 'POST', '/api/v1/alerts', { title: `mem-${i}`, alert_key: `mem-${i}`, severity: 'warning' }, body.token);
      if (res.status >= 300) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(res.body)}`);
    });
    clearInterval(sampler);
    peak = Math.max(peak, r.rssMb());
    log(`  ${INCIDENTS_10K} incidents in ${((Date.now() - started) / 1000).toFixed(1)} s; peak ${peak.toFixed(1)} MB`);
    return { rss_idle_mb: idle, rss_10k_incidents_mb: peak };
  } finally {
    await c.close();
  }
}

async function storm(cfg: { databaseUrl: string; redisUrl: string }, log: BenchOptions['log']): Promise<Figures> {
  const c = await startCluster(cfg);
  try {
    const owner = await c.emu('POST', '/__emulator/users', { name: 'Owner', email: 'owner@example.com' });
    const chats: string[] = [];
    for (let i = 0; i < CHATS; i++) {
      chats.push((await c.emu('POST', '/__emulator/chats', { name: `team-${i}`, members: [owner.open_id], add_bot: true })).chat_id);
    }
    const [a, b] = await Promise.all([c.start('a'), c.start('b')]);
    await Promise.all([ready(c, a), ready(c, b)]);
    const { body: src } = await c.api(a, 'POST', '/api/v1/sources', { name: 'storm', kind: 'generic' });
    // The groups are learned from the bot-added events (or the start-up chat sync).
    await until('groups known', 30_000, async () => (await c.api(a, 'GET', '/api/v1/chats')).body?.items?.length >= CHATS);
    for (let i = 0; i < CHATS; i++) {
      const r = await c.api(a, 'PUT', `/api/v1/chats/${chats[i]}/subscriptions/storm`, { labels: { team: `t${i}` } });
      if (r.status !== 200) throw new Error(`subscribe answered ${r.status}: ${JSON.stringify(r.body)}`);
    }

    const cards = async () => {
      const seen = new Map<number, number>();
      for (const chat of chats) {
        const { items } = await c.emu('GET', `/__emulator/messages?chat_id=${chat}`);
        for (const m of items as { content: unknown }[]) {
          const match = /storm-(\d+)\b/.exec(JSON.stringify(m.content));
          if (match) seen.set(Number(match[1]), (seen.get(Number(match[1])) ?? 0) + 1);
        }
      }
      return seen;
    };

    const started = Date.now();
    let killed = false;
    await pool(STORM, 8, async (j) => {
      const body = { title: `storm-${j}`, alert_key: `storm-${j}`, severity: 'critical', labels: { team: `t${j % CHATS}` } };
      // Half-way, once cards are flowing, replica a dies without warning.
      if (!killed && j >= STORM / 2) {
        killed = true;
        await until('cards flowing', 30_000, async () => (await cards()).size >= STORM / 4);
        await c.stop(a, 'SIGKILL');
        log(`  killed replica a (SIGKILL) after ${j} alerts`);
      }
      for (const r of j % 2 && a.alive() ? [a, b] : [b]) {
        const res = await c.api(r, 'POST', '/api/v1/alerts', body, src.token).catch(() => null);
        if (res && res.status < 300) return;
      }
      throw new Error(`alert storm-${j} was not accepted`);
    });
    log(`  ${STORM} alerts accepted in ${((Date.now() - started) / 1000).toFixed(1)} s; waiting for the cards`);
    // Rows leased by the dead replica come back when their lease runs out.
    await until('every card', 120_000, async () => (await cards()).size >= STORM).catch((err) => log(`  ${String(err)}`));
    // A moment for any late duplicate to show up.
    await new Promise((res) => setTimeout(res, 2000));
    const seen = await cards();
    let lost = 0;
    let duplicates = 0;
    for (let j = 0; j < STORM; j++) {
      const n = seen.get(j) ?? 0;
      if (n === 0) lost++;
      else duplicates += n - 1;
    }
    log(`  ${seen.size}/${STORM} cards in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { delivery_lost: lost, delivery_duplicates: duplicates };
  } finally {
    await c.close();
  }
}

export const replicasBenchmark: Benchmark = {
  name: 'replicas',
  description: `two hark processes on PostgreSQL + Redis: ${STORM}-alert storm with a kill -9 in the middle; memory idle and at ${INCIDENTS_10K} incidents`,
  async run(opts) {
    const cfg = config();
    if (!cfg) {
      opts.log('  skipped: set HARK_BENCH_DATABASE_URL and HARK_BENCH_REDIS_URL (or the HARK_TEST_ ones)');
      return {};
    }
    const parts = (process.env.HARK_BENCH_REPLICAS ?? 'storm,memory').split(",");
    return {
      ...(parts.includes('storm') ? await storm(cfg, opts.log) : {}),
      ...(parts.includes('memory') ? await memory(cfg, opts.log) : {}),
    };
  },
};
