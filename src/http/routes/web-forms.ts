import type { Context, Middleware, Next } from 'koa';
import { HarkError } from '../../errors.ts';
import { CSRF_FIELD, type WebAuth, type WebUser } from '../../auth/web-auth.ts';

// The signed-in person and the CSRF check of the web app's own pages (schedules, teams): one
// place, so every page asks for a login and refuses a stale form the same way.

/** Redirects to the Lark login (then back to `next`, default: this page) without a session; else keeps the user in ctx.state[key]. */
export function requireWebUser(auth: WebAuth, key: string, next?: string): Middleware {
  return async (ctx: Context, go: Next) => {
    const user = await auth.user(ctx);
    if (!user) return ctx.redirect(`/auth/lark/login?next=${encodeURIComponent(next ?? ctx.path)}`);
    ctx.state[key] = user;
    await go();
  };
}

/** A form post must carry the session's CSRF token (after the body parser and requireWebUser). */
export function requireFormCsrf(auth: WebAuth, key: string): Middleware {
  return async (ctx: Context, go: Next) => {
    const user = ctx.state[key] as WebUser;
    const token = (ctx.request as { body?: Record<string, unknown> }).body?.[CSRF_FIELD];
    if (!auth.csrfOk(user, token)) throw new HarkError('forbidden', 'the form is out of date; reload the page and try again');
    await go();
  };
}
