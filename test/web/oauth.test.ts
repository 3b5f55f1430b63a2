import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client, oauthLogin, startWebRig, type WebRig } from './harness.ts';

// OAuth login and linking against the emulator, over HTTP with a hand-held cookie jar.

describe('Lark login', () => {
  let rig: WebRig;
  beforeEach(async () => {
    rig = await startWebRig({ env: { HARK_ADMINS: 'boss@example.com' }, delivery: false });
  });
  afterEach(async () => {
    await rig.close();
  });

  it('redirects to the authorize page with client_id, redirect_uri, state and PKCE S256', async () => {
    const c = new Client();
    const res = await c.request(`${rig.url}/auth/lark/login?next=%2Fh5%2Fme`);
    expect(res.status).toBe(302);
    const u = new URL(res.location!);
    expect(u.origin + u.pathname).toBe(`${rig.emulator.url}/open-apis/authen/v1/authorize`);
    expect(u.searchParams.get('client_id')).toBe(rig.config.lark.appId);
    expect(u.searchParams.get('redirect_uri')).toBe(`${rig.url}/auth/lark/callback`);
    expect(u.searchParams.get('code_challenge_method')).toBe('S256');
    expect(u.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(u.searchParams.get('state')!.length).toBeGreaterThanOrEqual(32);
    const setCookie = res.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/hark_oauth=.*HttpOnly/);
    expect(setCookie).toMatch(/Max-Age=600/);
  });

  it('links to the roster member with the same email, starts a session and returns to next', async () => {
    const created = await rig.api('POST', '/api/v1/members', { name: 'Alice', email: 'alice@example.com', role: 'responder' });
    expect(created.status).toBe(201);
    const alice = await rig.larkUser('Alice Lark', 'Alice@Example.COM');
    const c = new Client();
    const { callback } = await oauthLogin(rig, c, alice.open_id, '/h5/me');
    expect(callback.status).toBe(302);
    expect(callback.location).toBe('/h5/me');
    const session = callback.headers.getSetCookie().find((s) => s.startsWith('hark_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Max-Age=2592000/);
    expect(session).not.toMatch(/Secure/); // http public URL
    const me = await c.request(`${rig.url}/h5/me`);
    expect(me.status).toBe(200);
    expect(me.text).toContain(alice.open_id);
    expect(me.text).toContain('Linked to Lark');
    const members = (await rig.api('GET', '/api/v1/members')).body.items;
    expect(members).toHaveLength(1);
    expect(members[0]).toMatchObject({ id: created.body.id, role: 'responder' });
  });

  it('creates an unknown person as a viewer, and an HARK_ADMINS email as admin', async () => {
    const stranger = await rig.larkUser('Stranger', 'stranger@example.com');
    const boss = await rig.larkUser('Boss', 'boss@example.com');
    await oauthLogin(rig, new Client(), stranger.open_id);
    await oauthLogin(rig, new Client(), boss.open_id);
    const members = await rig.web.links.list();
    expect(members.map((m) => [m.name, m.role, m.openId])).toEqual([
      ['Boss', 'admin', boss.open_id],
      ['Stranger', 'viewer', stranger.open_id],
    ]);
  });

  it('logs in again as the same member, and the admin sees new people on the members page', async () => {
    const boss = await rig.larkUser('Boss', 'boss@example.com');
    const newbie = await rig.larkUser('Newbie <b>', 'newbie@example.com');
    await oauthLogin(rig, new Client(), newbie.open_id);
    await oauthLogin(rig, new Client(), newbie.open_id);
    const admin = new Client();
    await oauthLogin(rig, admin, boss.open_id);
    const page = await admin.request(`${rig.url}/h5/admin/members`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Newbie &lt;b&gt;');
    expect(page.text.match(/data-member=/g)).toHaveLength(2);
  });

  it('says so when the roster entry with that email is linked to another Lark account', async () => {
    const first = await rig.larkUser('Carol', 'carol@example.com');
    await rig.api('POST', '/api/v1/members', { name: 'Carol', email: 'carol@example.com', role: 'responder', lark_open_id: first.open_id });
    const second = await rig.larkUser('Carol (new phone)', 'carol@example.com');
    const { callback } = await oauthLogin(rig, new Client(), second.open_id);
    expect(callback.status).toBe(409);
    expect(callback.text).toContain('linked to a different Lark account');
    expect(callback.headers.getSetCookie().some((s) => s.startsWith('hark_session=') && !/Max-Age=0/.test(s))).toBe(false);
  });

  it('denied consent ends on a page that offers to try again (400)', async () => {
    const c = new Client();
    const login = await c.request(`${rig.url}/auth/lark/login`);
    const denied = await c.request(`${login.location}&emulator_decision=deny`);
    const res = await c.request(denied.location!);
    expect(res.status).toBe(400);
    expect(res.text).toContain('You declined');
    expect(res.text).toContain('href="/auth/lark/login?next=%2Fh5"');
  });

  it('unlink, then relink by logging in again; an admin unlink revokes the sessions', async () => {
    const boss = await rig.larkUser('Boss', 'boss@example.com');
    const dave = await rig.larkUser('Dave', 'dave@example.com');
    await rig.api('POST', '/api/v1/members', { name: 'Dave', email: 'dave@example.com', role: 'responder' });
    const c = new Client();
    await oauthLogin(rig, c, dave.open_id);
    const me = await c.request(`${rig.url}/h5/me`);
    const unlinked = await c.request(`${rig.url}/h5/me/unlink`, { form: { _csrf: Client.csrfOf(me.text) } });
    expect(unlinked.status).toBe(200);
    expect(unlinked.text).toContain('unlinked');
    expect((await c.request(`${rig.url}/h5/me`)).status).toBe(401);
    const daveRow = (await rig.web.links.list()).find((m) => m.name === 'Dave')!;
    expect(daveRow.openId).toBeNull();

    await oauthLogin(rig, c, dave.open_id);
    expect((await c.request(`${rig.url}/h5/me`)).text).toContain(dave.open_id);

    // Admin unlink through the web app (CSRF-checked form) ends Dave's session at once.
    const admin = new Client();
    await oauthLogin(rig, admin, boss.open_id);
    const page = await admin.request(`${rig.url}/h5/admin/members`);
    const res = await admin.request(`${rig.url}/h5/admin/members/${daveRow.id}/unlink`, { form: { _csrf: Client.csrfOf(page.text) } });
    expect(res.status).toBe(302);
    expect((await c.request(`${rig.url}/h5/me`)).status).toBe(401);

    // And through the API with the admin token.
    await oauthLogin(rig, c, dave.open_id);
    const api = await rig.api('POST', `/api/v1/members/${daveRow.id}/unlink`);
    expect(api.status).toBe(200);
    expect(api.body.member.lark_open_id).toBeNull();
    expect((await c.request(`${rig.url}/h5/me`)).status).toBe(401);
  });

  it('moves an open_id between members only with an explicit admin move', async () => {
    const lark = await rig.larkUser('Erin', 'erin@example.com');
    const a = await rig.api('POST', '/api/v1/members', { name: 'Erin A', email: 'erin.a@example.com', role: 'responder', lark_open_id: lark.open_id });
    const b = await rig.api('POST', '/api/v1/members', { name: 'Erin B', email: 'erin.b@example.com', role: 'responder' });
    const refused = await rig.api('POST', `/api/v1/members/${b.body.id}/link`, { open_id: lark.open_id });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('"move": true');
    const moved = await rig.api('POST', `/api/v1/members/${b.body.id}/link`, { open_id: lark.open_id, move: true });
    expect(moved.status).toBe(200);
    expect(moved.body.member.lark_open_id).toBe(lark.open_id);
    expect(moved.body.moved_from).toMatchObject({ id: a.body.id, lark_open_id: null });
    const noToken = await rig.api('POST', `/api/v1/members/${b.body.id}/unlink`, undefined, {});
    expect(noToken.status).toBe(401);
  });

  it('marks cookies Secure when HARK_PUBLIC_URL is https', async () => {
    const tls = await startWebRig({ env: { HARK_PUBLIC_URL: 'https://hark.example' }, delivery: false });
    try {
      const res = await new Client().request(`${tls.url}/auth/lark/login`);
      expect(res.headers.getSetCookie()[0]).toMatch(/; Secure/);
      expect(new URL(res.location!).searchParams.get('redirect_uri')).toBe('https://hark.example/auth/lark/callback');
    } finally {
      await tls.close();
    }
  });
});
