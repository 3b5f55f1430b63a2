import { buildHark } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { defaultDeliveryConfig } from '../src/delivery/config.ts';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { normalizePayload } from '../src/ingest/normalize.ts';
import { silentLogger } from '../src/log.ts';
import { createSharedState } from '../src/state/index.ts';
import { openSqliteTestStore } from '../test/helpers/store.ts';
import { startCluster, type Cluster } from '../test/replicas/cluster.ts';
import { p99 } from './paging.ts';
import { pool, ready } from './replicas.ts';
import type { Benchmark, BenchOptions, Figures } from './types.ts';

// timer_lag_p99_ms (issue 14): STEPS escalation steps fall due at the same instant, each paging a
// person privately (level 1 of its source's policy; PEOPLE people, so no one person's 5/s limit
// decides). Measured per step: due time → the step fired and its private card queued for Lark
// (committed in the outbox), p99; its baseline is the same for LONE steps falling due one at a
// time afterwards (max), what a single step costs on the same scanners. Also: due time → the card
// created in the emulator, p99, whose floor is Lark's own per-app limit (the k-th card cannot
// leave before k ÷ the paced rate), given beside it as its baseline.
// Runs on SQLite (one replica, in this process) and, with HARK_TEST_DATABASE_URL and
// HARK_TEST_REDIS_URL (or HARK_BENCH_*), on PostgreSQL + Redis with two replicas: two real
// `hark start` processes (test/replicas/cluster.ts), as they run in production. (Two replicas in
// this one process would share one event loop, which firing a thousand steps saturates.)

const STEPS = Number(process.env.HARK_BENCH_TIMER_STEPS ?? 1000);
const PEOPLE = 50;
/** Baseline: this many steps, each falling due alone, after the thousand. */
const LONE = 10;
/** The steps are set due this far ahead, so that every scanner has looked and waits for them. */
const LEAD_MS = 3000;
/** Lark's per-app send rate as Hark paces it by default. */
const PACED_RATE = defaultDeliveryConfig.appPerSecond * defaultDeliveryConfig.pacing;

/** The two stores the bench reads and writes directly: timers in, outbox rows out. */
interface Db {
  insertSteps(incidents: number[], dueAt: number): Promise<void>;
  /** created_at of the private card rows queued, all or for one incident. */
  queuedAt(incident?: number): Promise<number[]>;
}

async function measure(engine: string, emu: Emulator, db: Db, steps: number[], lone: number[], log: BenchOptions['log']): Promise<Figures> {
  const cards: number[] = [];
  const due = Date.now() + LEAD_MS;
  const onCard = (m: { chat_type: string }) => {
    if (m.chat_type === 'p2p') cards.push(Date.now() - due);
  };
  emu.state.on('message.created', onCard);
  try {
    await db.insertSteps(steps, due);
    const deadline = Date.now() + LEAD_MS + 600_000;
    while (cards.length < steps.length) {
      if (Date.now() > deadline) throw new Error(`timers bench: only ${cards.length} of ${steps.length} cards arrived`);
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    emu.state.off('message.created', onCard);
  }
  const fired = (await db.queuedAt()).map((t) => t - due);
  // Baseline: steps falling due one at a time, found by the running scanners like the thousand.
  const alone: number[] = [];
  for (const n of lone) {
    const at = Date.now() + 1000;
    await db.insertSteps([n], at);
    const by = Date.now() + 30_000;
    let queued: number[];
    while ((queued = await db.queuedAt(n)).length === 0) {
      if (Date.now() > by) throw new Error(`timers bench: the lone step of #${n} did not fire`);
      await new Promise((res) => setTimeout(res, 20));
    }
    alone.push(queued[0] - at);
  }
  const floor = Array.from({ length: steps.length }, (_, k) => (k / PACED_RATE) * 1000);
  log(
    `  ${engine}: ${steps.length} steps fired, p99 ${p99(fired).toFixed(0)} ms after due (a step due alone: max ${Math.max(...alone)} ms); ` +
      `cards at Lark p99 ${(p99(cards) / 1000).toFixed(1)} s (floor from the ${PACED_RATE.toFixed(2)}/s paced limit: ${(p99(floor) / 1000).toFixed(1)} s)`,
  );
  return {
    [`timer_lag_${engine}_p99_ms`]: p99(fired),
    [`timer_lag_${engine}_alone_max_ms`]: Math.max(...alone),
    [`timer_card_${engine}_p99_ms`]: p99(cards),
    [`timer_card_${engine}_floor_p99_ms`]: p99(floor),
  };
}

const stepRow = (n: number, dueAt: number) => ({
  kind: 'escalate', incident_number: n, due_at: dueAt, data: JSON.stringify({ level: 0, round: 0 }), status: 'pending',
  pending_key: `escalate:${n}`, created_at: dueAt - LEAD_MS, updated_at: dueAt - LEAD_MS,
});

/** One replica on SQLite (buildHark: the production wiring) against an in-process emulator. */
async function runSqlite(log: BenchOptions['log']): Promise<Figures> {
  const emu = await startEmulator({ port: 0 });
  const store = await openSqliteTestStore();
  const state = createSharedState({});
  const config = loadConfig({
    LARK_APP_ID: emu.appId,
    LARK_APP_SECRET: emu.appSecret,
    LARK_DOMAIN: emu.url,
    DATABASE_URL: 'sqlite::memory:',
    HARK_SESSION_SECRET: 'x'.repeat(32),
  });
  const hark = await buildHark(config, { logger: silentLogger, store, state, deliveryOwner: 'w-a', escalationOwner: 't-a' });
  const { delivery, services: mod } = hark;
  try {
    // Incidents without a policy yet (nothing is sent), then each source gets its one-level policy.
    const people: string[] = [];
    const sources = [];
    for (let p = 0; p < PEOPLE; p++) {
      const email = `p${p}@example.com`;
      const { open_id } = await emu.control('POST', '/__emulator/users', { name: `Person ${p}`, email });
      await mod.members.create({ name: `Person ${p}`, email, role: 'responder', lark_open_id: open_id });
      people.push(email);
      sources.push((await mod.sources.create({ name: `timers-${p}`, kind: 'generic' })).source);
    }
    const numbers: number[] = [];
    for (let i = 0; i < STEPS + LONE; i++) {
      const r = await mod.incidents.ingest(sources[i % PEOPLE], normalizePayload('generic', { title: `step ${i}`, alert_key: `step-${i}`, severity: 'critical' }, Date.now()));
      numbers.push(r.incident!.number);
    }
    for (let p = 0; p < PEOPLE; p++) {
      const policy = { levels: [{ targets: [{ member: people[p] }], wait_minutes: 60 }], repeat: 0 };
      await store.db.updateTable('sources').set({ escalation: JSON.stringify(policy) }).where('id', '=', sources[p].id).execute();
    }
    delivery.worker.start();
    hark.timers.scanner.start();
    const db: Db = {
      async insertSteps(incidents, dueAt) {
        for (let i = 0; i < incidents.length; i += 200) {
          await store.db.insertInto('timers').values(incidents.slice(i, i + 200).map((n) => stepRow(n, dueAt))).execute();
        }
      },
      async queuedAt(incident) {
        let q = store.db.selectFrom('outbox').select('created_at').where('op', '=', 'send').where('target_type', '=', 'open_id');
        if (incident !== undefined) q = q.where('incident_number', '=', incident);
        return (await q.execute()).map((r) => Number(r.created_at));
      },
    };
    return await measure('sqlite', emu, db, numbers.slice(0, STEPS), numbers.slice(STEPS), log);
  } finally {
    await hark.stop();
    await state.close();
    await emu.close();
    await store.cleanup();
  }
}

/** Two `hark start` processes on one PostgreSQL schema and one Redis prefix. */
async function runPostgres(cfg: { databaseUrl: string; redisUrl: string }, log: BenchOptions['log']): Promise<Figures> {
  const c: Cluster = await startCluster(cfg);
  try {
    const [a, b] = await Promise.all([c.start('a'), c.start('b')]);
    await Promise.all([ready(c, a), ready(c, b)]);
    const ok = async (p: Promise<{ status: number; body: any }>) => {
      const r = await p;
      if (r.status >= 300) throw new Error(`timers bench: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const people: string[] = [];
    const tokens: string[] = [];
    for (let p = 0; p < PEOPLE; p++) {
      const email = `p${p}@example.com`;
      const { open_id } = await c.emu('POST', '/__emulator/users', { name: `Person ${p}`, email });
      await ok(c.api(a, 'POST', '/api/v1/members', { name: `Person ${p}`, email, role: 'responder', lark_open_id: open_id }));
      people.push(email);
      tokens.push((await ok(c.api(a, 'POST', '/api/v1/sources', { name: `timers-${p}`, kind: 'generic' }))).token);
    }
    await pool(STEPS + LONE, 8, async (i) => {
      await ok(c.api(i % 2 ? b : a, 'POST', '/api/v1/alerts', { title: `step ${i}`, alert_key: `step-${i}`, severity: 'critical' }, tokens[i % PEOPLE]));
    });
    for (let p = 0; p < PEOPLE; p++) {
      const policy = { levels: [{ targets: [{ member: people[p] }], wait_minutes: 60 }], repeat: 0 };
      await c.sql('update sources set escalation = $1 where name = $2', [JSON.stringify(policy), `timers-${p}`]);
    }
    const numbers = (await c.sql<{ number: number }>('select number from incidents order by number')).map((r) => Number(r.number));
    if (numbers.length !== STEPS + LONE) throw new Error(`timers bench: ${numbers.length} incidents, expected ${STEPS + LONE}`);
    const db: Db = {
      async insertSteps(incidents, dueAt) {
        for (let i = 0; i < incidents.length; i += 200) {
          const rows = incidents.slice(i, i + 200).map((n) => stepRow(n, dueAt));
          const cols = Object.keys(rows[0]) as (keyof (typeof rows)[0])[];
          const values = rows.map((_, r) => `(${cols.map((_, k) => `$${r * cols.length + k + 1}`).join(', ')})`).join(', ');
          await c.sql(`insert into timers (${cols.join(', ')}) values ${values}`, rows.flatMap((row) => cols.map((k) => row[k])));
        }
      },
      async queuedAt(incident) {
        const rows = await c.sql<{ created_at: number }>(
          `select created_at from outbox where op = 'send' and target_type = 'open_id'${incident === undefined ? '' : ' and incident_number = $1'}`,
          incident === undefined ? [] : [incident],
        );
        return rows.map((r) => Number(r.created_at));
      },
    };
    return await measure('postgres', c.emulator, db, numbers.slice(0, STEPS), numbers.slice(STEPS), log);
  } finally {
    await c.close();
  }
}

export const timerLagBenchmark: Benchmark = {
  name: 'timer-lag',
  description: `${STEPS} escalation steps due at the same instant: SQLite (one replica), PostgreSQL + Redis (two hark processes)`,
  async run(opts) {
    // HARK_BENCH_TIMER_ENGINES=postgres (or sqlite) runs one of the two.
    const engines = (process.env.HARK_BENCH_TIMER_ENGINES ?? 'sqlite,postgres').split(',');
    const databaseUrl = process.env.HARK_BENCH_DATABASE_URL ?? process.env.HARK_TEST_DATABASE_URL;
    const redisUrl = process.env.HARK_BENCH_REDIS_URL ?? process.env.HARK_TEST_REDIS_URL;
    const sqlite: Figures = engines.includes('sqlite') ? await runSqlite(opts.log) : {};
    const pg = engines.includes('postgres') && databaseUrl && redisUrl;
    const postgres: Figures = pg ? await runPostgres({ databaseUrl, redisUrl }, opts.log) : {};
    if (!pg) opts.log('  PostgreSQL + Redis skipped: set HARK_TEST_DATABASE_URL and HARK_TEST_REDIS_URL');
    const lags = [sqlite.timer_lag_sqlite_p99_ms, postgres.timer_lag_postgres_p99_ms].filter((x): x is number => x !== undefined);
    return { timer_lag_p99_ms: Math.max(...lags), ...sqlite, ...postgres };
  },
};
