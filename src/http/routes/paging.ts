import Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { HarkError } from '../../errors.ts';
import { escalateText, noteText, type Paging } from '../../paging/index.ts';
import { parseOrThrow } from '../../incident/validate.ts';
import { jsonBody } from '../body.ts';
import { requirePrincipal, type Authenticator } from './auth.ts';
import { actorOf, incidentNumber } from './incidents.ts';
import { ACTING_ROLES } from '../../incident/types.ts';
import type { MemberService } from '../../incident/member-service.ts';

// POST /api/v1/incidents/:number/escalate {by?} and /notes {text, by?} (README "HTTP routes"). The admin
// token acts as "admin" or, with {by: email}, as that member; a web session acts as its member.

export interface PagingRouterDeps {
  paging: Paging;
  authenticators: readonly Authenticator[];
  /** The admin token's {by}: a member's actor by email (an unknown one is refused, naming it). */
  members: MemberService;
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

export function pagingRouter(deps: PagingRouterDeps): Router {
  const router = new Router();
  const responders = requirePrincipal(deps.authenticators, ACTING_ROLES);

  router.post('/api/v1/incidents/:number/escalate', responders, body(16 * 1024), async (ctx) => {
    const n = incidentNumber(ctx);
    const body = parseOrThrow(escalateBody, ctx.request.body ?? {});
    const actor = await actorOf(ctx, deps.members, body.by);
    const o = await deps.paging.escalate(n, actor);
    const message = escalateText(n, o, actor.name).en;
    if (o.kind === 'not_found') throw new HarkError('not_found', message);
    if (o.kind !== 'paged') throw new HarkError('conflict', message);
    ctx.body = { incident: n, level: o.level, paged: o.reached, last: o.last, message };
  });

  router.post('/api/v1/incidents/:number/notes', responders, body(64 * 1024), async (ctx) => {
    const n = incidentNumber(ctx);
    const body = parseOrThrow(noteBody, ctx.request.body ?? {});
    const actor = await actorOf(ctx, deps.members, body.by);
    const o = await deps.paging.note(n, body.text, actor);
    const message = noteText(n, o, actor.name).en;
    if (o.kind === 'not_found') throw new HarkError('not_found', message);
    if (o.kind !== 'noted') throw new HarkError('invalid', `text: ${message}`);
    ctx.status = 201;
    ctx.body = { incident: n, note: { text: o.text, by: actor.name }, message };
  });

  return router;
}
