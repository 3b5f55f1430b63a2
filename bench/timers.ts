import { createDelivery, type Delivery } from '../src/delivery/index.ts';
import { startEmulator } from '../src/emulator/index.ts';
import { createEscalation, createEscalationCore, type Escalation } from '../src/escalation/index.ts';
import { createIncidentModule } from '../src/http/routes/index.ts';
import { listeners } from '../src/incident/ports.ts';
import { normalizePayload } from '../src/ingest/normalize.ts';
import { createSdkClient, SdkLarkApi } from '../src/lark/client.ts';
import { silentLogger } from '../src/log.ts';
import { createSharedState, type SharedState } from '../src/state/index.ts';
import { openStore, type Store } from '../src/store/db.ts';
import { openPostgresTestStore, openSqliteTestStore, type TestStore } from '../test/helpers/store.ts';
import { p99 } from './paging.ts';
import type { Benchmark, BenchOptions, Figures } from './types.ts';

// timer_lag_p99_ms (issue 14): STEPS escalation steps fall due at the same instant, each paging a
// person privately (level 1 of its source's policy; PEOPLE people, so no one person's 5/s limit
// decides). Measured per step: due time → the step fired and its private card queued for Lark
// (committed in the outbox), p99; its baseline is the same for LONE steps falling due one at a
// time afterwards (max), what a single step costs on the same scanners. Also: due time → the card created in the emulator, p99, whose
// floor is Lark's own per-app limit (the k-th card cannot leave before k ÷ the paced rate), given
// beside it as its baseline. Runs on SQLite (one replica) and, with HARK_TEST_DATABASE_URL and
// HARK_TEST_REDIS_URL (or HARK_BENCH_*), on PostgreSQL + Redis with two replicas (each its own
// scanner, outbox worker and Redis connection, one database).

const STEPS = Number(process.env.HARK_BENCH_TIMER_STEPS ?? 1000);
const PEOPLE = 50;
/** Baseline: this many steps, each falling due alone, after the thousand. */
const LONE = 10;
/** The steps are set due this far after the scanners start. */
const LEAD_MS = 2000;

interface Replica {
  state: SharedState;
  delivery: Delivery;
  escalation: Escalation;
  store: Store;
}

async function runTimers(engine: 'sqlite' | 'postgres', log: BenchOptions['log']): Promise<Figures> {
  const pgUrl = process.env.HARK_BENCH_DATABASE_URL ?? process.env.HARK_TEST_DATABASE_URL;
  const redisUrl = process.env.HARK_BENCH_REDIS_URL ?? process.env.HARK_TEST_REDIS_URL;
  const emu = await startEmulator({ port: 0 });
  const main: TestStore = engine === 'postgres' ? await openPostgresTestStore() : await openSqliteTestStore();
  const prefix = `hark-bench-timers-${Date.now()}:`;
  const replicas: Replica[] = [];
  const make = (name: string, store: Store): Replica => {
    const state = createSharedState(engine === 'postgres' ? { redisUrl: redisUrl!, prefix } : {});
    const lark = new SdkLarkApi(createSdkClient({ appId: emu.appId, appSecret: emu.appSecret, domain: emu.url }), silentLogger);
    const delivery = createDelivery({ store, state, lark, owner: `w-${name}` });
    const core = createEscalationCore({ delivery: delivery.escalationPort });
    const mod = createIncidentModule({ db: store.db, listener: listeners(delivery.listener, core.listener) });
    const escalation = createEscalation(core, { store, incidents: mod.incidents, owner: `t-${name}` });
    const r = { state, delivery, escalation, store };
    replicas.push(r);
    return r;
  };
  const first = make('a', main);
  if (engine === 'postgres') make('b', openStore(pgUrl!, { schema: main.schema }));
  try {
    const mod = createIncidentModule({ db: main.db, listener: listeners(first.delivery.listener, first.escalation.listener) });
    // Incidents without a policy yet (nothing is sent), then each source gets its one-level policy
    // and every incident a waiting step, all due at the same instant.
    const people: { email: string; openId: string }[] = [];
    const sources = [];
    for (let p = 0; p < PEOPLE; p++) {
      const email = `p${p}@example.com`;
      const { open_id } = await emu.control('POST', '/__emulator/users', { name: `Person ${p}`, email });
      await mod.members.create({ name: `Person ${p}`, email, role: 'responder', lark_open_id: open_id });
      people.push({ email, openId: open_id });
      sources.push((await mod.sources.create({ name: `timers-${p}`, kind: 'generic' })).source);
    }
    const numbers: number[] = [];
    for (let i = 0; i < STEPS + LONE; i++) {
      const source = sources[i % PEOPLE];
      const r = await mod.incidents.ingest(source, normalizePayload('generic', { title: `step ${i}`, alert_key: `step-${i}`, severity: 'critical' }, Date.now()));
      numbers.push(r.incident!.number);
    }
    for (let p = 0; p < PEOPLE; p++) {
      const policy = { levels: [{ targets: [{ member: people[p].email }], wait_minutes: 60 }], repeat: 0 };
      await main.db.updateTable('sources').set({ escalation: JSON.stringify(policy) }).where('id', '=', sources[p].id).execute();
    }
    const lone = numbers.splice(STEPS);
    const insertSteps = async (incidents: number[], dueAt: number) => {
      for (let i = 0; i < incidents.length; i += 200) {
        await main.db
          .insertInto('timers')
          .values(incidents.slice(i, i + 200).map((n) => ({
            kind: 'escalate', incident_number: n, due_at: dueAt, data: JSON.stringify({ level: 0, round: 0 }), status: 'pending',
            pending_key: `escalate:${n}`, created_at: dueAt - LEAD_MS, updated_at: dueAt - LEAD_MS,
          })))
          .execute();
      }
    };
    const due = Date.now() + LEAD_MS;
    await insertSteps(numbers, due);
    const cards: number[] = [];
    emu.state.on('message.created', (m) => {
      if (m.chat_type === 'p2p') cards.push(Date.now() - due);
    });
    for (const r of replicas) {
      r.delivery.worker.start();
      r.escalation.scanner.start();
    }
    const deadline = Date.now() + LEAD_MS + 600_000;
    while (cards.length < STEPS) {
      if (Date.now() > deadline) throw new Error(`timers bench: only ${cards.length} of ${STEPS} cards arrived`);
      await new Promise((res) => setTimeout(res, 100));
    }
    const queued = await main.db.selectFrom('outbox').select('created_at').where('op', '=', 'send').where('target_type', '=', 'open_id').execute();
    const fired = queued.map((r) => Number(r.created_at) - due);
    // Baseline: steps falling due one at a time, found by the running scanners' poll like the thousand.
    const alone: number[] = [];
    for (const n of lone) {
      const at = Date.now() + 1000;
      await insertSteps([n], at);
      const by = Date.now() + 30_000;
      let row;
      while (!(row = await main.db.selectFrom('outbox').select('created_at').where('incident_number', '=', n).where('target_type', '=', 'open_id').executeTakeFirst())) {
        if (Date.now() > by) throw new Error(`timers bench: the lone step of #${n} did not fire`);
        await new Promise((res) => setTimeout(res, 20));
      }
      alone.push(Number(row.created_at) - at);
    }
    const rate = first.delivery.config.appPerSecond * first.delivery.config.pacing;
    const floor = Array.from({ length: STEPS }, (_, k) => (k / rate) * 1000);
    log(`  ${engine}: ${STEPS} steps fired, p99 ${p99(fired).toFixed(0)} ms after due (a step due alone: max ${Math.max(...alone)} ms); cards at Lark p99 ${(p99(cards) / 1000).toFixed(1)} s (floor from the ${rate.toFixed(2)}/s paced limit: ${(p99(floor) / 1000).toFixed(1)} s)`);
    return {
      [`timer_lag_${engine}_p99_ms`]: p99(fired),
      [`timer_lag_${engine}_alone_max_ms`]: Math.max(...alone),
      [`timer_card_${engine}_p99_ms`]: p99(cards),
      [`timer_card_${engine}_floor_p99_ms`]: p99(floor),
    };
  } finally {
    for (const r of replicas) {
      await r.escalation.scanner.stop();
      await r.delivery.worker.stop();
      await r.state.close();
      if (r.store !== main) await r.store.close();
    }
    await emu.close();
    await main.cleanup();
  }
}

export const timerLagBenchmark: Benchmark = {
  name: 'timer-lag',
  description: `${STEPS} escalation steps due at the same instant: SQLite (one replica), PostgreSQL + Redis (two replicas)`,
  async run(opts) {
    // HARK_BENCH_TIMER_ENGINES=postgres (or sqlite) runs one of the two.
    const engines = (process.env.HARK_BENCH_TIMER_ENGINES ?? 'sqlite,postgres').split(',');
    const sqlite = engines.includes('sqlite') ? await runTimers('sqlite', opts.log) : {};
    const pg = engines.includes('postgres') && (process.env.HARK_BENCH_DATABASE_URL ?? process.env.HARK_TEST_DATABASE_URL) && (process.env.HARK_BENCH_REDIS_URL ?? process.env.HARK_TEST_REDIS_URL);
    const postgres = pg ? await runTimers('postgres', opts.log) : {};
    if (!pg) opts.log('  PostgreSQL + Redis skipped: set HARK_TEST_DATABASE_URL and HARK_TEST_REDIS_URL');
    const lags = [(sqlite as Figures).timer_lag_sqlite_p99_ms, (postgres as Figures).timer_lag_postgres_p99_ms].filter((x): x is number => x !== undefined);
    return { timer_lag_p99_ms: Math.max(...lags), ...sqlite, ...postgres };
  },
};
