import { afterEach, describe, expect, it } from 'vitest';
import { startRig, waitReady, type Rig } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';

// Re-fire after resolve and flapping through the running service and the emulator: a firing soon
// after its incident resolved by itself reopens that incident (no new number, the group card is
// updated in place); a flapping alert stays one incident, its card says "Flapping: N changes in
// M min", and it pages once: a reopen by its own alert resumes the escalation (the level last
// paged waits again, nobody is paged at once) and a flapping reopen pages nobody.

describe('noise: re-fire after resolve and flapping', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  async function setup() {
    rig = await startRig();
    await waitReady(rig);
    const r = rig;
    const alice = (await r.emu('POST', '/__emulator/users', { name: 'Alice', email: 'alice@example.com' })).open_id as string;
    expect((await r.api('POST', '/api/v1/members', { name: 'Alice', email: 'alice@example.com', role: 'responder', lark_open_id: alice })).status).toBe(201);
    const { chat_id: chat } = await r.emu('POST', '/__emulator/chats', { name: 'payments-oncall', members: [alice], add_bot: true });
    await waitFor(async () => (await r.api('GET', '/api/v1/chats')).body.items?.some((c: any) => c.chat_id === chat), { message: 'Hark knows the group' });
    const src = await r.api('POST', '/api/v1/sources', { name: 'payments', kind: 'generic' });
    expect((await r.api('PUT', `/api/v1/chats/${chat}/subscriptions/payments`, {})).status).toBeLessThan(300);
    const bob = (await r.emu('POST', '/__emulator/users', { name: 'Bob', email: 'bob@example.com' })).open_id as string;
    expect((await r.api('POST', '/api/v1/members', { name: 'Bob', email: 'bob@example.com', role: 'responder', lark_open_id: bob })).status).toBe(201);
    const levels = [{ targets: [{ member: 'alice@example.com' }], wait_minutes: 30 }, { targets: [{ member: 'bob@example.com' }], wait_minutes: 30 }];
    expect((await r.api('PUT', '/api/v1/sources/payments/escalation', { levels })).status).toBe(200);
    const fire = async (status: 'firing' | 'resolved') => {
      const res = await fetch(`${r.hark.url}/api/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${src.body.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Checkout errors', alert_key: 'checkout', status, severity: 'critical' }),
      });
      expect(res.status).toBeLessThan(300);
    };
    const cards = async (q: string) =>
      ((await r.emu('GET', `/__emulator/messages?${q}`)).items as { msg_type: string; content: unknown; update_count: number }[])
        .filter((m) => m.msg_type === 'interactive')
        .map((m) => ({ ...m, text: JSON.stringify(m.content) }));
    const timeline = async (n: number) => ((await r.api('GET', `/api/v1/incidents/${n}`)).body.timeline as { message: string }[]).map((t) => t.message);
    const incidents = async () => (await r.api('GET', '/api/v1/incidents')).body.items as { number: number; status: string }[];
    return { r, alice, bob, chat, fire, cards, timeline, incidents };
  }

  it('a firing within reopen_minutes of resolving by itself reopens the same incident, its card updated in place, its escalation resumed without a page', async () => {
    const { alice, bob, chat, fire, cards, timeline, incidents } = await setup();
    await fire('firing');
    await waitFor(async () => (await cards(`chat_id=${chat}`)).some((c) => c.text.includes('#1')), { message: 'the card of #1' });
    await fire('resolved');
    expect((await incidents())[0].status).toBe('resolved');
    await fire('firing');
    expect((await incidents()).map((i) => [i.number, i.status])).toEqual([[1, 'triggered']]);
    expect((await timeline(1)).some((m) => /^#1 reopened by the alert: it fired again \d+s after resolving by itself$/.test(m))).toBe(true);
    // No second card in the group: the first one shows the reopened incident.
    await waitFor(async () => {
      const mine = (await cards(`chat_id=${chat}`)).filter((c) => c.text.includes('#1'));
      return mine.length === 1 && mine[0].update_count >= 1 && !mine[0].text.includes('Resolved');
    }, { message: 'the one card of #1, updated to triggered again' });
    // The escalation resumes: level 1 waits its 30 min again, then level 2 as usual; nobody is
    // paged at once. Alice's one private card is updated to triggered again.
    await waitFor(async () => (await timeline(1)).includes('escalation resumed at level 1, nobody paged again now; level 2 in 30 min unless acknowledged'),
      { message: 'the escalation resumed' });
    await waitFor(async () => {
      const mine = await cards(`open_id=${alice}`);
      return mine.length === 1 && mine[0].update_count >= 1 && !mine[0].text.includes('Resolved');
    }, { message: "Alice's one private card, updated" });
    expect((await timeline(1)).filter((m) => m.startsWith('escalated to level'))).toEqual(['escalated to level 1: Alice']);
    expect(await cards(`open_id=${bob}`)).toHaveLength(0);
  });

  it('a flapping alert produces one incident and one page; its card shows the count', async () => {
    const { alice, chat, fire, cards, timeline, incidents } = await setup();
    // open (1), resolved (2), reopened (3), resolved (4): flapping from here on.
    await fire('firing');
    await fire('resolved');
    await fire('firing');
    await fire('resolved');
    await waitFor(async () => (await cards(`open_id=${alice}`)).length >= 1, { message: 'the first page' });
    await fire('firing');
    expect((await incidents()).map((i) => i.number)).toEqual([1]);
    expect(await timeline(1)).toContain('#1 reopened by the alert, 5th change in 60 min; it is flapping, so nobody is paged again');
    const card = await waitFor(async () => (await cards(`chat_id=${chat}`)).find((c) => c.text.includes('Flapping:** 5 changes in 60 min')), { message: 'the flapping line' });
    expect(card.text).toContain('#1');
    expect((await cards(`chat_id=${chat}`)).filter((c) => c.text.includes('Checkout errors'))).toHaveLength(1);
    // Its one private card is updated too; no second page is sent, to anyone.
    await waitFor(async () => (await cards(`open_id=${alice}`)).some((c) => c.text.includes('Flapping')), { message: 'the private card updated' });
    expect(await cards(`open_id=${alice}`)).toHaveLength(1);
    expect((await timeline(1)).filter((m) => m.startsWith('escalated to level'))).toHaveLength(1);
    expect(await timeline(1)).toContain('escalation resumed at level 1, nobody paged again now; level 2 in 30 min unless acknowledged');
  });
});
