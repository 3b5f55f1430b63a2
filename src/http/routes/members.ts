import Router from '@koa/router';
import type { MemberService } from '../../incident/member-service.ts';
import { jsonBody } from '../body.ts';
import { requirePrincipal, type Authenticator } from './auth.ts';
import { memberJson } from './json.ts';

/** POST /api/v1/members {name, email, role, lark_open_id?} → 201 member; GET lists the roster. */
export function membersRouter(deps: { members: MemberService; authenticators: readonly Authenticator[] }): Router {
  const router = new Router();
  const admins = requirePrincipal(deps.authenticators, ['admin']);

  router.post('/api/v1/members', admins, jsonBody(16 * 1024), async (ctx) => {
    ctx.status = 201;
    ctx.body = memberJson(await deps.members.create(ctx.request.body));
  });

  router.get('/api/v1/members', admins, async (ctx) => {
    ctx.body = { items: (await deps.members.list()).map(memberJson) };
  });
  return router;
}
