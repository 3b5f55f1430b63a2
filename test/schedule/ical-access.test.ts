import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, waitReady, type Rig } from '../helpers/hark.ts';
import { Client } from '../web/harness.ts';

// Issue 29, item 10: iCal URLs were never revoked. They survived unlink, could not be rotated, and
// GET /api/v1/schedules/:name showed them to viewers. Now a schedule's URL is shown to admins and
// the responders on it only, both kinds of URL can be rotated (the old one answers 404), and
// unlinking a member revokes their own feed. The real service over the emulator; members act
// through their web session (cookie + X-CSRF-Token), as the web app's scripts do.

describe('who sees and who can change a calendar URL', () => {
  let rig: Rig;
  const ids: Record<string, number> = {};
  const sessions: Record<string, { c: Client; csrf: string }> = {};

  /** /auth/lark/login → the emulator's authorize page (logged in as openId) → Hark's callback. */
  async function login(openId: string): Promise<{ c: Client; csrf: string }> {
    const c = new Client();
    await c.request(`${rig.emulator.url}/__emulator/login?open_id=${encodeURIComponent(openId)}`);
    const start = await c.request(`${rig.hark.url}/auth/lark/login?next=${encodeURIComponent('/h5/me')}`);
    const authorize = await c.request(start.location!);
    const back = new URL(authorize.location!);
    expect((await c.request(`${rig.hark.url}${back.pathname}${back.search}`)).status).toBe(302);
    const me = await c.request(`${rig.hark.url}/h5/me`);
    return { c, csrf: Client.csrfOf(me.text) };
  }

  const as = async (who: string, method: string, route: string) => {
    const { c, csrf } = sessions[who];
    const r = await c.request(rig.hark.url + route, { method, headers: { 'x-csrf-token': csrf } });
    return { status: r.status, body: r.text ? JSON.parse(r.text) : null };
  };
  const feed = async (url: string) => {
    const res = await fetch(rig.hark.url + new URL(url).pathname);
    return { status: res.status, text: await res.text() };
  };

  beforeAll(async () => {
    rig = await startRig();
    await waitReady(rig);
    for (const [name, role] of [['Alice', 'responder'], ['Rob', 'responder'], ['Vic', 'viewer']] as const) {
      const email = `${name.toLowerCase()}@example.com`;
      const openId = (await rig.emu('POST', '/__emulator/users', { name, email })).open_id;
      ids[name] = (await rig.api('POST', '/api/v1/members', { name, email, role, lark_open_id: openId })).body.id;
      sessions[name] = await login(openId);
    }
    await rig.api('POST', '/api/v1/members', { name: 'Carol', email: 'carol@example.com', role: 'responder' });
    await rig.api('PUT', '/api/v1/schedules/primary', {
      time_zone: 'UTC',
      layers: [{ members: ['alice@example.com', 'carol@example.com'], rotation: { every: '1d', handoff: '09:00', start: '2020-01-01' } }],
    });
  });
  afterAll(() => rig?.close());

  it('shows a schedule\'s iCal URL to admins and the responders on it, never to viewers', async () => {
    const admin = (await rig.api('GET', '/api/v1/schedules/primary')).body.ical_url;
    expect(admin).toMatch(/\/ical\/[A-Za-z0-9_-]+\.ics$/);
    const alice = await as('Alice', 'GET', '/api/v1/schedules/primary');
    expect(alice.status).toBe(200);
    expect(alice.body.ical_url).toBe(admin);
    for (const who of ['Vic', 'Rob']) {
      const r = await as(who, 'GET', '/api/v1/schedules/primary');
      expect(r.status).toBe(200);
      expect(r.body.name).toBe('primary');
      expect(r.body).not.toHaveProperty('ical_url');
      expect(JSON.stringify(r.body)).not.toContain('/ical/');
    }
  });

  it('rotates a schedule\'s URL: the old one answers 404 at once, the new one serves the feed', async () => {
    const old = (await rig.api('GET', '/api/v1/schedules/primary')).body.ical_url;
    expect((await feed(old)).status).toBe(200);
    const refused = await as('Vic', 'POST', '/api/v1/schedules/primary/ical/rotate');
    expect(refused.status).toBe(403);
    const rob = await as('Rob', 'POST', '/api/v1/schedules/primary/ical/rotate');
    expect(rob.status).toBe(403);
    expect(rob.body.error.message).toBe('only admins and the responders on "primary" may see or rotate its calendar URL');

    const r = await as('Alice', 'POST', '/api/v1/schedules/primary/ical/rotate');
    expect(r.status).toBe(200);
    expect(r.body.ical_url).not.toBe(old);
    const gone = await feed(old);
    expect(gone.status).toBe(404);
    expect(JSON.parse(gone.text).error.message).toBe('no calendar at this address; copy the ical_url again from Hark');
    expect((await feed(r.body.ical_url)).text).toContain('BEGIN:VEVENT');
    const view = (await rig.api('GET', '/api/v1/schedules/primary')).body;
    expect(view.ical_url).toBe(r.body.ical_url);
    expect(view.timeline[0]).toMatchObject({ kind: 'ical', actor: 'Alice', message: 'calendar URL rotated by Alice; the old one no longer works' });
  });

  it("rotates a member's own URL through the API and the web app", async () => {
    const first = (await rig.api('GET', '/api/v1/members/alice@example.com/ical')).body.ical_url;
    const second = await rig.api('POST', '/api/v1/members/alice@example.com/ical/rotate');
    expect(second.status).toBe(200);
    expect((await feed(first)).status).toBe(404);
    expect((await feed(second.body.ical_url)).status).toBe(200);

    const { c } = sessions.Alice;
    const page = await c.request(`${rig.hark.url}/h5/schedules`);
    expect(page.text).toContain(`id="ical-url">${second.body.ical_url}<`);
    const post = await c.request(`${rig.hark.url}/h5/schedules/ical/rotate`, { form: { _csrf: Client.csrfOf(page.text) } });
    expect(post.location).toBe('/h5/schedules');
    const after = await c.request(`${rig.hark.url}/h5/schedules`);
    expect(after.text).toContain('Your calendar has a new secret address; subscribe to it again. The old one no longer works.');
    const third = /id="ical-url">([^<]+)</.exec(after.text)![1];
    expect(third).not.toBe(second.body.ical_url);
    expect((await feed(second.body.ical_url)).status).toBe(404);
    expect((await feed(third)).status).toBe(200);
  });

  it("unlinking a member revokes their calendar URL", async () => {
    const url = (await rig.api('GET', '/api/v1/members/rob@example.com/ical')).body.ical_url;
    expect((await feed(url)).status).toBe(200);
    const unlink = await rig.api('POST', `/api/v1/members/${ids.Rob}/unlink`, {});
    expect(unlink.status).toBe(200);
    expect(unlink.body.calendar_revoked).toBe(true);
    expect((await feed(url)).status).toBe(404);
    // Asking again makes a new secret URL.
    const fresh = (await rig.api('GET', '/api/v1/members/rob@example.com/ical')).body.ical_url;
    expect(fresh).not.toBe(url);
    expect((await feed(fresh)).status).toBe(200);
  });
});
