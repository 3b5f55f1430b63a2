import Router from '@koa/router';
import type { Context } from 'koa';
import { HarkError } from '../../errors.ts';
import type { Actor } from '../../incident/types.ts';
import type { MaintenanceService } from '../../maintenance/service.ts';
import { jsonBody } from '../body.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../../store/schema.ts';
import { requirePrincipal, type Authenticator } from './auth.ts';
import { byBodySource, byMaintenance, itself, manage } from './manage.ts';
import { ACTING_ROLES } from '../../incident/types.ts';

/**
 * Maintenance windows (README "Maintenance and noise"): POST /api/v1/maintenance
 * {source, labels?, start?, end? | duration?, recurring?:{days, from, to, time_zone}, reason?} → 201,
 * GET /api/v1/maintenance, DELETE /api/v1/maintenance/:id (one in force ends now). Responders and admins.
 */
export function maintenanceRouter(deps: { maintenance: MaintenanceService; authenticators: readonly Authenticator[]; db: Kysely<DB> }): Router {
  const router = new Router();
  const responders = requirePrincipal(deps.authenticators, ACTING_ROLES, { teams: true });
  const readers = requirePrincipal(deps.authenticators, ['admin', 'responder', 'viewer']);
  const actor = (ctx: Context): Actor => {
    const p = ctx.state.principal;
    return p?.kind === 'member' ? { id: p.memberId, name: p.name, via: 'web' } : { id: null, name: p?.name ?? 'admin', via: 'api' };
  };

  router.get('/api/v1/maintenance', readers, async (ctx) => {
    ctx.body = await deps.maintenance.list();
  });
  router.post('/api/v1/maintenance', responders, jsonBody(16 * 1024), manage(deps.db, byBodySource(deps.db), { need: 'member', teamless: 'responder' }), async (ctx) => {
    ctx.status = 201;
    ctx.body = await deps.maintenance.create(ctx.request.body, actor(ctx));
  });
  router.delete('/api/v1/maintenance/:id', responders, manage(deps.db, byMaintenance(deps.db), { need: 'member', teamless: 'responder', managed: itself }), async (ctx) => {
    if (!/^\d{1,15}$/.test(ctx.params.id)) throw new HarkError('invalid', `id: "${ctx.params.id}" is not a maintenance window id such as 3`);
    await deps.maintenance.remove(Number(ctx.params.id), actor(ctx));
    ctx.status = 204;
  });
  return router;
}
