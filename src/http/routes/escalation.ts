import Router from '@koa/router';
import type { Kysely } from 'kysely';
import { HarkError } from '../../errors.ts';
import { parseStoredPolicy, validatePolicy, type EscalationPolicy } from '../../escalation/policy.ts';
import type { DB } from '../../store/schema.ts';
import { findEscalationByName, setEscalation } from '../../store/source-repo.ts';
import { jsonBody } from '../body.ts';
import { requirePrincipal, type Authenticator } from './auth.ts';
import { bySource, itself, manage } from './manage.ts';

/**
 * PUT /api/v1/sources/:name/escalation {levels:[{targets:[{member}|{chat}], wait_minutes}], repeat?}
 * sets a source's escalation policy (README "Escalation"); GET reads it ({levels: []} when none); DELETE
 * removes it. A new policy applies to the next step of escalations already running.
 */
export function escalationRouter(deps: { db: Kysely<DB>; authenticators: readonly Authenticator[] }): Router {
  const router = new Router();
  const admins = requirePrincipal(deps.authenticators, ['admin']);
  // A team's leads and team tokens change their own sources' policies; never a file-managed one (issue 24).
  const owners = [requirePrincipal(deps.authenticators, ['admin'], { teams: true }), manage(deps.db, bySource(deps.db), { need: 'lead', teamless: 'admin', managed: itself })];
  const route = '/api/v1/sources/:name/escalation';

  const sourceNamed = async (name: string) => {
    const s = await findEscalationByName(deps.db, name);
    if (!s) throw new HarkError('not_found', `source "${name}" does not exist`);
    return s;
  };
  const view = (source: string, p: EscalationPolicy | null) => ({ source, levels: p?.levels ?? [], repeat: p?.repeat ?? 0 });

  router.get(route, admins, async (ctx) => {
    const s = await sourceNamed(ctx.params.name);
    ctx.body = view(s.name, parseStoredPolicy(s.escalation));
  });

  router.put(route, ...owners, jsonBody(64 * 1024), async (ctx) => {
    const s = await sourceNamed(ctx.params.name);
    const policy = await validatePolicy(deps.db, ctx.request.body);
    await setEscalation(deps.db, s.id, JSON.stringify(policy));
    ctx.body = view(s.name, policy);
  });

  router.delete(route, ...owners, async (ctx) => {
    const s = await sourceNamed(ctx.params.name);
    await setEscalation(deps.db, s.id, null);
    ctx.status = 204;
  });
  return router;
}
