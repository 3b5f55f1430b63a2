import Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from '../../log.ts';
import type { Clock } from '../../incident/ports.ts';
import { jsonBody } from '../body.ts';
import type { Templates } from '../../web/render.ts';
import type { MessageKey } from '../../web/i18n.ts';
import { CookieSigner, clearCookie, randomToken, readCookie, sameToken, setCookie } from '../../auth/cookies.ts';
import { LarkOAuth, OAuthError, newPkce, type OAuthFailure } from '../../auth/lark-oauth.ts';
import type { MemberLinks } from '../../auth/linking.ts';
import { safeNextPath } from '../../auth/next-path.ts';
import { CSRF_FIELD, type WebAuth } from '../../auth/web-auth.ts';

export const STATE_COOKIE = 'hark_oauth';
export const STATE_TTL_MS = 10 * 60_000;

export interface AuthRouteDeps {
  oauth: LarkOAuth | null;
  auth: WebAuth;
  links: MemberLinks;
  templates: Templates;
  clock: Clock;
  logger: Logger;
  sessionSecret: string;
}

interface LoginState {
  /** state sent to Lark */
  s: string;
  /** PKCE code_verifier */
  v: string;
  /** where to return */
  n: string;
  /** expiry, ms */
  e: number;
}

const FAILURE_KEY: Record<OAuthFailure | 'state' | 'bad_request', MessageKey> = {
  denied: 'error.denied',
  code_used: 'error.code_used',
  code_expired: 'error.code_expired',
  not_available: 'error.not_available',
  rejected: 'error.rejected',
  unreachable: 'error.unreachable',
  state: 'error.state',
  bad_request: 'error.bad_request',
};

/**
 * GET /auth/lark/login → Lark's authorize page; GET /auth/lark/callback → link, session, back to
 * `next`; POST /auth/lark/logout. The state is random, bound to a signed 10-minute cookie with the
 * PKCE verifier and the return path, and used once: the cookie is cleared by the first callback.
 */
export function createAuthRouter(deps: AuthRouteDeps): Router {
  const router = new Router();
  const signer = new CookieSigner(deps.sessionSecret, 'oauth-state');
  const cookieOpts = { path: '/auth/lark', secure: deps.auth.secure, sameSite: 'Lax' as const };

  const retryUrl = (next: string) => `/auth/lark/login?next=${encodeURIComponent(next)}`;

  const fail = (ctx: Context, why: keyof typeof FAILURE_KEY, next: string, status = 400) => {
    const { t } = deps.templates.lang(ctx);
    deps.templates.message(ctx, status, t('error.title'), t(FAILURE_KEY[why]), retryUrl(next));
  };

  router.get('/auth/lark/login', (ctx) => {
    const next = safeNextPath(ctx.query.next);
    if (!deps.oauth) {
      const { t } = deps.templates.lang(ctx);
      return deps.templates.message(ctx, 503, t('error.title'), t('error.not_configured'));
    }
    const pkce = newPkce();
    const state: LoginState = { s: randomToken(24), v: pkce.verifier, n: next, e: deps.clock.now() + STATE_TTL_MS };
    setCookie(ctx, STATE_COOKIE, signer.sign(Buffer.from(JSON.stringify(state)).toString('base64url')), {
      ...cookieOpts,
      maxAgeSeconds: STATE_TTL_MS / 1000,
    });
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'same-origin');
    ctx.redirect(deps.oauth.authorizeUrl(state.s, pkce.challenge));
  });

  router.get('/auth/lark/callback', async (ctx) => {
    const q = ctx.query as Record<string, string | string[] | undefined>;
    const one = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : undefined);
    const saved = readState(signer, readCookie(ctx, STATE_COOKIE), deps.clock.now());
    // One use: whatever happens next, this state is spent.
    clearCookie(ctx, STATE_COOKIE, cookieOpts);
    const next = saved?.n ?? '/h5';
    const log = ctx.state.log ?? deps.logger;

    if (one('error')) {
      log.info({ error: one('error') }, 'lark login declined');
      return fail(ctx, one('error') === 'access_denied' ? 'denied' : 'rejected', next);
    }
    if (!saved || !sameToken(one('state'), saved.s)) {
      log.warn({ hasCookie: !!saved }, 'lark login refused: state missing, expired or not ours');
      return fail(ctx, 'state', next);
    }
    const code = one('code');
    if (!code || !deps.oauth) return fail(ctx, 'bad_request', next);

    try {
      const identity = await deps.oauth.identify(code, saved.v);
      const outcome = await deps.links.linkOnLogin(identity);
      if (outcome.kind === 'conflict') {
        log.warn({ memberId: outcome.member.id, openId: identity.openId }, 'lark login refused: roster email linked to another Lark account');
        const { t } = deps.templates.lang(ctx);
        return deps.templates.message(ctx, 409, t('error.title'), t('error.conflict', { email: outcome.member.email ?? '' }));
      }
      log.info({ memberId: outcome.member.id, outcome: outcome.kind }, 'lark login');
      await deps.auth.start(ctx, outcome.member.id);
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Referrer-Policy', 'same-origin');
      ctx.redirect(next);
    } catch (err) {
      if (err instanceof OAuthError) {
        log.info({ failure: err.failure, larkCode: err.larkCode, err: err.message }, 'lark login failed');
        return fail(ctx, err.failure, next, err.failure === 'unreachable' ? 503 : 400);
      }
      log.error({ err }, 'lark login failed unexpectedly');
      return fail(ctx, 'unreachable', next, 503);
    }
  });

  router.post('/auth/lark/logout', jsonBody(), async (ctx) => {
    const user = await deps.auth.user(ctx);
    const token = (ctx.request as { body?: Record<string, unknown> }).body?.[CSRF_FIELD];
    if (user && !deps.auth.csrfOk(user, token)) {
      const { t } = deps.templates.lang(ctx);
      return deps.templates.message(ctx, 403, t('error.title'), t('error.csrf'), null, user.member);
    }
    await deps.auth.end(ctx);
    ctx.redirect('/h5');
  });

  return router;
}

function readState(signer: CookieSigner, raw: string | undefined, now: number): LoginState | null {
  const value = signer.verify(raw);
  if (!value) return null;
  try {
    const s = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as LoginState;
    if (typeof s.s !== 'string' || typeof s.v !== 'string' || typeof s.e !== 'number' || s.e <= now) return null;
    return { ...s, n: safeNextPath(s.n) };
  } catch {
    return null;
  }
}
