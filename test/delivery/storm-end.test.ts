import { afterEach, describe, expect, it } from 'vitest';
import { startRig, waitReady, type Rig } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';

// Storms stay one story (issue 26): when a storm has been quiet for stormQuietMs, a durable timer
// ends it and its card, updated in place, says how many incidents it covered and which are still open.

describe('the end of a storm through the running service', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('the storm card becomes its summary: how many it covered, which are still open', async () => {
    rig = await startRig({ start: { delivery: { stormPerMinute: 2, stormQuietMs: 1500 } } });
    await waitReady(rig);
    const r = rig;
    const owner = (await r.emu('POST', '/__emulator/users', { name: 'Owner' })).open_id;
    const { chat_id: chat } = await r.emu('POST', '/__emulator/chats', { name: 'sre', members: [owner], add_bot: true });
    await waitFor(async () => (await r.api('GET', '/api/v1/chats')).body.items?.some((c: any) => c.chat_id === chat), { message: 'Hark knows the group' });
    const src = await r.api('POST', '/api/v1/sources', { name: 'prom', kind: 'generic' });
    expect((await r.api('PUT', `/api/v1/chats/${chat}/subscriptions/prom`, {})).status).toBeLessThan(300);
    const fire = async (key: string, status = 'firing') => {
      const res = await fetch(`${r.hark.url}/api/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${src.body.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `Host${key} down`, alert_key: key, status }),
      });
      expect(res.status).toBeLessThan(300);
    };
    for (const k of ['a', 'b', 'c', 'd', 'e']) await fire(k);
    await fire('c', 'resolved');
    const cards = async () =>
      ((await r.emu('GET', `/__emulator/messages?chat_id=${chat}`)).items as { msg_type: string; content: unknown }[]).map((m) => JSON.stringify(m.content));
    const summary = await waitFor(async () => (await cards()).find((t) => t.includes('Alert storm ended: prom')), { message: 'the storm summary', timeout: 15_000 });
    expect(summary).toContain('it covered **3 incidents**; 2 still open');
    expect(summary).toContain('#4 Hostd down');
    expect(summary).toContain('#5 Hoste down');
    expect(summary).not.toContain('#3 Hostc');
    expect((await cards()).filter((t) => t.includes('Alert storm'))).toHaveLength(1);
  });
});
