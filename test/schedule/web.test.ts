import { afterEach, describe, expect, it } from 'vitest';
import { startRig, waitReady, type Rig } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';
import { Client } from '../web/harness.ts';

// Take over pressed before linking, finished in the web app after the Lark login; then the
// /h5/schedules page (now on call, two weeks, my next shifts, give away). The real service over
// the emulator; the OAuth dance by hand with a cookie-keeping client.

describe('schedules in the web app', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  /** /auth/lark/login → the emulator's authorize page (logged in as openId) → Hark's callback. */
  async function login(r: Rig, c: Client, openId: string, next: string) {
    await c.request(`${r.emulator.url}/__emulator/login?open_id=${encodeURIComponent(openId)}`);
    const start = await c.request(`${r.hark.url}/auth/lark/login?next=${encodeURIComponent(next)}`);
    const authorize = await c.request(start.location!);
    // HARK_PUBLIC_URL is the default (localhost:3000); the callback is the same route on this port.
    const back = new URL(authorize.location!);
    const done = await c.request(`${r.hark.url}${back.pathname}${back.search}`);
    expect(done.status).toBe(302);
  }

  it('an unlinked Take over is finished after linking, and the page shows and changes the schedule', async () => {
    rig = await startRig();
    await waitReady(rig);
    const r = rig;
    const open: Record<string, string> = {};
    for (const [name, linked] of [['Alice', true], ['Dora', false]] as const) {
      const email = `${name.toLowerCase()}@example.com`;
      open[name] = (await r.emu('POST', '/__emulator/users', { name, email })).open_id;
      await r.api('POST', '/api/v1/members', { name, email, role: 'responder', ...(linked ? { lark_open_id: open[name] } : {}) });
    }
    await r.api('PUT', '/api/v1/schedules/primary', {
      time_zone: 'UTC',
      layers: [
        { members: ['alice@example.com'], rotation: { every: '1d', handoff: '09:00', start: '2020-01-01' } },
        // Only the schedule's people (any layer) and admins may take it over (issue 29): Dora is on standby.
        { members: ['dora@example.com'], rotation: { every: '1d', handoff: '09:00', start: '2020-01-01' }, restrictions: [{ days: ['sun'], from: '00:00', to: '00:01' }] },
      ],
    });
    const { chat_id } = await r.emu('POST', '/__emulator/chats', { name: 'ops', members: [open.Alice, open.Dora], add_bot: true });
    await waitFor(async () => (await r.api('GET', '/api/v1/chats')).body.items?.some((c: any) => c.chat_id === chat_id), { message: 'Hark knows the group' });
    const { message_id: asked } = await r.emu('POST', '/__emulator/messages', { chat_id, sender_open_id: open.Dora, text: 'oncall primary', mention_bot: true });
    const card = await waitFor(
      async () => (await r.emu('GET', `/__emulator/messages?chat_id=${chat_id}`)).items.find((m: any) => m.msg_type === 'interactive' && m.message_id !== asked && JSON.stringify(m.content).includes('Who is on call')),
      { message: 'the oncall card' },
    );
    const click = await r.emu('POST', '/__emulator/click', { message_id: card.message_id, operator_open_id: open.Dora, value: { v: 1, op: 'take_over', schedule: 'primary' } });
    expect(click.response.toast.content).toBe("You haven't linked your Lark account to Hark yet — I've sent you a link.");
    const linkCard = await waitFor(
      async () => (await r.emu('GET', `/__emulator/messages?open_id=${open.Dora}`)).items.find((m: any) => JSON.stringify(m.content).includes('Take over primary')),
      { message: 'the link card naming the press' },
    );
    expect(JSON.stringify(linkCard.content)).toContain('/h5');
    expect((await r.api('GET', '/api/v1/schedules/primary/oncall')).body.members).toEqual([{ name: 'Alice', email: 'alice@example.com' }]);

    // Dora opens Hark inside Lark: the login links her by email, and the page offers to finish.
    const c = new Client();
    await login(r, c, open.Dora, '/h5');
    const home = await c.request(`${r.hark.url}/h5`);
    expect(home.text).toContain('Finish: take over primary');
    const id = /action="\/h5\/pending\/(\d+)\/finish"/.exec(home.text)![1];
    const finish = await c.request(`${r.hark.url}/h5/pending/${id}/finish`, { form: { _csrf: Client.csrfOf(home.text) } });
    expect(finish.location).toBe('/h5/schedules');
    const page = await c.request(`${r.hark.url}/h5/schedules`);
    expect(page.text).toMatch(/You are on call for primary until \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);
    expect(page.text).toContain('On call now: <strong>Dora</strong>');
    expect(page.text).toContain('My next shifts');
    expect(page.text).toMatch(/id="ical-url">http:\/\/localhost:3000\/ical\/[A-Za-z0-9_-]+\.ics</);
    expect((await r.api('GET', '/api/v1/schedules/primary/oncall')).body.members).toEqual([{ name: 'Dora', email: 'dora@example.com' }]);
    const timeline = (await r.api('GET', '/api/v1/schedules/primary')).body.timeline;
    expect(timeline[0]).toMatchObject({ actor: 'Dora', via: 'web', kind: 'take_over' });
    // Finishing twice does nothing more.
    await c.request(`${r.hark.url}/h5/pending/${id}/finish`, { form: { _csrf: Client.csrfOf(home.text) } });
    expect((await r.api('GET', '/api/v1/schedules/primary')).body.overrides).toHaveLength(1);

    // Give away: Alice covers the rest of Dora's shift.
    const form = /action="\/h5\/schedules\/primary\/give-away"[\s\S]*?name="start" value="([^"]+)"[\s\S]*?name="end" value="([^"]+)"/.exec(page.text)!;
    const give = await c.request(`${r.hark.url}/h5/schedules/primary/give-away`, {
      form: { _csrf: Client.csrfOf(page.text), start: form[1], end: form[2], to: 'alice@example.com' },
    });
    const after = await c.request(`${r.hark.url}${give.location}`);
    expect(after.text).toContain('Alice covers your shift on primary.');
    expect(after.text).toContain('On call now: <strong>Alice</strong>');
    // A form without the CSRF token changes nothing.
    const forged = await c.request(`${r.hark.url}/h5/schedules/primary/take-over`, { form: {} });
    expect(forged.status).toBe(403);
    expect((await r.api('GET', '/api/v1/schedules/primary/oncall')).body.members).toEqual([{ name: 'Alice', email: 'alice@example.com' }]);
  });
});
