import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { HarkError } from '../../errors.ts';
import { escalateText, noteText, type Paging } from '../../paging/index.ts';
import type { Actor } from '../../incident/types.ts';
import { parseOrThrow } from '../../incident/validate.ts';
import { jsonBody } from '../body.ts';
import { requirePrincipal, type Authenticator } from './auth.ts';
import { ACTING_ROLES } from '../../incident/types.ts';

// POST /api/v1/incidents/:number/escalate {by?} and /notes {text, by?} (README "HTTP routes"). The admin
// token acts as "admin" or, with {by: email}, as that member; a web session acts as its member.

export interface PagingRouterDeps {
  paging: Paging;
  authenticators: readonly Authenticator[];
  /** A member's actor by email (the admin token's {by}); throws HarkError invalid for an unknown one. */
  actorByEmail: (email: string) => Promise<Actor>;
}

const byField = z.string().trim().email({ message: 'must be the email of a member' }).optional();
const escalateBody = z.object({ by: byField }).default({});
const noteBody = z.object({
  text: z.string({ required_error: 'is required, e.g. {"text": "rolled back the deploy"}', invalid_type_error: 'must be text' }),
  by: byField,
});

/** The JSON body, unless a router before this one (incidents' `/:action`) already parsed it. */
function body(limit: number): Middleware {
  const parse = jsonBody(limit);
  return (ctx, next) => ((ctx.request as { body?: unknown }).body !== undefined ? next() : parse(ctx, next));
}

function incidentNumber(ctx: Context): number {
  const raw = String(ctx.params.number ?? '').replace(/^#/, '');
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw new HarkError('invalid', `number: "${ctx.params.number}" is not an incident number such as 42`);
  return Number(raw);
}

export function pagingRouter(deps: PagingRouterDeps): Router {
  const router = new Router();
  const responders = requirePrincipal(deps.authenticators, ACTING_ROLES);
  const actorOf = async (ctx: Context, by: string | undefined): Promise<Actor> => {
    const p = ctx.state.principal!;
    if (p.kind === 'member') {
      if (by !== undefined) throw new HarkError('forbidden', 'by: only the admin token may act as another member');
      return { id: p.memberId, name: p.name, via: 'web' };
    }
    if (by) return deps.actorByEmail(by);
    return { id: null, name: p.name, via: 'api' };
  };

  router.post('/api/v1/incidents/:number/escalate', responders, body(16 * 1024), async (ctx) => {
    const n = incidentNumber(ctx);
    const body = parseOrThrow(escalateBody, ctx.request.body ?? {});
    const actor = await actorOf(ctx, body.by);
    const o = await deps.paging.escalate(n, actor);
    const message = escalateText(n, o, actor.name).en;
    if (o.kind === 'not_found') throw new HarkError('not_found', message);
    if (o.kind !== 'paged') throw new HarkError('conflict', message);
    ctx.body = { incident: n, level: o.level, paged: o.reached, last: o.last, message };
  });

  router.post('/api/v1/incidents/:number/notes', responders, body(64 * 1024), async (ctx) => {
    const n = incidentNumber(ctx);
    const body = parseOrThrow(noteBody, ctx.request.body ?? {});
    const actor = await actorOf(ctx, body.by);
    const o = await deps.paging.note(n, body.text, actor);
    const message = noteText(n, o, actor.name).en;
    if (o.kind === 'not_found') throw new HarkError('not_found', message);
    if (o.kind !== 'noted') throw new HarkError('invalid', `text: ${message}`);
    ctx.status = 201;
    ctx.body = { incident: n, note: { text: o.text, by: actor.name }, message };
  });

  return router;
}
