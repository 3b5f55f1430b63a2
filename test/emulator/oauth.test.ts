import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, sdkClient, testEmulator } from './helpers.ts';

afterEach(cleanup);

const REDIRECT = 'http://localhost:3000/auth/lark/callback';

async function authorize(url: string, cookie?: string): Promise<URL> {
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

async function login(emuUrl: string, openId: string): Promise<string> {
  const res = await fetch(`${emuUrl}/__emulator/login?open_id=${openId}`, { redirect: 'manual' });
  return res.headers.get('set-cookie')!.split(';')[0];
}

describe('OAuth web login', () => {
  it('issues a single-use code, verifies PKCE and answers user_info', async () => {
    const emu = await testEmulator();
    const alice = (await emu.control('POST', '/__emulator/users', { name: 'Alice', email: 'a@x.io' })).open_id;
    const verifier = 'v'.repeat(50);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authUrl = `${emu.url}/open-apis/authen/v1/authorize?client_id=${emu.appId}&response_type=code`
      + `&redirect_uri=${encodeURIComponent(REDIRECT)}&state=s1&code_challenge=${challenge}&code_challenge_method=S256`;

    // Not logged in: a page to pick a user.
    const page = await fetch(authUrl, { redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Alice');

    const cookie = await login(emu.url, alice);
    const back = await authorize(authUrl, cookie);
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('s1');
    const code = back.searchParams.get('code')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    const exchange = (extra: Record<string, string>) => fetch(`${emu.url}/open-apis/authen/v2/oauth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', client_id: emu.appId, client_secret: emu.appSecret, redirect_uri: REDIRECT, ...extra }),
    });
    const ok = await exchange({ code, code_verifier: verifier });
    expect(ok.status).toBe(200);
    const tok = await ok.json();
    expect(tok).toMatchObject({ code: 0, token_type: 'Bearer', expires_in: 7200 });
    const again = await exchange({ code, code_verifier: verifier });
    expect(again.status).toBe(400);
    expect((await again.json()).code).toBe(20003);

    const info = await (await fetch(`${emu.url}/open-apis/authen/v1/user_info`, { headers: { authorization: `Bearer ${tok.access_token}` } })).json();
    expect(info.data).toMatchObject({ open_id: alice, name: 'Alice', email: 'a@x.io' });

    const code2 = (await authorize(authUrl, cookie)).searchParams.get('code')!;
    const badPkce = await exchange({ code: code2, code_verifier: 'wrong' });
    expect((await badPkce.json()).code).toBe(20049);
  });

  it('expires codes after 5 minutes, denies, and serves the SDK OIDC route', async () => {
    const emu = await testEmulator();
    const bob = (await emu.control('POST', '/__emulator/users', { name: 'Bob' })).open_id;
    const cookie = await login(emu.url, bob);
    const authUrl = `${emu.url}/open-apis/authen/v1/authorize?client_id=${emu.appId}&redirect_uri=${encodeURIComponent(REDIRECT)}&state=z`;
    const code = (await authorize(authUrl, cookie)).searchParams.get('code')!;
    await emu.control('POST', '/__emulator/clock', { advance_ms: 5 * 60_000 + 1 });
    const expired = await fetch(`${emu.url}/open-apis/authen/v2/oauth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', client_id: emu.appId, client_secret: emu.appSecret, code, redirect_uri: REDIRECT }),
    });
    expect(expired.status).toBe(400);
    expect((await expired.json()).code).toBe(20004);

    const denied = await authorize(`${authUrl}&emulator_decision=deny`, cookie);
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe('z');

    const code3 = (await authorize(authUrl, cookie)).searchParams.get('code')!;
    const client = sdkClient(emu);
    const r = await client.authen.v1.oidcAccessToken.create({ data: { grant_type: 'authorization_code', code: code3 } });
    expect(r.data!.access_token).toMatch(/^u-/);
  });
});
