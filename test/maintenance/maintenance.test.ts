import { afterEach, describe, expect, it } from 'vitest';
import { startRig, waitReady, type Rig } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';

// Maintenance windows through the running service (startHark, SQLite, the emulator over the long
// connection, the real SDK): during a window incidents are recorded but nobody is paged and no group
// card is posted; the group gets one maintenance card that counts what fired; at the end it becomes
// the summary and what still fires is paged from then.

describe('maintenance windows through the running service', () => {
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
    expect(src.status).toBe(201);
    expect((await r.api('PUT', `/api/v1/chats/${chat}/subscriptions/payments`, {})).status).toBeLessThan(300);
    expect((await r.api('PUT', '/api/v1/sources/payments/escalation', { levels: [{ targets: [{ member: 'alice@example.com' }], wait_minutes: 30, urgent: 'app' }] })).status).toBe(200);
    const fire = async (key: string, status: 'firing' | 'resolved' = 'firing') => {
      const res = await fetch(`${r.hark.url}/api/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${src.body.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `${key} is down`, alert_key: key, status, severity: 'critical' }),
      });
      expect(res.status).toBeLessThan(300);
    };
    const messages = async (q: string) => (await r.emu('GET', `/__emulator/messages?${q}`)).items as { msg_type: string; content: unknown; update_count: number }[];
    const cards = async (q: string) => (await messages(q)).filter((m) => m.msg_type === 'interactive').map((m) => ({ ...m, text: JSON.stringify(m.content) }));
    const timeline = async (n: number) => ((await r.api('GET', `/api/v1/incidents/${n}`)).body.timeline as { message: string }[]).map((t) => t.message);
    return { r, alice, chat, fire, cards, messages, timeline };
  }

  it('nobody is paged during a window; its card counts; at the end it sums up and what still fires is paged', async () => {
    const { r, alice, chat, fire, cards, timeline } = await setup();
    const end = Date.now() + 8_000;
    const made = await r.api('POST', '/api/v1/maintenance', { source: 'payments', end: new Date(end).toISOString(), reason: 'db-upgrade' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ source: 'payments', reason: 'db-upgrade', status: 'active', created_by: 'admin' });
    expect((await r.api('GET', '/api/v1/maintenance')).body.items.map((w: any) => w.id)).toEqual([made.body.id]);

    // The start card, once.
    await waitFor(async () => (await cards(`chat_id=${chat}`)).some((c) => c.text.includes('Maintenance on payments')), { message: 'the maintenance card' });

    await fire('db1');
    await fire('db2');
    await fire('db2', 'resolved');
    const tl = await timeline(1);
    expect(tl).toContain('during maintenance `db-upgrade`, nobody paged');
    // The card counts what fired.
    await waitFor(async () => (await cards(`chat_id=${chat}`)).some((c) => c.text.includes('So far:** 2 incidents, 2 alerts')), { message: 'the live count' });

    // Nobody paged, no incident card in the group, while the window lasts.
    expect(await cards(`open_id=${alice}`)).toEqual([]);
    expect((await r.emu('GET', `/__emulator/urgents?open_id=${alice}`)).items).toEqual([]);
    const inGroup = await cards(`chat_id=${chat}`);
    expect(inGroup.filter((c) => c.text.includes('is down'))).toEqual([]);
    expect(inGroup.filter((c) => c.text.includes('aintenance'))).toHaveLength(1);

    // The end: the card is the summary, #1 (still firing) is paged and posted from now; #2 is not.
    const summary = await waitFor(async () => (await cards(`chat_id=${chat}`)).find((c) => c.text.includes('Maintenance ended on payments')), {
      message: 'the summary card',
      timeout: 20_000,
    });
    expect(summary.text).toContain('During the window:** 2 incidents, 2 alerts');
    expect(summary.text).toContain('#1 db1 is down');
    expect(summary.text).not.toContain('#2 db2');
    const page = await waitFor(async () => (await cards(`open_id=${alice}`)).find((c) => c.text.includes('#1')), { message: 'the page after the window' });
    expect(page.text).toContain('db1 is down');
    await waitFor(async () => (await cards(`chat_id=${chat}`)).some((c) => c.text.includes('#1') && !c.text.includes('Maintenance')), { message: 'the incident card in the group' });
    expect(await timeline(1)).toContain('maintenance `db-upgrade` ended; still firing, so notified from now');
    expect((await cards(`open_id=${alice}`)).filter((c) => c.text.includes('#2'))).toEqual([]);
    // One maintenance card, turned into the summary in place.
    expect((await cards(`chat_id=${chat}`)).filter((c) => c.text.includes('aintenance'))).toHaveLength(1);
    expect((await r.api('GET', '/api/v1/maintenance')).body.items[0].status).toBe('ended');

    // After the window a new incident pages at once.
    await fire('db3');
    await waitFor(async () => (await cards(`open_id=${alice}`)).some((c) => c.text.includes('#3')), { message: 'a page outside the window' });
  });

  it('maintain / unmaintain from Lark: a window from now, ended early by command, what still fires pages', async () => {
    const { r, alice, chat, fire, cards, messages } = await setup();
    const say = (text: string) => r.emu('POST', '/__emulator/messages', { chat_id: chat, sender_open_id: alice, text, mention_bot: true });
    const texts = async () => (await messages(`chat_id=${chat}`)).filter((m) => m.msg_type === 'text').map((m) => JSON.stringify(m.content));

    await say('maintain payments 2h');
    await waitFor(async () => (await texts()).some((t) => t.includes('Maintenance on payments until')), { message: 'the answer to maintain' });
    await waitFor(async () => (await cards(`chat_id=${chat}`)).some((c) => c.text.includes('by Alice')), { message: 'the maintenance card' });
    await fire('api1');
    await waitFor(async () => (await cards(`chat_id=${chat}`)).some((c) => c.text.includes('So far:** 1 incidents, 1 alerts')), { message: 'the live count' });
    expect(await cards(`open_id=${alice}`)).toEqual([]);

    await say('结束维护 payments');
    await waitFor(async () => (await texts()).some((t) => t.includes('的维护已结束')), { message: 'the answer to 结束维护' });
    const summary = await waitFor(async () => (await cards(`chat_id=${chat}`)).find((c) => c.text.includes('ended early, by Alice')), { message: 'the summary' });
    expect(summary.text).toContain('#1 api1 is down');
    await waitFor(async () => (await cards(`open_id=${alice}`)).some((c) => c.text.includes('#1')), { message: 'the page' });

    // Nothing left to end; bad input is named.
    await say('unmaintain payments');
    await waitFor(async () => (await texts()).some((t) => t.includes('No maintenance is in force on payments')), { message: 'nothing to end' });
    await say('maintain nosuch 1h');
    await waitFor(async () => (await texts()).some((t) => t.includes('Source: no source named \\"nosuch\\"')), { message: 'unknown source' });
    await say('maintain payments');
    await waitFor(async () => (await texts()).some((t) => t.includes('maintain payments 2h')), { message: 'missing duration' });
  });

  it('the API refuses bad windows with the field named, and DELETE ends one', async () => {
    const { r } = await setup();
    const bad = async (body: unknown) => (await r.api('POST', '/api/v1/maintenance', body)).body.error?.message ?? (await r.api('POST', '/api/v1/maintenance', body)).body;
    expect(JSON.stringify(await bad({ source: 'payments' }))).toContain('end: required');
    expect(JSON.stringify(await bad({ source: 'nope', duration: '1h' }))).toContain('no source named \\"nope\\"');
    expect(JSON.stringify(await bad({ source: 'payments', duration: 'soon' }))).toContain('duration: \\"soon\\"');
    expect(JSON.stringify(await bad({ source: 'payments', recurring: { days: ['tue'], from: '22:00', to: '23:30', time_zone: 'Mars/Base' } }))).toContain('recurring.time_zone');
    expect(JSON.stringify(await bad({ source: 'payments', duration: '1h', when: 'now' }))).toContain('when: is not a field');
    const weekly = await r.api('POST', '/api/v1/maintenance', { source: 'payments', recurring: { days: ['tue'], from: '22:00', to: '23:30', time_zone: 'Asia/Shanghai' }, reason: 'weekly deploy' });
    expect(weekly.status).toBe(201);
    expect(weekly.body.recurring).toEqual({ days: ['tue'], from: '22:00', to: '23:30', time_zone: 'Asia/Shanghai' });
    expect(weekly.body.labels).toEqual({});
    expect(['active', 'scheduled']).toContain(weekly.body.status);
    expect((await r.api('DELETE', `/api/v1/maintenance/${weekly.body.id}`)).status).toBe(204);
    expect((await r.api('DELETE', `/api/v1/maintenance/${weekly.body.id}`)).status).toBe(404);
    expect((await r.api('GET', '/api/v1/maintenance')).body.items).toEqual([]);
  });
});
