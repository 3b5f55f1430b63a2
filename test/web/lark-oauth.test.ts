import { describe, expect, it } from 'vitest';
import { LarkOAuth, OAuthError, authorizeBase } from '../../src/auth/lark-oauth.ts';

describe('LarkOAuth', () => {
  it('sends people to the accounts host for feishu and lark, to the base URL otherwise', () => {
    expect(authorizeBase('https://open.feishu.cn')).toBe('https://accounts.feishu.cn');
    expect(authorizeBase('https://open.larksuite.com')).toBe('https://accounts.larksuite.com');
    expect(authorizeBase('http://127.0.0.1:9100')).toBe('http://127.0.0.1:9100');
    const o = new LarkOAuth({ domain: 'https://open.feishu.cn', appId: 'cli_x', appSecret: 's', redirectUri: 'https://hark.example/auth/lark/callback' });
    const u = new URL(o.authorizeUrl('st', 'ch'));
    expect(u.origin + u.pathname).toBe('https://accounts.feishu.cn/open-apis/authen/v1/authorize');
    expect(Object.fromEntries(u.searchParams)).toEqual({
      client_id: 'cli_x',
      response_type: 'code',
      redirect_uri: 'https://hark.example/auth/lark/callback',
      state: 'st',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
    });
  });

  const withAnswer = (status: number, body: string) =>
    new LarkOAuth({
      domain: 'https://open.feishu.cn',
      appId: 'cli_x',
      appSecret: 's',
      redirectUri: 'https://hark.example/auth/lark/callback',
      fetch: (async () => new Response(body, { status })) as typeof fetch,
    });

  it.each([
    [400, '{"code":20003,"error":"invalid_grant","error_description":"used"}', 'code_used'],
    [400, '{"code":20004,"error":"invalid_grant","error_description":"expired"}', 'code_expired'],
    [400, '{"code":20010,"error":"invalid_grant"}', 'not_available'],
    [400, '{"code":20049,"error":"invalid_grant"}', 'rejected'],
    [502, '<html>bad gateway</html>', 'unreachable'],
  ])('classifies %i %s as %s', async (status, body, failure) => {
    const err = await withAnswer(status, body).identify('c', 'v').catch((e) => e);
    expect(err).toBeInstanceOf(OAuthError);
    expect(err.failure).toBe(failure);
  });

  it('reports a network failure as unreachable', async () => {
    const o = new LarkOAuth({
      domain: 'http://127.0.0.1:9',
      appId: 'cli_x',
      appSecret: 's',
      redirectUri: 'http://h/auth/lark/callback',
      fetch: (async () => {
        throw new TypeError('fetch failed');
      }) as typeof fetch,
    });
    await expect(o.identify('c', 'v')).rejects.toMatchObject({ failure: 'unreachable' });
  });
});
