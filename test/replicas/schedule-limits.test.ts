import { afterEach, describe, expect, it } from 'vitest';
import { FEED_REQUESTS_PER_MINUTE } from '../../src/http/routes/calendar.ts';
import { MAX_OVERRIDES } from '../../src/schedule/service.ts';
import { waitFor } from '../helpers/wait.ts';
import { clusterConfig, startCluster, type Cluster, type Replica } from './cluster.ts';

// Issue 29, items 9 and 10 on two real `hark start` processes, one PostgreSQL schema, one Redis:
// the overrides cap holds when both replicas add at once, a feed cached on one replica is fresh
// after a change made on the other, and a feed's rate limit is counted across replicas.

const cfg = clusterConfig();
const ready = (c: Cluster, r: Replica) => waitFor(async () => (await c.api(r, 'GET', '/readyz')).status === 200, { timeout: 20_000, message: `${r.name} ready` });

describe.skipIf(!cfg)('schedule limits on two replicas (real processes, PostgreSQL, Redis)', () => {
  let c: Cluster | null = null;
  afterEach(async () => {
    await c?.close();
    c = null;
  });

  it('caps overrides under concurrent adds, keeps feeds fresh across replicas and rate-limits them together', async () => {
    c = await startCluster(cfg!);
    const [a, b] = await Promise.all([c.start('a'), c.start('b')]);
    await Promise.all([ready(c, a), ready(c, b)]);
    for (const name of ['Alice', 'Bob']) {
      expect((await c.api(a, 'POST', '/api/v1/members', { name, email: `${name.toLowerCase()}@example.com`, role: 'responder' })).status).toBe(201);
    }
    expect((await c.api(a, 'PUT', '/api/v1/schedules/payments', {
      time_zone: 'UTC',
      layers: [{ members: ['alice@example.com', 'bob@example.com'], rotation: { every: '1d', handoff: '09:00', start: '2020-01-01' } }],
    })).status).toBe(201);

    // A feed served (and cached) by replica a.
    const path = new URL((await c.api(a, 'GET', '/api/v1/schedules/payments')).body.ical_url).pathname;
    const feed = async (r: Replica) => {
      const res = await fetch(r.url + path);
      return { status: res.status, text: await res.text() };
    };
    expect((await feed(a)).text).not.toContain('(override)');

    // Ten short of the cap (as setup, straight into the table), then twenty adds at once, half on each replica.
    const base = Date.now() + 86_400_000;
    const [{ id }] = await c.sql<{ id: number }>(`select id from schedules where name = 'payments'`);
    await c.sql(
      `insert into schedule_overrides (schedule_id, member_email, start_at, end_at, created_by, via, created_at)
       select $1, 'bob@example.com', $2::bigint + g * 3600000, $2::bigint + g * 3600000 + 1800000, 'setup', 'api', 0 from generate_series(1, $3::int) g`,
      [id, base, MAX_OVERRIDES - 10],
    );
    const at = (ms: number) => new Date(ms).toISOString();
    const adds = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        c!.api(i % 2 ? a : b, 'POST', '/api/v1/schedules/payments/overrides', { member: 'alice@example.com', start: at(base - (i + 1) * 3_600_000), end: at(base - i * 3_600_000 - 1_800_000) }),
      ),
    );
    expect(adds.filter((r) => r.status === 201)).toHaveLength(10);
    const refused = adds.filter((r) => r.status === 409);
    expect(refused).toHaveLength(10);
    expect(refused[0].body.error.message).toContain(`the cap is ${MAX_OVERRIDES} per schedule`);
    const [{ n }] = await c.sql<{ n: number }>(`select count(*)::int as n from schedule_overrides where schedule_id = $1`, [id]);
    expect(n).toBe(MAX_OVERRIDES);

    // The overrides added through b show in the feed a serves, at once.
    const fresh = await feed(a);
    expect(fresh.status).toBe(200);
    expect(fresh.text).toContain('(override)');

    // The rate limit is one count across both replicas. Two fetches were made above.
    for (let i = 2; i < FEED_REQUESTS_PER_MINUTE; i++) expect((await feed(i % 2 ? a : b)).status).toBe(200);
    const limited = await fetch(b.url + path);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  }, 120_000);
});
