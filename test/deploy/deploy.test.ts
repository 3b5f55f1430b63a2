import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, FILE_VARIABLES, loadConfig } from '../../src/config.ts';
import { createMetrics } from '../../src/metrics.ts';

// Docker is not available where the tests run: the compose file, the Dockerfile and the dashboard
// are checked by reading them against the code instead; the alert rules by promtool.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');
const compose = parse(read('deploy/compose.yaml'), { merge: true });

/** docker compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?message}. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string) => {
    if (env[name]) return env[name];
    if (op === '?') throw new Error(`compose needs ${name}: ${arg}`);
    return op === '-' ? arg : '';
  });
}

const harkServices = () => Object.entries<any>(compose.services).filter(([, s]) => (s.command ?? []).length === 0 && String(s.image).startsWith('hark'));

/** The names of every metric the service registers. */
async function metricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await createMetrics().registry.getMetricsAsJSON()) names.add(m.name);
  return names;
}

/** hark_* names used in PromQL, with histogram suffixes taken off. */
function usedMetrics(text: string): string[] {
  return [...new Set([...text.matchAll(/\bhark_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, '')))];
}

describe('deploy/compose.yaml', () => {
  it('runs two Hark replicas on PostgreSQL and Redis, and the emulator only in the trial profile', () => {
    expect(harkServices().map(([name]) => name)).toEqual(['hark-1', 'hark-2']);
    expect(compose.services.postgres.image).toMatch(/^postgres:/);
    expect(compose.services.redis.image).toMatch(/^redis:/);
    expect(compose.services.emulator.profiles).toEqual(['trial']);
    for (const [, s] of harkServices()) {
      expect(Object.keys(s.depends_on)).toEqual(['postgres', 'redis']);
      // The drain takes up to ~20 s; the grace period must be longer.
      expect(Number(/^(\d+)s$/.exec(s.stop_grace_period)?.[1])).toBeGreaterThanOrEqual(25);
    }
  });

  it("uses only variables Hark reads, and they make a valid configuration for hark start", () => {
    const known = new Set([...CONFIG_VARIABLES, ...FILE_VARIABLES.map((v) => `${v}_FILE`)]);
    const env = { LARK_APP_ID: 'cli_0123456789abcdef', LARK_APP_SECRET: 's', HARK_SESSION_SECRET: 'x'.repeat(32) };
    for (const [name, s] of harkServices()) {
      const vars = Object.keys(s.environment);
      expect(vars.filter((v) => !known.has(v)), `${name}: variables Hark does not read`).toEqual([]);
      const resolved = Object.fromEntries(Object.entries<string>(s.environment).map(([k, v]) => [k, interpolate(String(v), env)]));
      const config = loadConfig(resolved, { requireCredentials: true });
      expect(config.databaseUrl).toBe('postgres://hark:hark@postgres:5432/hark');
      expect(config.redisUrl).toBe('redis://redis:6379');
      expect(config.metricsPort).toBe(9464);
    }
    // A required secret left out stops compose with a message naming it.
    expect(() => interpolate(compose.services['hark-1'].environment.HARK_SESSION_SECRET, {})).toThrow(/HARK_SESSION_SECRET/);
  });

  it('and every variable Hark reads is in the README configuration table', () => {
    const readme = read('README.md');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5));
    expect(CONFIG_VARIABLES.filter((v) => !table.includes(`\`${v}\``))).toEqual([]);
  });
});

describe('deploy/grafana-dashboard.json', () => {
  it('charts only metrics Hark exports, and every contract metric', async () => {
    const dashboard = JSON.parse(read('deploy/grafana-dashboard.json'));
    const exprs = dashboard.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr)).join('\n');
    const names = await metricNames();
    expect(usedMetrics(exprs).filter((n) => !names.has(n))).toEqual([]);
    for (const contract of [
      'hark_http_request_duration_seconds', 'hark_lark_connected', 'hark_outbox_pending', 'hark_outbox_oldest_age_seconds',
      'hark_deliveries_total', 'hark_lark_rate_limited_total', 'hark_timer_lag_seconds', 'hark_incidents', 'hark_click_duration_seconds',
      'hark_incident_ack_seconds', 'hark_incident_resolve_seconds', 'hark_pages_total',
    ]) {
      expect(names.has(contract), `${contract} is exported`).toBe(true);
      expect(exprs, `${contract} is charted`).toContain(contract);
    }
  });
});

describe('deploy/prometheus-rules.yml', () => {
  const promtool = spawnSync('promtool', ['--version']).status === 0;
  if (!promtool) console.warn('[hark tests] promtool is not installed (Debian package prometheus): the alert rules are not checked by promtool');

  it('alerts only on metrics Hark exports', async () => {
    const rules = parse(read('deploy/prometheus-rules.yml'));
    const exprs = rules.groups.flatMap((g: any) => g.rules.map((r: any) => r.expr)).join('\n');
    const names = await metricNames();
    expect(usedMetrics(exprs).filter((n) => !names.has(n))).toEqual([]);
    const alerts = rules.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
    for (const a of ['HarkLarkConnectionDownEverywhere', 'HarkOutboxBackingUp', 'HarkLarkRefusing', 'HarkTimersLate']) expect(alerts).toContain(a);
  });

  it.skipIf(!promtool)('passes promtool check rules and its unit tests', () => {
    const dir = path.join(root, 'deploy');
    expect(execFileSync('promtool', ['check', 'rules', 'prometheus-rules.yml'], { cwd: dir, encoding: 'utf8' })).toContain('SUCCESS: 10 rules found');
    expect(execFileSync('promtool', ['test', 'rules', 'prometheus-rules.test.yml'], { cwd: dir, encoding: 'utf8' })).toContain('SUCCESS');
  });
});

describe('Dockerfile', () => {
  // Not built here (no Docker): read for what the image promises.
  const dockerfile = read('Dockerfile');
  it('runs the compiled build on Node 24 as a non-root user, labelled, with a stop signal', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    for (const label of ['title', 'description', 'version', 'revision', 'licenses', 'source']) {
      expect(dockerfile).toContain(`org.opencontainers.image.${label}=`);
    }
    expect(dockerfile).toMatch(/^STOPSIGNAL SIGTERM$/m);
    // Everything it copies is in the build context.
    const ignored = read('.dockerignore').split('\n').filter((l) => l && !l.startsWith('#'));
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of m[1].split(/\s+/)) expect(ignored, `${src} is excluded by .dockerignore`).not.toContain(src);
    }
  });
});
