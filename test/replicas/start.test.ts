import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clusterConfig, startCluster, type Cluster } from './cluster.ts';

// Two real `hark start` processes on one PostgreSQL schema and one Redis prefix: they migrate at
// the same moment, share incident numbering, and stop cleanly on SIGTERM.

const cfg = clusterConfig();
if (!cfg) console.warn('[hark tests] HARK_TEST_DATABASE_URL and HARK_TEST_REDIS_URL are not both set: replica process tests are skipped');

describe.skipIf(!cfg)('replicas: start, shared numbering, SIGTERM', () => {
  let cluster: Cluster | null = null;
  beforeAll(() => undefined);
  afterEach(async () => {
    await cluster?.close();
    cluster = null;
  });

  it('two replicas migrate one fresh database at once and hand out unique incident numbers', async () => {
    cluster = await startCluster(cfg!);
    const [a, b] = await Promise.all([cluster.start('a'), cluster.start('b')]);
    const created = await cluster.api(a, 'POST', '/api/v1/sources', { name: 'pay', kind: 'generic' });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    // 60 distinct alerts and 20 repeats of one alert, sent to both replicas concurrently.
    const sends = [];
    for (let i = 0; i < 60; i++) sends.push({ r: i % 2 ? a : b, key: `alert-${i}` });
    for (let i = 0; i < 20; i++) sends.push({ r: i % 2 ? a : b, key: 'same' });
    const results = await Promise.all(
      sends.map((s) =>
        cluster!.api(s.r, 'POST', '/api/v1/alerts', { alert_key: s.key, title: s.key, status: 'firing', severity: 'warning' }, token),
      ),
    );
    expect(results.filter((r) => r.status >= 300)).toEqual([]);
    const rows = await cluster.sql<{ number: number; group_key: string }>('select number, group_key from incidents order by number');
    expect(rows).toHaveLength(61);
    expect(new Set(rows.map((r) => r.number)).size).toBe(61);
    expect(new Set(rows.map((r) => r.group_key)).size).toBe(61);
    const codes = await Promise.all([cluster.stop(a), cluster.stop(b)]);
    expect(codes).toEqual([0, 0]);
  });
});
