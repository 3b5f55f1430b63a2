import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfigTexts } from '../src/config-file/load.ts';
import { ConfigService } from '../src/config-file/service.ts';
import { ChatDirectory } from '../src/delivery/chats.ts';
import { openStore } from '../src/store/db.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import type { Benchmark, BenchOptions, Figures } from './types.ts';

// config_plan_ms and config_apply_ms (issue 24): a generated configuration of 50 teams, 500
// members, 200 sources (two routes and a three-level ladder each) and 50 schedules, read from YAML,
// planned and applied by the production ConfigService on SQLite, against an empty database and
// then against the populated one (a file where a tenth of the sources changed). The reported
// figure is the slower of the two (goal ≤ 2,000 ms each); the parts are reported too.

const TEAMS = 50;
const MEMBERS = 500;
const SOURCES = 200;
const SCHEDULES = 50;

export function generatedConfig(variant = 0): string {
  const lines: string[] = ['teams:'];
  const email = (i: number) => `person${i}@example.com`;
  for (let t = 0; t < TEAMS; t++) {
    lines.push(`  - name: team-${t}`, '    time_zone: Asia/Shanghai', `    home_chat: Team ${t} on-call`, '    members:');
    for (let m = 0; m < MEMBERS / TEAMS; m++) lines.push(`      - {email: ${email(t * (MEMBERS / TEAMS) + m)}, role: ${m === 0 ? 'lead' : 'member'}}`);
  }
  lines.push('members:');
  for (let i = 0; i < MEMBERS; i++) lines.push(`  - {name: Person ${i}, email: ${email(i)}, role: ${i % 50 === 0 ? 'admin' : 'responder'}}`);
  lines.push('sources:');
  for (let s = 0; s < SOURCES; s++) {
    const t = s % TEAMS;
    const wait = s % 10 === 0 && variant ? 7 : 5;
    lines.push(
      `  - name: source-${s}`, '    kind: alertmanager', `    team: team-${t}`,
      `    routes: [{chat: Team ${t} on-call, min_severity: warning}, {chat: Team ${(t + 1) % TEAMS} on-call, min_severity: critical, labels: {env: prod}}]`,
      '    escalation:', '      levels:',
      `        - {targets: [{schedule: schedule-${t}}], wait_minutes: ${wait}, urgent: app, unseen_after: 3m}`,
      `        - {targets: [{member: ${email(t * 10 + 1)}}], wait_minutes: 10, urgent: sms}`,
      `        - {targets: [{member: ${email(t * 10)}}, {chat: Team ${t} on-call}], wait_minutes: 15, urgent: phone}`,
      `    alertmanager: {url: "http://alertmanager-${t}:9093"}`, '    flap: {changes: 4, minutes: 60}',
    );
  }
  lines.push('schedules:');
  for (let s = 0; s < SCHEDULES; s++) {
    lines.push(
      `  - name: schedule-${s}`, `    team: team-${s}`, '    time_zone: Asia/Shanghai',
      `    layers: [{members: [${email(s * 10)}, ${email(s * 10 + 1)}, ${email(s * 10 + 2)}], rotation: {every: 1w, handoff: "10:00", start: "2026-12-07"}}]`,
      `    notify: {chats: [Team ${s} on-call]}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await run();
  return [r, performance.now() - t0];
}

async function configBench(opts: BenchOptions): Promise<Figures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-bench-config-'));
  const store = openStore(`sqlite:${path.join(dir, 'hark.db')}`);
  try {
    await migrateToLatest(store.db);
    const chats = new ChatDirectory(store.db);
    for (let t = 0; t < TEAMS; t++) await chats.botAdded(`oc_team_${t}`, `Team ${t} on-call`);
    const config = new ConfigService({ db: store.db, clock: { now: () => Date.now() }, env: {} });
    const read = (variant: number) => loadConfigTexts([{ file: 'generated.yaml', text: generatedConfig(variant) }]);

    // Baseline, same run: only reading the YAML (the yaml package, positions kept), no checks, no database.
    const { parseDocument, LineCounter } = await import('yaml');
    const [, yamlOnly] = await timed(async () => parseDocument(generatedConfig(0), { lineCounter: new LineCounter() }).toJS());
    const [plan, planEmpty] = await timed(() => config.plan(read(0)));
    const [, applyEmpty] = await timed(() => config.apply(read(0)));
    opts.log(`  reading the YAML alone: ${yamlOnly.toFixed(0)} ms`);
    opts.log(`  empty database: plan ${planEmpty.toFixed(0)} ms (${plan.length} changes), apply ${applyEmpty.toFixed(0)} ms`);
    const [changed, planFull] = await timed(() => config.plan(read(1)));
    const [, applyFull] = await timed(() => config.apply(read(1)));
    const [after] = await timed(() => config.plan(read(1)));
    if (after.length) throw new Error(`the populated apply left ${after.length} changes`);
    opts.log(`  populated database: plan ${planFull.toFixed(0)} ms (${changed.length} changes), apply ${applyFull.toFixed(0)} ms`);
    return {
      config_plan_ms: Math.max(planEmpty, planFull),
      config_apply_ms: Math.max(applyEmpty, applyFull),
      config_plan_empty_ms: planEmpty,
      config_apply_empty_ms: applyEmpty,
      config_plan_populated_ms: planFull,
      config_apply_populated_ms: applyFull,
      config_yaml_read_baseline_ms: yamlOnly,
    };
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const configBenchmark: Benchmark = {
  name: 'config',
  description: 'plan and apply a generated file of 50 teams, 500 members, 200 sources, 50 schedules (empty, then populated database)',
  run: configBench,
};
