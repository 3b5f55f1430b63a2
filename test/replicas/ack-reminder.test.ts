import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { clusterConfig, startCluster, type Cluster, type Replica } from './cluster.ts';

// Issue 25: the acknowledgement reminder is a durable timer: two `hark start` processes on one
// PostgreSQL schema and one Redis prefix send it once.

const cfg = clusterConfig();

describe.skipIf(!cfg)('acknowledgement reminder on two replicas (PostgreSQL, Redis)', () => {
  let c: Cluster | null = null;
  afterEach(async () => {
    await c?.close();
    c = null;
  });

  it('fires one reminder once, then waits for the grace', async () => {
    c = await startCluster(cfg!);
    const rs: Replica[] = await Promise.all([c.start('a'), c.start('b')]);
    for (const r of rs) await waitFor(async () => (await c!.api(r, 'GET', '/readyz')).status === 200, { timeout: 20_000, message: `${r.name} ready` });
    const u = await c.emu('POST', '/__emulator/users', { name: 'Alice', email: 'alice@example.com' });
    expect((await c.api(rs[0], 'POST', '/api/v1/members', { name: 'Alice', email: 'alice@example.com', role: 'responder', lark_open_id: u.open_id })).status).toBe(201);
    const src = await c.api(rs[0], 'POST', '/api/v1/sources', { name: 'pay', kind: 'generic' });
    const policy = await c.api(rs[1], 'PUT', '/api/v1/sources/pay/escalation', {
      levels: [{ targets: [{ member: 'alice@example.com' }], wait_minutes: 60 }],
      ack_timeout: '1s',
      ack_grace: '1h',
    });
    expect(policy.status).toBe(200);
    const fired = await c.api(rs[0], 'POST', '/api/v1/alerts', { title: 'Queue stuck', alert_key: 'q', severity: 'critical' }, src.body.token);
    const n = fired.body.incident as number;
    expect((await c.api(rs[1], 'POST', `/api/v1/incidents/${n}/ack`, { by: 'alice@example.com' })).status).toBe(200);
    // The reminder fired (the grace timer now waits), on one replica.
    await waitFor(async () => (await c!.sql(`select 1 from timers where kind = 'ack_end' and status = 'pending' and data like '%grace%'`)).length === 1, {
      timeout: 30_000,
      message: 'the reminder fired and the grace timer waits',
    });
    const reminders = async () =>
      ((await c!.emu('GET', `/__emulator/messages?open_id=${u.open_id}`)).items as { content: unknown }[]).filter((m) =>
        JSON.stringify(m.content).includes('Your acknowledgement ran out'),
      );
    await waitFor(async () => (await reminders()).length >= 1, { timeout: 30_000, message: 'the reminder delivered' });
    const done = await c.sql<{ n: number }>(`select count(*)::int as n from timers where kind = 'ack_end' and status = 'done'`);
    expect(done[0].n).toBe(1);
    const entries = await c.sql<{ n: number }>(`select count(*)::int as n from timeline where message like 'the acknowledgement by Alice ran out%'`);
    expect(entries[0].n).toBe(1);
    expect(await reminders()).toHaveLength(1);
  }, 90_000);
});
