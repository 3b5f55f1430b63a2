import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeNextPath } from '../../src/auth/next-path.ts';
import { Client, oauthLogin, startWebRig, type WebRig } from './harness.ts';

// Each attack is refused or rendered harmless: forged/missing state, replayed code, off-site next,
// missing/wrong CSRF token, a session cookie after logout, script in alert text.

describe('web security', () => {
  let rig: WebRig;
  let alice: { open_id: string };
  beforeAll(async () => {
    rig = await startWebRig({ delivery: false });
    await rig.api('POST', '/api/v1/members', { name: 'Alice', email: 'alice@example.com', role: 'responder' });
    alice = await rig.larkUser('Alice', 'alice@example.com');
  });
  afterAll(async () => {
    await rig.close();
  });

  const countSessions = async () => (await rig.store.db.selectFrom('sessions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n;

  describe('OAuth state', () => {
    it('refuses a callback without the state cookie (400, page offers to try again, no session)', async () => {
      const c = new Client();
      const login = await c.request(`${rig.url}/auth/lark/login`);
      await c.request(`${rig.emulator.url}/__emulator/login?open_id=${alice.open_id}`);
      const authorize = await c.request(login.location!);
      c.cookies.delete('hark_oauth');
      const before = await countSessions();
      const res = await c.request(authorize.location!);
      expect(res.status).toBe(400);
      expect(res.text).toContain('could not be verified');
      expect(res.text).toContain('Try again');
      expect(await countSessions()).toBe(before);
      expect(c.cookies.has('hark_session')).toBe(false);
    });

    it('refuses a forged state (someone else\'s callback URL in my browser)', async () => {
      const victim = new Client();
      await victim.request(`${rig.url}/auth/lark/login`); // victim has a state cookie of their own
      const attacker = new Client();
      const login = await attacker.request(`${rig.url}/auth/lark/login`);
      await attacker.request(`${rig.emulator.url}/__emulator/login?open_id=${alice.open_id}`);
      const authorize = await attacker.request(login.location!);
      const res = await victim.request(authorize.location!); // login CSRF: attacker's code in victim's browser
      expect(res.status).toBe(400);
      expect(victim.cookies.has('hark_session')).toBe(false);

      const tampered = new Client();
      await tampered.request(`${rig.url}/auth/lark/login`);
      const [value] = tampered.cookies.get('hark_oauth')!.split('.');
      const forgedState = Buffer.from(JSON.stringify({ s: 'x', v: 'y', n: '/h5', e: Date.now() + 60_000 })).toString('base64url');
      tampered.cookies.set('hark_oauth', `${forgedState}.${value.slice(0, 43)}`);
      const r2 = await tampered.request(`${rig.url}/auth/lark/callback?code=abc&state=x`);
      expect(r2.status).toBe(400);
    });

    it('refuses a replayed callback URL and a reused code (20003), never 500', async () => {
      const c = new Client();
      const { callback, callbackUrl } = await oauthLogin(rig, c, alice.open_id);
      expect(callback.status).toBe(302);
      // Same URL again: the state was spent with the first use.
      const again = await c.request(callbackUrl);
      expect(again.status).toBe(400);
      // Fresh state, old code: Lark says 20003.
      const other = new Client();
      const login = await other.request(`${rig.url}/auth/lark/login`);
      const state = new URL(login.location!).searchParams.get('state')!;
      const code = new URL(callbackUrl).searchParams.get('code')!;
      const reused = await other.request(`${rig.url}/auth/lark/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`);
      expect(reused.status).toBe(400);
      expect(reused.text).toContain('already used');
      expect(other.cookies.has('hark_session')).toBe(false);
    });

    it('an expired code (20004) says so', async () => {
      const c = new Client();
      await c.request(`${rig.emulator.url}/__emulator/login?open_id=${alice.open_id}`);
      const login = await c.request(`${rig.url}/auth/lark/login`);
      const authorize = await c.request(login.location!);
      await rig.emu('POST', '/__emulator/clock', { advance_ms: 6 * 60_000 });
      const res = await c.request(authorize.location!);
      expect(res.status).toBe(400);
      expect(res.text).toContain('expired');
    });
  });

  describe('next after login', () => {
    it.each([
      ['//evil.example/x'],
      ['https://evil.example/'],
      ['/\\evil.example'],
      ['\\\\evil.example'],
      ['/\t/evil.example'],
      ['javascript:alert(1)'],
      ['http:evil.example'],
      ['/auth/lark/login'],
      [''],
    ])('%j goes to /h5 instead', (next) => {
      expect(safeNextPath(next)).toBe('/h5');
    });

    it('keeps a same-origin path with its query', () => {
      expect(safeNextPath('/h5/incidents/42?x=1')).toBe('/h5/incidents/42?x=1');
    });

    it('ends an OAuth round trip on /h5 when next was off-site', async () => {
      const { callback } = await oauthLogin(rig, new Client(), alice.open_id, '//evil.example/steal');
      expect(callback.status).toBe(302);
      expect(callback.location).toBe('/h5');
    });
  });

  describe('CSRF', () => {
    it('refuses web forms without or with a wrong token, accepts the right one', async () => {
      const n = await rig.fire({ title: 'CSRF target' });
      const c = new Client();
      await oauthLogin(rig, c, alice.open_id);
      const page = await c.request(`${rig.url}/h5/incidents/${n}`);
      const token = Client.csrfOf(page.text);
      const missing = await c.request(`${rig.url}/h5/incidents/${n}/ack`, { form: {} });
      expect(missing.status).toBe(403);
      const wrong = await c.request(`${rig.url}/h5/incidents/${n}/ack`, { form: { _csrf: token.slice(0, -2) + 'xx' } });
      expect(wrong.status).toBe(403);
      expect((await rig.services.incidents.get(n)).incident.status).toBe('triggered');
      const ok = await c.request(`${rig.url}/h5/incidents/${n}/ack`, { form: { _csrf: token } });
      expect(ok.status).toBe(302);
      expect((await rig.services.incidents.get(n)).incident.status).toBe('acknowledged');
      const tl = (await rig.services.incidents.get(n)).timeline.at(-1)!;
      expect(tl).toMatchObject({ via: 'web', actorName: 'Alice' });
    });

    it('a JSON API call with a session needs X-CSRF-Token; with it, it acts as the member via web', async () => {
      const n = await rig.fire({ title: 'API CSRF target' });
      const c = new Client();
      await oauthLogin(rig, c, alice.open_id);
      const token = Client.csrfOf((await c.request(`${rig.url}/h5/me`)).text);
      const bare = await c.request(`${rig.url}/api/v1/incidents/${n}/ack`, { json: {} });
      expect(bare.status).toBe(401);
      const wrong = await c.request(`${rig.url}/api/v1/incidents/${n}/ack`, { json: {}, headers: { 'x-csrf-token': 'nope' } });
      expect(wrong.status).toBe(401);
      const ok = await c.request(`${rig.url}/api/v1/incidents/${n}/ack`, { json: {}, headers: { 'x-csrf-token': token } });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.text)).toMatchObject({ changed: true, by: { name: 'Alice' } });
      expect((await rig.services.incidents.get(n)).timeline.at(-1)).toMatchObject({ via: 'web' });
    });

    it('logout needs the token too', async () => {
      const c = new Client();
      await oauthLogin(rig, c, alice.open_id);
      const res = await c.request(`${rig.url}/auth/lark/logout`, { form: {} });
      expect(res.status).toBe(403);
      expect((await c.request(`${rig.url}/h5/me`)).status).toBe(200);
    });
  });

  it('a session cookie copied before logout is dead after it', async () => {
    const c = new Client();
    await oauthLogin(rig, c, alice.open_id);
    const stolen = new Client();
    stolen.cookies.set('hark_session', c.cookies.get('hark_session')!);
    expect((await stolen.request(`${rig.url}/h5/me`)).status).toBe(200);
    const token = Client.csrfOf((await c.request(`${rig.url}/h5/me`)).text);
    const out = await c.request(`${rig.url}/auth/lark/logout`, { form: { _csrf: token } });
    expect(out.status).toBe(302);
    expect(c.cookies.has('hark_session')).toBe(false);
    expect((await stolen.request(`${rig.url}/h5/me`)).status).toBe(401);
    const api = await stolen.request(`${rig.url}/api/v1/incidents`, { headers: { 'x-csrf-token': token } });
    expect(api.status).toBe(401);
  });

  it('a session cookie with a forged signature is ignored', async () => {
    const c = new Client();
    await oauthLogin(rig, c, alice.open_id);
    const [id] = c.cookies.get('hark_session')!.split('.');
    const forged = new Client();
    forged.cookies.set('hark_session', `${id}.AAAA`);
    expect((await forged.request(`${rig.url}/h5/me`)).status).toBe(401);
  });

  it('renders script in alert title, labels, annotations and links as text', async () => {
    const evil = '<script>alert(1)</script>';
    const n = await rig.fire({
      title: `Disk ${evil}`,
      key: 'xss',
      description: `desc ${evil} "quoted" 'single'`,
      labels: { [`k${evil}`]: `v${evil}`, host: '"><img src=x onerror=alert(1)>' },
      links: [{ title: `Runbook ${evil}`, url: 'https://runbooks.example/disk?q="><script>alert(1)</script>' }],
    });
    await rig.services.incidents.get(n);
    const c = new Client();
    await oauthLogin(rig, c, alice.open_id);
    for (const path of [`/h5/incidents/${n}`, '/h5']) {
      const page = await c.request(`${rig.url}${path}`);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('<script');
      expect(page.text).not.toContain('<img');
      expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    }
  });

  it('does not turn a javascript: link into an href', async () => {
    // Ingest validates URLs; store one directly to prove the page does not trust the database either.
    const n = await rig.fire({ title: 'Link check', key: 'links' });
    await rig.store.db
      .updateTable('incidents')
      .set({ links: JSON.stringify([{ title: 'click me', url: 'javascript:alert(1)' }, { title: 'ok', url: 'https://ok.example/' }]) })
      .where('number', '=', n)
      .execute();
    const c = new Client();
    await oauthLogin(rig, c, alice.open_id);
    const page = await c.request(`${rig.url}/h5/incidents/${n}`);
    expect(page.text).not.toContain('javascript:');
    expect(page.text).toContain('href="https://ok.example/"');
  });
});
