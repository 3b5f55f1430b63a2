import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { createInsights } from '../src/insights/index.ts';
import { appendHistory, type HistoryBatch } from '../src/store/history-repo.ts';
import { insightEntries } from '../src/store/insights-repo.ts';
import { isPostgres } from '../src/store/migrations/001-core.ts';
import { openStore, type Store } from '../src/store/db.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import type { DB } from '../src/store/schema.ts';
import { replaceTeamMembers, setSourceTeam, upsertTeam } from '../src/store/team-repo.ts';
import type { Benchmark, BenchOptions, Figures } from './types.ts';

// insights_7d_ms, insights_90d_ms (issue 27): GET /api/v1/insights's work (insights.report: the
// window and the one before it, the per-day series) over 100,000 incidents and 1,000,000 timeline
// rows spread over 180 days (10 entries an incident: open, an escalation step, a page, a group
// card, alert changes, an acknowledgement, a resolution, delivery notes), on SQLite and, with
// HARK_TEST_DATABASE_URL, PostgreSQL. Goal ≤ 1,000 ms for 7 days and ≤ 3,000 ms for 90 days.
// Baseline in the same run: reading the 90-day window's figure-bearing entries row by row
// (insights_read_90d_ms; insightEntries, the way the report read them before it read one packed row
// an incident), so insights_90d_ratio is the whole report (both windows, the arithmetic) against
// that one read of one window.

const INCIDENTS = Number(process.env.HARK_BENCH_INSIGHT_INCIDENTS ?? 100_000);
const SPAN_DAYS = 180;
const DAY = 86_400_000;
const NOW = Date.parse('2026-12-07T00:00:00Z');

export async function seed(db: Kysely<DB>, log: (l: string) => void): Promise<void> {
  const t0 = Date.now();
  const members: { id: number; openId: string }[] = [];
  for (let i = 0; i < 20; i++) {
    const openId = `ou_bench${i}`;
    const r = await db.insertInto('members').values({ name: `P${i}`, email: `p${i}@example.com`, role: 'responder', open_id: openId, union_id: null, created_at: NOW, linked_at: NOW, time_zone: i % 5 === 0 ? 'America/New_York' : null })
      .returning('id').executeTakeFirstOrThrow();
    members.push({ id: Number(r.id), openId });
  }
  const sources: number[] = [];
  for (let s = 0; s < 10; s++) {
    const r = await db.insertInto('sources').values({ name: `src-${s}`, kind: 'alertmanager', token_hash: `h${s}`, escalation: null, created_at: NOW }).returning('id').executeTakeFirstOrThrow();
    sources.push(Number(r.id));
  }
  for (const [i, name] of ['payments', 'search'].entries()) {
    const team = await upsertTeam(db, { name, timeZone: i ? 'Asia/Shanghai' : 'Europe/Berlin', homeChatId: null, openToAllResponders: false, settings: {} }, NOW);
    await replaceTeamMembers(db, team, members.slice(i * 10, i * 10 + 10).map((m) => ({ memberId: m.id, role: 'member' as const })), NOW);
    for (const s of sources.slice(i * 5, i * 5 + 5)) await setSourceTeam(db, s, team);
  }
  // History many rows a statement (src/store/history-repo.ts, as the scale benchmark fills): the
  // incidents carry their numbers, so their timelines go in the same batch.
  const sev = ['critical', 'warning', 'info'];
  const BATCH = 5_000;
  for (let start = 0; start < INCIDENTS; start += BATCH) {
    const batch: HistoryBatch = { incidents: [], alerts: [], timeline: [], cardCopies: [], outbox: [], timers: [] };
    for (let i = start; i < Math.min(INCIDENTS, start + BATCH); i++) {
      const n = i + 1;
      const at = NOW - Math.floor(((i + 0.5) / INCIDENTS) * SPAN_DAYS * DAY);
      batch.incidents.push({
        number: n, source_id: sources[i % 10]!, group_key: `alertname=A${i % 300}`, open_key: null, title: `Alert ${i % 300}`, description: null, status: 'resolved',
        severity: sev[i % 3]!, labels: '{}', links: '[]', snoozed_until: null, snoozed_by: null, snoozed_by_name: null, snoozed_at: null, acked_by: null, acked_by_name: null,
        acked_at: null, resolved_by: null, resolved_by_name: null, resolved_at: null, last_action: 'resolve', last_action_by: null, last_action_by_name: 'x',
        last_action_via: 'card', last_action_at: at, created_at: at, updated_at: at,
      });
      const m = members[n % 20]!;
      const e = (dt: number, kind: string, message: string, data: unknown = null, actor: number | null = null) =>
        batch.timeline.push({ incident_number: n, at: at + dt, kind, via: actor ? 'card' : 'auto', actor_id: actor, actor_name: actor ? 'P' : 'Hark', message, data: data === null ? null : JSON.stringify(data) });
      e(0, 'open', `#${n} opened`);
      e(1000, 'escalate', 'escalated to level 1', { level: 0, round: 0, targets: [`P${n % 20}`] });
      e(2000, 'delivery', `card sent to P${n % 20} privately`, { message_id: `om_${n}`, target_id: m.openId });
      e(2500, 'delivery', 'card posted in group ops', { message_id: `om_g${n}`, target_id: 'oc_ops' });
      e(30_000, 'alerts', '1 alert firing');
      e(60_000 + (n % 600) * 1000, 'ack', `#${n} acknowledged`, null, m.id);
      e(70_000, 'delivery', 'card updated', null);
      e(80_000, 'delivery', 'card updated', null);
      e(600_000, 'alerts', 'alert resolved');
      e(900_000 + (n % 3600) * 1000, n % 4 ? 'resolve' : 'auto_resolve', `#${n} resolved`, null, n % 4 ? m.id : null);
    }
    await appendHistory(db, batch);
  }
  // PostgreSQL's autovacuum vacuums and analyzes tables after a load this size within a minute (the
  // index-only reads of migration 034 want the visibility map it sets); do it now. SQLite is measured
  // as Hark runs it, without planner statistics (Hark never runs ANALYZE there).
  if (isPostgres(db)) await sql`vacuum analyze incidents, timeline`.execute(db);
  log(`  seeded ${INCIDENTS} incidents, ${INCIDENTS * 10} timeline rows in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

async function measure(engine: string, store: Store, log: (l: string) => void): Promise<Figures> {
  await seed(store.db, log);
  const insights = createInsights({ db: store.db, now: () => NOW });
  const best = async (fn: () => Promise<unknown>) => {
    let min = Infinity;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await fn();
      min = Math.min(min, performance.now() - t);
    }
    return Math.round(min);
  };
  const d7 = await best(() => insights.report({ window: '7d' }));
  const d90 = await best(() => insights.report({ window: '90d' }));
  const team90 = await best(() => insights.report({ window: '90d', team: 'payments' }));
  const read90 = await best(() => insightEntries(store.db, { from: NOW - 90 * DAY, to: NOW }));
  log(`  ${engine}: 7d ${d7} ms, 90d ${d90} ms (one team ${team90} ms); reading the 90-day rows alone ${read90} ms`);
  const p = engine === 'sqlite' ? '' : `_${engine}`;
  return { [`insights_7d_ms${p}`]: d7, [`insights_90d_ms${p}`]: d90, [`insights_read_90d_ms${p}`]: read90, [`insights_90d_ratio${p}`]: Math.round((d90 / Math.max(1, read90)) * 100) / 100 };
}

async function run(opts: BenchOptions): Promise<Figures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-bench-insights-'));
  const figures: Figures = {};
  const sqlite = openStore(`sqlite:${path.join(dir, 'hark.db')}`);
  try {
    await migrateToLatest(sqlite.db);
    Object.assign(figures, await measure('sqlite', sqlite, opts.log));
  } finally {
    await sqlite.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const url = process.env.HARK_BENCH_DATABASE_URL ?? process.env.HARK_TEST_DATABASE_URL;
  if (!url || process.env.HARK_BENCH_INSIGHT_ENGINES === 'sqlite') return figures;
  const schema = `hark_bench_${crypto.randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(sql);
    await c.end();
  };
  await admin(`create schema ${schema}`);
  const store = openStore(url, { schema });
  try {
    await migrateToLatest(store.db);
    Object.assign(figures, await measure('postgres', store, opts.log));
  } finally {
    await store.close();
    await admin(`drop schema if exists ${schema} cascade`);
  }
  return figures;
}

export const insightsBenchmark: Benchmark = {
  name: 'insights',
  description: 'insights over 100,000 incidents / 1,000,000 timeline rows: 7 and 90 days (SQLite, PostgreSQL)',
  run,
};
