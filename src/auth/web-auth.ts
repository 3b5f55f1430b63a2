import type { Context } from 'koa';
import type { Member } from '../incident/types.ts';
import type { Authenticator } from '../http/routes/auth.ts';
import { CookieSigner, clearCookie, readCookie, sameToken, setCookie } from './cookies.ts';
import type { MemberLinks } from './linking.ts';
import { SESSION_TTL_MS, type Session, type SessionStore } from './sessions.ts';

export const SESSION_COOKIE = 'hark_session';
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';

export interface WebUser {
  readonly session: Session;
  readonly member: Member;
}

export interface WebAuthDeps {
  sessions: SessionStore;
  links: MemberLinks;
  sessionSecret: string;
  /** From HARK_PUBLIC_URL: https → cookies are Secure. */
  secure: boolean;
}

/**
 * The web session: a signed cookie with a random id, looked up server-side on every request.
 * Also the doorway for the JSON API: a request with the session cookie counts only when it carries
 * the session's CSRF token in X-CSRF-Token (cookies ride along on cross-site requests; the header
 * cannot be set by another site).
 */
export class WebAuth {
  private readonly signer: CookieSigner;

  constructor(private readonly deps: WebAuthDeps) {
    if (!deps.sessionSecret) throw new Error('a session secret is required to sign web sessions (HARK_SESSION_SECRET)');
    this.signer = new CookieSigner(deps.sessionSecret, 'session');
  }

  get secure(): boolean {
    return this.deps.secure;
  }

  /** The logged-in member, or null. Cached on the context for the rest of the request. */
  async user(ctx: Context): Promise<WebUser | null> {
    const cached = (ctx.state as { webUser?: WebUser | null }).webUser;
    if (cached !== undefined) return cached;
    const id = this.signer.verify(readCookie(ctx, SESSION_COOKIE));
    let user: WebUser | null = null;
    if (id) {
      const session = await this.deps.sessions.get(id);
      const member = session ? await this.deps.links.get(session.memberId) : null;
      // A member who lost their Lark link has no web identity, even with a stray session row.
      if (session && member && member.openId) user = { session, member };
    }
    (ctx.state as { webUser?: WebUser | null }).webUser = user;
    return user;
  }

  async start(ctx: Context, memberId: number): Promise<Session> {
    const session = await this.deps.sessions.create(memberId);
    setCookie(ctx, SESSION_COOKIE, this.signer.sign(session.id), {
      maxAgeSeconds: SESSION_TTL_MS / 1000,
      secure: this.deps.secure,
      sameSite: 'Lax',
    });
    return session;
  }

  async end(ctx: Context): Promise<void> {
    const id = this.signer.verify(readCookie(ctx, SESSION_COOKIE));
    if (id) await this.deps.sessions.delete(id);
    clearCookie(ctx, SESSION_COOKIE, { secure: this.deps.secure });
    (ctx.state as { webUser?: WebUser | null }).webUser = null;
  }

  /** True when `token` is this session's CSRF token. */
  csrfOk(user: WebUser, token: unknown): boolean {
    return typeof token === 'string' && sameToken(token, user.session.csrfToken);
  }

  /**
   * For JSON API routes (POST /api/v1/incidents/:n/{action}, admin routes): the member behind a
   * session cookie whose request also carries X-CSRF-Token, else null. Routes that accept either
   * the admin token or a session call this after the bearer check fails.
   */
  async apiUser(ctx: Context): Promise<WebUser | null> {
    const user = await this.user(ctx);
    if (!user) return null;
    return this.csrfOk(user, ctx.get(CSRF_HEADER)) ? user : null;
  }
}

/**
 * The admin API's authenticator for web sessions (buildHark passes it to createRouters({authenticators})):
 * a session cookie with its X-CSRF-Token header is that member, acting via "web".
 */
export function webSessionAuthenticator(auth: WebAuth): Authenticator {
  return async (ctx) => {
    const user = await auth.apiUser(ctx);
    return user ? { kind: 'member', memberId: user.member.id, name: user.member.name, role: user.member.role } : null;
  };
}
