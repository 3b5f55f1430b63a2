import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { clusterConfig, startCluster, type Cluster, type Replica } from './cluster.ts';

// A maintenance window with two real `hark start` processes on one PostgreSQL schema and one Redis
// prefix: both scan the timers table; the window starts once (one card in the group) and ends
// once (one summary, the still-firing incident paged once).

const cfg = clusterConfig();
const ready = (c: Cluster, r: Replica) => waitFor(async () => (await c.api(r, 'GET', '/readyz')).status === 200, { timeout: 20_000, message: `${r.name} ready` });

describe.skipIf(!cfg)('maintenance windows on two replicas (real processes, PostgreSQL, Redis)', () => {
  let c: Cluster | null = null;
  afterEach(async () => {
    await c?.close();
    c = null;
  });

  it('one start card, one summary, one page', async () => {
    c = await startCluster(cfg!);
    const [a, b] = await Promise.all([c.start('a'), c.start('b')]);
    await Promise.all([ready(c, a), ready(c, b)]);
    const alice = (await c.emu('POST', '/__emulator/users', { name: 'Alice', email: 'alice@example.com' })).open_id as string;
    expect((await c.api(a, 'POST', '/api/v1/members', { name: 'Alice', email: 'alice@example.com', role: 'responder', lark_open_id: alice })).status).toBe(201);
    const { chat_id } = await c.emu('POST', '/__emulator/chats', { name: 'payments-oncall', members: [alice], add_bot: true });
    await waitFor(async () => (await c!.api(b, 'GET', '/api/v1/chats')).body?.items?.some((x: any) => x.chat_id === chat_id), { message: 'group learned' });
    const src = await c.api(a, 'POST', '/api/v1/sources', { name: 'payments', kind: 'generic' });
    expect((await c.api(b, 'PUT', `/api/v1/chats/${chat_id}/subscriptions/payments`, {})).status).toBeLessThan(300);
    expect((await c.api(a, 'PUT', '/api/v1/sources/payments/escalation', { levels: [{ targets: [{ member: 'alice@example.com' }], wait_minutes: 30 }] })).status).toBe(200);

    // Starts in 2 s, ends 6 s later: both the start and the end are timers either replica may fire.
    const start = new Date(Date.now() + 2_000).toISOString();
    const end = new Date(Date.now() + 8_000).toISOString();
    expect((await c.api(b, 'POST', '/api/v1/maintenance', { source: 'payments', start, end, reason: 'db-upgrade' })).status).toBe(201);

    const cards = async () => ((await c!.emu('GET', `/__emulator/messages?chat_id=${chat_id}`)).items as { content: unknown }[]).map((m) => JSON.stringify(m.content));
    await waitFor(async () => (await cards()).some((t) => t.includes('Maintenance on payments')), { timeout: 30_000, message: 'the start card' });
    const res = await fetch(`${a.url}/api/v1/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${src.body.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'db1 is down', alert_key: 'db1', severity: 'critical' }),
    });
    expect(res.status).toBeLessThan(300);
    await waitFor(async () => (await cards()).some((t) => t.includes('Maintenance ended on payments') && t.includes('#1 db1 is down')), { timeout: 30_000, message: 'the summary' });
    const dms = async () => ((await c!.emu('GET', `/__emulator/messages?open_id=${alice}`)).items as { content: unknown }[]).map((m) => JSON.stringify(m.content));
    await waitFor(async () => (await dms()).some((t) => t.includes('#1')), { message: 'the page after the window' });

    const fired = await c.sql<{ kind: string; fired_by: string | null }>(`select kind, fired_by from timers where kind like 'maintenance_%' and status = 'done' order by id`);
    expect(fired.map((f) => f.kind)).toEqual(['maintenance_start', 'maintenance_end']);
    const runs = await c.sql<{ n: number }>(`select count(*)::int as n from maintenance_runs where ended_at is not null`);
    expect(runs[0].n).toBe(1);
    expect((await cards()).filter((t) => t.includes('aintenance'))).toHaveLength(1);
    expect((await dms()).filter((t) => t.includes('#1'))).toHaveLength(1);
    const pages = await c.sql<{ n: number }>(`select count(*)::int as n from outbox where subject = 'incident' and op = 'send' and target_type = 'open_id' and incident_number = 1`);
    expect(pages[0].n).toBe(1);
  }, 90_000);
});
