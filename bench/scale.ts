import v8 from 'node:v8';
import vm from 'node:vm';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeAfterBulkLoad, lastIncidentNumber } from '../src/store/history-repo.ts';
import { databaseBytes, runStoreUpkeep } from '../src/store/upkeep.ts';
import { p50, p99 } from './paging.ts';
import { pruneAndMeasure } from './scale-disk.ts';
import { pool } from './replicas.ts';
import { LIVE, startScaleRig, TIMER_PEOPLE, type ScaleRig } from './scale-rig.ts';
import type { Benchmark, BenchOptions, Figures } from './types.ts';

// scale_<figure>_ratio (issue 28): the same figures on an empty database and after a year of
// history (HARK_BENCH_SCALE_INCIDENTS incidents, default 100,000, with 10 alerts, 50 timeline rows,
// 2 card copies, 2 finished outbox rows and a fired timer each: bench/scale-history.ts), in the same
// run, on SQLite and on PostgreSQL (HARK_TEST_DATABASE_URL; a schema of its own, dropped after).
// Each ratio is at size ÷ empty of a cost (time; memory), so ≤ 1.25 is the goal for all:
//   ingest          time per alert: generic alerts over HTTP, INGEST_CONCURRENCY in flight (opened, then resolved)
//   click_p99       a card click (Ack / Unack on a live incident's card) through the bot, p99
//   list            `@Hark list` in a group → its reply handed to Lark, median
//   api_incidents   GET /api/v1/incidents?status=triggered, median
//   h5, incident_page  GET /h5 and /h5/incidents/:n with a web session, median
//   timer_lag       100 escalation steps due at once → each page queued in the outbox, p99 after due
//   rss             the process's resident memory after the figures (after a GC; the fill runs in a
//                   process of its own, bench/scale-fill.ts, so its rows are not counted)
// After the rounds, the disk (bench/scale-disk.ts): the real retention prune over 90% of the history,
// then SQLite's store upkeep or PostgreSQL's VACUUM, with the bytes before and after.
// HARK_BENCH_SCALE_INCIDENTS=2000 makes a quick run; HARK_BENCH_SCALE_ENGINES=sqlite runs one engine;
// HARK_BENCH_SCALE_ROUNDS=0 measures only the disk (fill, bytes per incident, prune).

const INCIDENTS = Number(process.env.HARK_BENCH_SCALE_INCIDENTS ?? 100_000);
const ENGINES = (process.env.HARK_BENCH_SCALE_ENGINES ?? 'sqlite,postgres').split(',');
const FILL_BATCH = 500;
const ROUNDS = Number(process.env.HARK_BENCH_SCALE_ROUNDS ?? 3);
const INGEST_ALERTS = 200;
const INGEST_CONCURRENCY = 8;
const CLICKS = 300;
const CLICK_CONCURRENCY = 10;
const READS = 25;
const STEPS = 100;
const LEAD_MS = 3000;

const gc: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

type Sample = Record<'ingest' | 'click_p99' | 'list' | 'api_incidents' | 'h5' | 'incident_page' | 'timer_lag' | 'rss', number>;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function reads(n: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm
  const ms: number[] = [];
  for (let i = 0; i < n; i++) ms.push(await timed(fn));
  return p50(ms);
}

async function ok(p: Promise<{ status: number; text: string }>, what: string): Promise<void> {
  const r = await p;
  if (r.status !== 200) throw new Error(`scale bench: ${what} answered ${r.status}: ${r.text.slice(0, 200)}`);
}

/** Milliseconds per alert: INGEST_ALERTS new alerts over HTTP, then the same resolved (so nothing stays open). */
async function ingest(rig: ScaleRig, tag: string): Promise<number> {
  const post = async (i: number, status: string) => {
    const s = rig.sources[i % rig.sources.length];
    const res = await rig.post('/api/v1/alerts', { title: `ingest ${tag} ${i}`, alert_key: `ingest-${tag}-${i}`, severity: i % 3 ? 'warning' : 'critical', status },
      { authorization: `Bearer ${s.token}` });
    if (res.status >= 300) throw new Error(`scale bench: ingest answered ${res.status}: ${res.text}`);
  };
  const ms = await timed(async () => {
    await pool(INGEST_ALERTS, INGEST_CONCURRENCY, (i) => post(i, 'firing'));
    await pool(INGEST_ALERTS, INGEST_CONCURRENCY, (i) => post(i, 'resolved'));
  });
  return ms / (2 * INGEST_ALERTS);
}

async function clicks(rig: ScaleRig, tag: string): Promise<number> {
  const acked = new Set<number>();
  const ms: number[] = [];
  let n = 0;
  await pool(CLICKS, CLICK_CONCURRENCY, async (i) => {
    // Each clicker has its own incident: CLICK_CONCURRENCY people, LIVE incidents between them.
    const live = rig.live[(i % CLICK_CONCURRENCY) + CLICK_CONCURRENCY * (Math.floor(i / CLICK_CONCURRENCY) % Math.floor(LIVE / CLICK_CONCURRENCY))];
    const op = acked.has(live.number) ? 'unack' : 'ack';
    const t = performance.now();
    const answer = (await rig.handle({
      kind: 'card_action', eventId: `scale-${tag}-${n++}`, operatorOpenId: rig.clicker.openId, operatorUnionId: null,
      value: { v: 1, op, incident: live.number }, name: null, option: null, formValue: null,
      messageId: live.messageId, chatId: rig.chatId, updateToken: null,
    })) as { toast?: { type: string; content: string } };
    ms.push(performance.now() - t);
    if (answer?.toast?.type !== 'success') throw new Error(`scale bench: ${op} #${live.number} answered ${JSON.stringify(answer?.toast)}`);
    if (op === 'ack') acked.add(live.number);
    else acked.delete(live.number);
  });
  // Leave every live incident triggered, as it was.
  for (const number of acked) {
    await rig.handle({
      kind: 'card_action', eventId: `scale-${tag}-undo-${number}`, operatorOpenId: rig.clicker.openId, operatorUnionId: null,
      value: { v: 1, op: 'unack', incident: number }, name: null, option: null, formValue: null,
      messageId: rig.live.find((l) => l.number === number)!.messageId, chatId: rig.chatId, updateToken: null,
    });
  }
  return p99(ms);
}

async function listCommand(rig: ScaleRig, tag: string): Promise<number> {
  const ms: number[] = [];
  for (let n = 0; n <= READS; n++) {
    // The message as Lark holds it (the reply goes to it); its event is handed to the bot directly.
    const { message_id } = await rig.emuPost('/__emulator/messages', { chat_id: rig.chatId, sender_open_id: rig.clicker.openId, text: 'list', mention_bot: true });
    const t = await timed(() =>
      rig.handle({
        kind: 'message', eventId: `scale-list-${tag}-${n}`, messageId: message_id, chatId: rig.chatId, chatType: 'group',
        senderOpenId: rig.clicker.openId, senderUnionId: null, text: 'list', mentionsBot: true, parentId: null, createTime: Date.now(),
      }),
    );
    if (n > 0) ms.push(t); // the first warms up
  }
  return p50(ms);
}

/** STEPS escalation steps due at the same instant, each paging one of TIMER_PEOPLE: p99 of (queued − due). */
async function timerLag(rig: ScaleRig, tag: string): Promise<number> {
  const db = rig.store.db;
  const numbers: number[] = [];
  for (let i = 0; i < STEPS; i++) numbers.push((await rig.fire(rig.timerSources[i % TIMER_PEOPLE], `step-${tag}-${i}`))!);
  for (let p = 0; p < TIMER_PEOPLE; p++) {
    const policy = { levels: [{ targets: [{ member: rig.timerPeople[p] }], wait_minutes: 60 }], repeat: 0 };
    await db.updateTable('sources').set({ escalation: JSON.stringify(policy) }).where('id', '=', rig.timerSources[p].id).execute();
  }
  const due = Date.now() + LEAD_MS;
  await db.insertInto('timers').values(numbers.map((n) => ({
    kind: 'escalate', incident_number: n, due_at: due, data: JSON.stringify({ level: 0, round: 0 }), status: 'pending',
    pending_key: `escalate:${n}`, created_at: due - LEAD_MS, updated_at: due - LEAD_MS,
  }))).execute();
  rig.hark.timers.scheduled(due);
  const queued = () => db.selectFrom('outbox').select('created_at').where('op', '=', 'send').where('target_type', '=', 'open_id')
    .where('incident_number', 'in', numbers).execute();
  const deadline = Date.now() + LEAD_MS + 120_000;
  let rows = await queued();
  while (rows.length < STEPS) {
    if (Date.now() > deadline) throw new Error(`scale bench: only ${rows.length} of ${STEPS} steps fired`);
    await new Promise((r) => setTimeout(r, 50));
    rows = await queued();
  }
  await db.updateTable('sources').set({ escalation: null }).where('id', 'in', rig.timerSources.map((s) => s.id)).execute();
  for (let i = 0; i < STEPS; i++) await rig.fire(rig.timerSources[i % TIMER_PEOPLE], `step-${tag}-${i}`, 'resolved');
  return p99(rows.map((r) => Number(r.created_at) - due));
}

async function sample(rig: ScaleRig, tag: string, log: BenchOptions['log']): Promise<Sample> {
  const live = rig.live[0].number;
  const s: Partial<Sample> = {};
  log(`  ${rig.engine}: measuring (${tag})`);
  s.list = await listCommand(rig, tag);
  s.api_incidents = await reads(READS, () => ok(rig.get('/api/v1/incidents?status=triggered'), 'GET /api/v1/incidents'));
  s.h5 = await reads(READS, () => ok(rig.get('/h5', { cookie: rig.cookie }), 'GET /h5'));
  s.incident_page = await reads(READS, () => ok(rig.get(`/h5/incidents/${live}`, { cookie: rig.cookie }), 'GET /h5/incidents/:n'));
  s.click_p99 = await clicks(rig, tag);
  s.ingest = await ingest(rig, tag);
  s.timer_lag = await timerLag(rig, tag);
  await rig.hark.bot.drain();
  s.rss = 0;
  // The two figures of a few milliseconds to tens, where one round's noise shows in a ratio.
  log(`  ${rig.engine} ${tag}: click p99 ${s.click_p99.toFixed(1)} ms, timer lag p99 ${s.timer_lag} ms`);
  return s as Sample;
}

async function fill(rig: ScaleRig, log: BenchOptions['log'], count = INCIDENTS): Promise<number> {
  const world = { ...rig.world, total: count };
  const job = { url: rig.store.url, schema: rig.store.schema, world, first: (await lastIncidentNumber(rig.store.db)) + 1, count, batch: FILL_BATCH };
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scale-fill.ts');
  const seconds = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let last = '';
    let errors = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        last = line;
        if (!line.startsWith('{')) log(`  ${rig.engine}: ${line}`);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
    child.on('exit', (code) => (code === 0 ? resolve((JSON.parse(last) as { seconds: number }).seconds) : reject(new Error(`scale fill failed (${code}): ${errors}`))));
  });
  // What runs on its own in production: PostgreSQL's autovacuum analyzes a grown table; Hark's
  // store upkeep runs SQLite's checkpoint and incremental vacuum (and no ANALYZE: see upkeep.ts).
  if (rig.engine === 'postgres') await analyzeAfterBulkLoad(rig.store.db);
  await runStoreUpkeep(rig.store);
  return seconds;
}

/** Per figure, the median over rounds. */
function medians(samples: Sample[]): Sample {
  const keys = Object.keys(samples[0]) as (keyof Sample)[];
  return Object.fromEntries(keys.map((k) => [k, p50(samples.map((x) => x[k]))])) as Sample;
}

/**
 * Two Harks on two databases of the same engine, one left empty and one filled, measured in turns
 * over ROUNDS rounds (medians): on a shared, loaded machine the load drifts by more than history
 * costs, and taking turns lets the drift hit both alike. RSS is the process's (both Harks) before
 * the fill and after the rounds.
 */
async function runEngine(engine: 'sqlite' | 'postgres', log: BenchOptions['log']): Promise<Figures> {
  if (ROUNDS === 0) return diskOnly(engine, log);
  const emptyRig = await startScaleRig(engine);
  const fullRig = await startScaleRig(engine);
  try {
    await sample(emptyRig, 'warm-e', log);
    await sample(fullRig, 'warm-f', log);
    const rssEmpty = (gc(), process.memoryUsage().rss / 1_048_576);
    const bytesEmpty = await databaseBytes(fullRig.store);
    const fillSeconds = await fill(fullRig, log);
    const bytesFull = await databaseBytes(fullRig.store);
    const runs: { empty: Sample[]; full: Sample[] } = { empty: [], full: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? (['full', 'empty'] as const) : (['empty', 'full'] as const);
      for (const which of order) runs[which].push(await sample(which === 'empty' ? emptyRig : fullRig, `${which}${r}`, log));
    }
    const rssFull = (gc(), process.memoryUsage().rss / 1_048_576);
    const empty = { ...medians(runs.empty), rss: rssEmpty };
    const full = { ...medians(runs.full), rss: rssFull };
    const figures: Figures = {
      [`scale_${engine}_fill_s`]: Number(fillSeconds.toFixed(1)),
      [`scale_${engine}_bytes_per_incident`]: Math.round((bytesFull - bytesEmpty) / INCIDENTS),
    };
    for (const key of Object.keys(empty) as (keyof Sample)[]) {
      figures[`scale_${engine}_${key}_ratio`] = Number((full[key] / empty[key]).toFixed(3));
      log(`  ${engine} ${key}: empty ${empty[key].toFixed(2)}, at ${INCIDENTS} incidents ${full[key].toFixed(2)} (${(full[key] / empty[key]).toFixed(2)}×)`);
    }
    log(`  ${engine}: fill of ${INCIDENTS} incidents took ${fillSeconds.toFixed(0)} s; ${figures[`scale_${engine}_bytes_per_incident`]} bytes per incident`);
    return { ...figures, ...(await pruneAndMeasure(fullRig, bytesEmpty, log, (n) => fill(fullRig, log, n))) };
  } finally {
    await fullRig.close();
    await emptyRig.close();
  }
}

/** HARK_BENCH_SCALE_ROUNDS=0: the fill, bytes per incident and the prune, without the figures' rounds. */
async function diskOnly(engine: 'sqlite' | 'postgres', log: BenchOptions['log']): Promise<Figures> {
  const rig = await startScaleRig(engine);
  try {
    const bytesEmpty = await databaseBytes(rig.store);
    const fillSeconds = await fill(rig, log);
    const perIncident = Math.round(((await databaseBytes(rig.store)) - bytesEmpty) / INCIDENTS);
    log(`  ${engine}: fill of ${INCIDENTS} incidents took ${fillSeconds.toFixed(0)} s; ${perIncident} bytes per incident`);
    return { [`scale_${engine}_fill_s`]: Number(fillSeconds.toFixed(1)), [`scale_${engine}_bytes_per_incident`]: perIncident, ...(await pruneAndMeasure(rig, bytesEmpty, log, (n) => fill(rig, log, n))) };
  } finally {
    await rig.close();
  }
}

export const scaleBenchmark: Benchmark = {
  name: 'scale',
  description: `figures on an empty database ÷ after ${INCIDENTS} incidents of history (SQLite, PostgreSQL)`,
  async run(opts): Promise<Figures> {
    const all: Figures = {};
    for (const engine of ENGINES as ('sqlite' | 'postgres')[]) {
      if (engine === 'postgres' && !process.env.HARK_TEST_DATABASE_URL) {
        opts.log('  PostgreSQL skipped: set HARK_TEST_DATABASE_URL');
        continue;
      }
      Object.assign(all, await runEngine(engine, opts.log));
    }
    // The headline figure of each: the worse of the engines.
    const names = new Set(Object.keys(all).filter((k) => k.endsWith('_ratio')).map((k) => k.replace(/^scale_(sqlite|postgres)_/, '')));
    for (const name of names) {
      all[`scale_${name}`] = Math.max(...ENGINES.map((e) => all[`scale_${e}_${name}`]).filter((x) => x !== undefined));
    }
    return all;
  },
};
