import crypto from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { HarkError } from '../../errors.ts';
import type { MemberRole } from '../../incident/types.ts';
import type { Caller } from '../../teams/manage.ts';

// Who is calling the admin API. Each Authenticator recognises one kind of credential and returns a
// Principal or null; requirePrincipal tries them in order. Today there is the admin token; the web
// session (issue: OAuth) adds a cookie authenticator to the list without touching the routes.

/**
 * The admin token, a member (web session), or a scoped API token (issue 24: admin does what
 * HARK_ADMIN_TOKEN does, team only what its team owns, read only reads). The type lives with the
 * rules that judge it (src/teams/manage.ts).
 */
export type Principal = Caller;

export type Authenticator = (ctx: Context) => Principal | null | Promise<Principal | null>;

declare module 'koa' {
  interface DefaultState {
    principal?: Principal;
  }
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(ctx: Context): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'));
  return m ? m[1] : null;
}

/** Constant-time equality; hashing first makes both sides the same length so length leaks nothing either. */
export function safeEqual(a: string, b: string): boolean {
  const h = (s: string) => crypto.createHash('sha256').update(s).digest();
  return crypto.timingSafeEqual(h(a), h(b));
}

/** HARK_ADMIN_TOKEN as a Bearer token. With no token configured, nobody is admin by token. */
export function adminTokenAuthenticator(adminToken: string | null): Authenticator {
  return (ctx) => {
    const presented = bearerToken(ctx);
    if (!adminToken || !presented) return null;
    return safeEqual(presented, adminToken) ? { kind: 'admin_token', name: 'admin' } : null;
  };
}

/** A scoped API token (issue 24, src/teams/tokens.ts) as a Bearer token. */
export function apiTokenAuthenticator(authenticate: (token: string) => Promise<Principal | null>): Authenticator {
  return (ctx) => {
    const presented = bearerToken(ctx);
    return presented ? authenticate(presented) : null;
  };
}

export interface PrincipalOptions {
  /**
   * The route checks team ownership itself (src/http/routes/manage.ts): team tokens, and
   * responders (a team's leads and members), pass here and are judged on the object.
   */
  teams?: boolean;
}

/**
 * Lets the request through when an authenticator recognises the caller and (for members) their
 * role is allowed; 401 otherwise, 403 for a known member without the role. Scoped API tokens:
 * any may read (GET); an admin token acts as admin; a read token changes nothing; a team token
 * only on routes that check team ownership (`teams`).
 */
export function requirePrincipal(authenticators: readonly Authenticator[], roles: readonly MemberRole[] = ['admin'], opts: PrincipalOptions = {}): Middleware {
  return async (ctx, next) => {
    let principal: Principal | null = null;
    for (const auth of authenticators) {
      principal = await auth(ctx);
      if (principal) break;
    }
    if (!principal) {
      throw new HarkError(
        'unauthorized',
        bearerToken(ctx)
          ? 'invalid admin token (neither HARK_ADMIN_TOKEN nor a live API token)'
          : 'missing credentials: send the admin token as "Authorization: Bearer <HARK_ADMIN_TOKEN>"',
      );
    }
    if (principal.kind === 'member' && !roles.includes(principal.role) && !(opts.teams && principal.role === 'responder')) {
      throw new HarkError('forbidden', `${principal.name} is a ${principal.role}; this needs ${roles.join(' or ')}`);
    }
    if (principal.kind === 'api_token' && principal.scope !== 'admin' && ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      if (principal.scope === 'read') throw new HarkError('forbidden', `token "${principal.name}" is read-only; changes need a team or admin token`);
      if (!opts.teams) throw new HarkError('forbidden', `token "${principal.name}" is for team ${principal.teamName}; this route needs an admin token`);
    }
    ctx.state.principal = principal;
    await next();
  };
}
