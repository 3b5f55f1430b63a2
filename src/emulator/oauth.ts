// Web-app login (docs/lark-notes.md §5): authorize page, code exchange (v2 OAuth token and the SDK's older
// v1 OIDC route), user_info. Codes are valid 5 minutes and single use; PKCE S256 is verified.
import { createHash } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { EmulatorContext } from './context.ts';
import { body, larkError, logId, ok, requireToken } from './http-util.ts';
import { newAuthCode } from './ids.ts';
import type { EmUser, OAuthCode } from './state.ts';

export const LOGIN_COOKIE = 'lark_emulator_login';
export const OAUTH_CODE_TTL_MS = 5 * 60_000;

export function registerOAuth(router: Router, ectx: EmulatorContext): void {
  router.get('/open-apis/authen/v1/authorize', async (ctx) => {
    const q = ctx.query as Record<string, string | undefined>;
    const clientId = q.client_id ?? q.app_id ?? '';
    const redirectUri = q.redirect_uri ?? '';
    if (clientId !== ectx.options.appId || !/^https?:\/\//.test(redirectUri)) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = page('Authorization failed', `<p>Unknown client_id or missing redirect_uri (error 20024).</p>`);
      return;
    }
    const back = (params: Record<string, string>) => {
      const u = new URL(redirectUri);
      for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
      ctx.redirect(u.toString());
    };
    if (q.emulator_decision === 'deny') return back({ error: 'access_denied', ...(q.state !== undefined ? { state: q.state } : {}) });
    const user = ectx.state.users.get(ctx.cookies.get(LOGIN_COOKIE) ?? '');
    if (user) {
      const code: OAuthCode = {
        code: newAuthCode(),
        open_id: user.open_id,
        client_id: clientId,
        redirect_uri: redirectUri,
        scope: q.scope ?? '',
        code_challenge: q.code_challenge,
        code_challenge_method: q.code_challenge_method ?? (q.code_challenge ? 'plain' : undefined),
        expires_at: ectx.state.now() + OAUTH_CODE_TTL_MS,
      };
      ectx.state.oauthCodes.set(code.code, code);
      return back({ code: code.code, ...(q.state !== undefined ? { state: q.state } : {}) });
    }
    ctx.type = 'html';
    ctx.body = chooser(ectx, ctx.originalUrl);
  });

  router.post('/open-apis/authen/v2/oauth/token', async (ctx) => {
    ectx.stats.call('authen.v2.oauth.token');
    const b = body(ctx);
    const fail = (status: number, code: number, error: string, description: string) => {
      logId(ctx);
      ctx.status = status;
      ctx.body = { code, error, error_description: description };
    };
    if (!b.grant_type) return fail(400, 20001, 'invalid_request', 'grant_type is required');
    if (b.client_id !== ectx.options.appId || b.client_secret !== ectx.options.appSecret) {
      return fail(400, 20002, 'invalid_client', 'client_id or client_secret is invalid');
    }
    let grant: { open_id: string; scope: string };
    if (b.grant_type === 'authorization_code') {
      if (!b.code) return fail(400, 20001, 'invalid_request', 'code is required');
      const res = takeCode(ectx, String(b.code));
      if ('error' in res) return fail(400, res.error, 'invalid_grant', res.description);
      const code = res.code;
      if (code.client_id !== b.client_id) return fail(400, 20024, 'invalid_grant', 'code does not belong to this client');
      if (b.redirect_uri !== undefined && b.redirect_uri !== code.redirect_uri) {
        return fail(400, 20024, 'invalid_grant', 'redirect_uri does not match the authorization request');
      }
      if (code.code_challenge && !pkceOk(code, b.code_verifier)) return fail(400, 20049, 'invalid_grant', 'code_verifier does not match code_challenge');
      grant = { open_id: code.open_id, scope: code.scope };
    } else if (b.grant_type === 'refresh_token') {
      const r = ectx.tokens.takeRefresh(String(b.refresh_token ?? ''), ectx.state.now());
      if (!r) return fail(400, 20064, 'invalid_grant', 'refresh_token is invalid, expired or already used');
      grant = r;
    } else {
      return fail(400, 20036, 'unsupported_grant_type', `grant_type ${b.grant_type} is not supported`);
    }
    const user = ectx.state.users.get(grant.open_id);
    if (!user || !user.available) return fail(400, 20010, 'invalid_grant', 'user has no availability to this app');
    const ttl = ectx.options.tokenExpireSeconds;
    const { access, refresh } = ectx.tokens.issueUser(user.open_id, grant.scope, ttl, ectx.state.now());
    const offline = grant.scope.split(/\s+/).includes('offline_access');
    ctx.body = {
      code: 0,
      access_token: access.token,
      expires_in: ttl,
      ...(offline ? { refresh_token: refresh, refresh_token_expires_in: 30 * 86_400 } : {}),
      token_type: 'Bearer',
      scope: grant.scope,
    };
  });

  // The SDK's client.authen.v1.oidcAccessToken.create sends the tenant token as bearer; the doc
  // says app token — accept both (docs/lark-notes.md §5.2, §8.3).
  router.post('/open-apis/authen/v1/oidc/access_token', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant', 'app'])) return;
    ectx.stats.call('authen.v1.oidc.access_token');
    const b = body(ctx);
    if (b.grant_type !== 'authorization_code' || !b.code) return larkError(ctx, 400, 20001, 'grant_type=authorization_code and code are required');
    const res = takeCode(ectx, String(b.code));
    if ('error' in res) return larkError(ctx, 400, res.error, res.description);
    oidcTokens(ctx, ectx, res.code.open_id, res.code.scope);
  });

  router.post('/open-apis/authen/v1/oidc/refresh_access_token', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant', 'app'])) return;
    const b = body(ctx);
    const r = ectx.tokens.takeRefresh(String(b.refresh_token ?? ''), ectx.state.now());
    if (!r) return larkError(ctx, 400, 20064, 'refresh_token is invalid, expired or already used');
    oidcTokens(ctx, ectx, r.open_id, r.scope);
  });

  router.get('/open-apis/authen/v1/user_info', async (ctx) => {
    const rec = requireToken(ctx, ectx, ['user']);
    if (!rec) return;
    const u = ectx.state.users.get(rec.open_id ?? '');
    if (!u) return larkError(ctx, 400, 99991668, 'Invalid access token for authorization.');
    ok(ctx, userInfo(ectx, u));
  });
}

function oidcTokens(ctx: Context, ectx: EmulatorContext, openId: string, scope: string): void {
  const user = ectx.state.users.get(openId);
  if (!user || !user.available) return larkError(ctx, 400, 20010, 'user has no availability to this app');
  const ttl = ectx.options.tokenExpireSeconds;
  const { access, refresh } = ectx.tokens.issueUser(openId, scope, ttl, ectx.state.now());
  ok(ctx, { access_token: access.token, refresh_token: refresh, token_type: 'Bearer', expires_in: ttl, refresh_expires_in: 30 * 86_400, scope });
}

function takeCode(ectx: EmulatorContext, value: string): { code: OAuthCode } | { error: number; description: string } {
  const code = ectx.state.oauthCodes.get(value);
  if (!code) return { error: 20003, description: 'authorization code not found or already used' };
  ectx.state.oauthCodes.delete(value); // single use, even when the exchange fails below
  if (code.expires_at <= ectx.state.now()) return { error: 20004, description: 'authorization code expired' };
  return { code };
}

function pkceOk(code: OAuthCode, verifier: unknown): boolean {
  if (typeof verifier !== 'string' || verifier === '') return false;
  if (code.code_challenge_method === 'S256') {
    return createHash('sha256').update(verifier).digest('base64url') === code.code_challenge;
  }
  return verifier === code.code_challenge;
}

export function userInfo(ectx: EmulatorContext, u: EmUser): Record<string, unknown> {
  return {
    name: u.name, en_name: u.name, avatar_url: '', avatar_thumb: '', avatar_middle: '', avatar_big: '',
    open_id: u.open_id, union_id: u.union_id, email: u.email ?? '', enterprise_email: u.email ?? '',
    user_id: u.user_id, mobile: '', tenant_key: ectx.options.tenantKey, employee_no: '',
  };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, inner: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">`
    + `<title>${esc(title)}</title></head><body style="font-family:sans-serif;max-width:28em;margin:2em auto">`
    + `<h1>${esc(title)}</h1>${inner}</body></html>`;
}

function chooser(ectx: EmulatorContext, authorizeUrl: string): string {
  const users = [...ectx.state.users.values()];
  const items = users.map((u) => {
    const href = `/__emulator/login?open_id=${encodeURIComponent(u.open_id)}&next=${encodeURIComponent(authorizeUrl)}`;
    return `<li><a href="${esc(href)}">${esc(u.name)}</a> <small>${esc(u.email ?? u.open_id)}</small></li>`;
  }).join('');
  const deny = `${authorizeUrl}${authorizeUrl.includes('?') ? '&' : '?'}emulator_decision=deny`;
  return page('Lark emulator — sign in', `<p>Authorize <b>${esc(ectx.state.bot.name)}</b> as:</p>`
    + `<ul>${items || '<li>No users yet: POST /__emulator/users</li>'}</ul><p><a href="${esc(deny)}">Deny</a></p>`);
}
