import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { clusterConfig, startCluster, type Cluster } from './cluster.ts';

// Two real `hark start` processes on one PostgreSQL schema and one Redis prefix, both asked for the
// same incident's war room at the same moment: one Lark group results, and both answer with it.

const cfg = clusterConfig();

describe.skipIf(!cfg)('war room across replicas', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('two replicas asked at the same time make one room', async () => {
    const c = (cluster = await startCluster({ ...cfg! }));
    const [a, b] = await Promise.all([c.start('a'), c.start('b')]);
    const people: string[] = [];
    for (const name of ['Alice', 'Bob']) {
      const email = `${name.toLowerCase()}@example.com`;
      const u = await c.emu('POST', '/__emulator/users', { name, email });
      people.push(u.open_id);
      expect((await c.api(a, 'POST', '/api/v1/members', { name, email, role: 'responder', lark_open_id: u.open_id })).status).toBe(201);
    }
    const chatId = (await c.emu('POST', '/__emulator/chats', { name: 'ops', members: people, add_bot: true })).chat_id;
    const src = await c.api(a, 'POST', '/api/v1/sources', { name: 'pay', kind: 'generic' });
    await waitFor(async () => (await c.api(b, 'GET', '/api/v1/chats')).body?.items?.some((x: any) => x.chat_id === chatId && x.status === 'active'), {
      message: 'the group learned from its bot-added event',
    });
    expect((await c.api(a, 'PUT', `/api/v1/chats/${chatId}/subscriptions/pay`, {})).status).toBe(200);
    const fired = await c.api(b, 'POST', '/api/v1/alerts', { title: 'Checkout latency above 2 s', severity: 'critical' }, src.body.token);
    const n = fired.body.incident as number;
    await waitFor(async () => (await c.emu('GET', `/__emulator/messages?chat_id=${chatId}`)).items.length > 0, { message: 'the card' });

    // Lark answers slowly, so both replicas are inside "create the group" at once.
    await c.emu('POST', '/__emulator/faults', { latency_ms: 150 });
    const asks = await Promise.all([
      c.api(a, 'POST', `/api/v1/incidents/${n}/room`, { by: 'alice@example.com' }),
      c.api(b, 'POST', `/api/v1/incidents/${n}/room`, { by: 'bob@example.com' }),
      c.api(a, 'POST', `/api/v1/incidents/${n}/room`, { by: 'bob@example.com' }),
      c.api(b, 'POST', `/api/v1/incidents/${n}/room`, { by: 'alice@example.com' }),
    ]);
    expect(asks.map((x) => x.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(asks.map((x) => x.body.chat_id)).size).toBe(1);
    expect(asks.filter((x) => x.body.created)).toHaveLength(1);
    await c.emu('POST', '/__emulator/faults', { latency_ms: 0 });
    const room = asks[0].body.chat_id;
    const groups = (await c.emu('GET', '/__emulator/chats')).items.filter((x: any) => x.name === `#${n} Checkout latency above 2 s`);
    expect(groups.map((x: any) => x.chat_id)).toEqual([room]);
    const rows = await c.sql('select incident_number, status, chat_id from war_rooms');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'open', chat_id: room });
    const view = await waitFor(async () => {
      const v = await c.emu('GET', `/__emulator/chats/${room}`);
      return v.pins.length === 1 && people.every((p) => v.members.includes(p)) ? v : null;
    }, { message: 'both people in the room and its card pinned' });
    const cards = (await c.emu('GET', `/__emulator/messages?chat_id=${room}`)).items.filter((m: any) => m.msg_type === 'interactive');
    expect(cards.map((m: any) => m.message_id)).toEqual(view.pins);
  });
});
