import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { clusterConfig, startCluster, type Cluster, type Replica } from './cluster.ts';

// A handoff notice with two real `hark start` processes on one PostgreSQL schema and one Redis
// prefix: both scan the timers table, one fires the notice, the group gets one card.

const cfg = clusterConfig();
const ready = (c: Cluster, r: Replica) => waitFor(async () => (await c.api(r, 'GET', '/readyz')).status === 200, { timeout: 20_000, message: `${r.name} ready` });

describe.skipIf(!cfg)('schedules on two replicas (real processes, PostgreSQL, Redis)', () => {
  let c: Cluster | null = null;
  afterEach(async () => {
    await c?.close();
    c = null;
  });

  it('one handoff notice, not two', async () => {
    c = await startCluster(cfg!);
    const [a, b] = await Promise.all([c.start('a'), c.start('b')]);
    await Promise.all([ready(c, a), ready(c, b)]);
    const open: Record<string, string> = {};
    for (const name of ['Alice', 'Bob']) {
      const email = `${name.toLowerCase()}@example.com`;
      open[name] = (await c.emu('POST', '/__emulator/users', { name, email })).open_id;
      expect((await c.api(a, 'POST', '/api/v1/members', { name, email, role: 'responder', lark_open_id: open[name] })).status).toBe(201);
    }
    const { chat_id } = await c.emu('POST', '/__emulator/chats', { name: 'payments-oncall', members: [open.Alice], add_bot: true });
    await waitFor(async () => (await c!.api(b, 'GET', '/api/v1/chats')).body?.items?.some((x: any) => x.chat_id === chat_id), { message: 'group learned' });
    const put = await c.api(b, 'PUT', '/api/v1/schedules/payments', {
      time_zone: 'Asia/Shanghai',
      layers: [{ members: ['alice@example.com'], rotation: { every: '1w', handoff: '09:00', start: '2020-01-06' } }],
      notify: { chats: [chat_id] },
    });
    expect(put.status).toBe(201);
    const start = new Date(Date.now() + 3_000).toISOString();
    const end = new Date(Date.now() + 3_600_000).toISOString();
    expect((await c.api(a, 'POST', '/api/v1/schedules/payments/overrides', { member: 'bob@example.com', start, end })).status).toBe(201);

    const handoffCards = async () =>
      ((await c!.emu('GET', `/__emulator/messages?chat_id=${chat_id}`)).items as { content: unknown }[]).filter((m) => JSON.stringify(m.content).includes('On-call handoff'));
    await waitFor(async () => (await handoffCards()).length > 0, { timeout: 30_000, message: 'the handoff card' });
    // Both private notices were queued in the same transaction as the group's: once they are
    // delivered, everything that one fire produced has been sent.
    const dm = async (who: string) => ((await c!.emu('GET', `/__emulator/messages?open_id=${open[who]}`)).items as { content: unknown }[]).length;
    await waitFor(async () => (await dm('Bob')) >= 1 && (await dm('Alice')) >= 1, { message: 'private notices' });
    const fired = await c.sql<{ status: string; fired_by: string | null }>(`select status, fired_by from timers where kind = 'handoff' and status = 'done'`);
    expect(fired).toHaveLength(1);
    expect(fired[0].fired_by).not.toBeNull();
    const queued = await c.sql<{ n: number }>(`select count(*)::int as n from outbox where subject = 'card' and target_id = $1 and card like '%On-call handoff%'`, [chat_id]);
    expect(queued[0].n).toBe(1);
    expect(await handoffCards()).toHaveLength(1);
    expect(await dm('Bob')).toBe(1);
    // The next notice (back to Alice when the override ends) waits, once.
    const waiting = await c.sql<{ n: number }>(`select count(*)::int as n from timers where kind = 'handoff' and status = 'pending'`);
    expect(waiting[0].n).toBe(1);
  }, 90_000);
});
