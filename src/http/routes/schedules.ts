import Router from '@koa/router';
import type { Context } from 'koa';
import { HarkError } from '../../errors.ts';
import type { ScheduleViewer } from '../../schedule/access.ts';
import type { ScheduleActor, ScheduleService } from '../../schedule/service.ts';
import { jsonBody } from '../body.ts';
import { requirePrincipal, type Authenticator } from './auth.ts';
import { adoptForCaller, bySchedule, itself, manage } from './manage.ts';
import { ACTING_ROLES } from '../../incident/types.ts';

/**
 * On-call schedules (README "Schedules"): PUT/GET/DELETE /api/v1/schedules/:name, GET /api/v1/schedules,
 * GET …/oncall?at=, GET …/shifts?from=&to=, GET …/overrides?limit=&cursor=&from=&to=, POST …/overrides,
 * DELETE …/overrides/:id, POST …/ical/rotate, POST /api/v1/members/:email/ical/rotate.
 * Admins define schedules; responders may also make and delete overrides (swapping shifts). A
 * schedule's secret iCal URL is shown to (and rotated by) admins and the responders on it only.
 */
export function schedulesRouter(deps: { schedules: ScheduleService; authenticators: readonly Authenticator[] }): Router {
  const router = new Router();
  const admins = requirePrincipal(deps.authenticators, ['admin']);
  // Team ownership (issue 24): leads and team tokens define their team's schedules (never a
  // file-managed one); its members make overrides, as any responder does on a team-less schedule.
  const db = deps.schedules.db;
  const definers = [requirePrincipal(deps.authenticators, ['admin'], { teams: true }), manage(db, bySchedule(db), { need: 'lead', teamless: 'admin', managed: itself })];
  const swappers = [requirePrincipal(deps.authenticators, ACTING_ROLES, { teams: true }), manage(db, bySchedule(db), { need: 'member', teamless: 'responder' })];
  const responders = requirePrincipal(deps.authenticators, ACTING_ROLES);
  const readers = requirePrincipal(deps.authenticators, ['admin', 'responder', 'viewer']);
  const s = deps.schedules;
  const actor = (ctx: Context): ScheduleActor => ({ name: ctx.state.principal?.name ?? 'admin', via: ctx.state.principal?.kind === 'member' ? 'web' : 'api' });
  const viewer = (ctx: Context): ScheduleViewer => {
    const p = ctx.state.principal;
    // A read or team token reads schedules but never their secret feed URLs (issue 24).
    if (p?.kind === 'api_token' && p.scope !== 'admin') return { role: 'viewer', memberId: null };
    return p?.kind === 'member' ? { role: p.role, memberId: p.memberId } : { role: 'admin', memberId: null };
  };
  const query = (ctx: Context, key: string): string | undefined => {
    const v = ctx.query[key];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };

  router.get('/api/v1/schedules', readers, async (ctx) => {
    ctx.body = { items: await s.list() };
  });
  router.get('/api/v1/schedules/:name', readers, async (ctx) => {
    ctx.body = await s.view(ctx.params.name, viewer(ctx));
  });
  router.put('/api/v1/schedules/:name', ...definers, jsonBody(256 * 1024), async (ctx) => {
    const r = await s.put(ctx.params.name, ctx.request.body, actor(ctx));
    if (r.created) await adoptForCaller(db, ctx, 'schedule', ctx.params.name);
    ctx.status = r.created ? 201 : 200;
    ctx.body = r.view;
  });
  router.delete('/api/v1/schedules/:name', ...definers, async (ctx) => {
    await s.remove(ctx.params.name);
    ctx.status = 204;
  });
  router.get('/api/v1/schedules/:name/oncall', readers, async (ctx) => {
    ctx.body = await s.oncall(ctx.params.name, query(ctx, 'at'));
  });
  router.get('/api/v1/schedules/:name/shifts', readers, async (ctx) => {
    ctx.body = await s.shifts(ctx.params.name, query(ctx, 'from'), query(ctx, 'to'));
  });
  router.get('/api/v1/schedules/:name/overrides', readers, async (ctx) => {
    const q = { from: query(ctx, 'from'), to: query(ctx, 'to'), limit: query(ctx, 'limit'), cursor: query(ctx, 'cursor') };
    ctx.body = await s.overrides(ctx.params.name, q);
  });
  router.post('/api/v1/schedules/:name/ical/rotate', responders, async (ctx) => {
    ctx.body = { ical_url: await s.rotateIcal(ctx.params.name, actor(ctx), viewer(ctx)) };
  });
  router.post('/api/v1/schedules/:name/overrides', ...swappers, jsonBody(16 * 1024), async (ctx) => {
    ctx.status = 201;
    ctx.body = await s.addOverride(ctx.params.name, ctx.request.body, actor(ctx));
  });
  // A member's own feed ("my shifts" across every schedule), for an admin to hand out.
  router.get('/api/v1/members/:email/ical', admins, async (ctx) => {
    const p = ctx.state.principal;
    if (p?.kind === 'api_token' && p.scope !== 'admin') throw new HarkError('forbidden', `token "${p.name}" may not see calendar URLs; they are secrets an admin hands out`);
    ctx.body = { ical_url: await s.memberIcalUrl(ctx.params.email) };
  });
  router.post('/api/v1/members/:email/ical/rotate', admins, async (ctx) => {
    ctx.body = { ical_url: await s.rotateMemberIcal(ctx.params.email) };
  });
  router.delete('/api/v1/schedules/:name/overrides/:id', ...swappers, async (ctx) => {
    if (!/^\d{1,15}$/.test(ctx.params.id)) throw new HarkError('invalid', `id: "${ctx.params.id}" is not an override id such as 3`);
    await s.deleteOverride(ctx.params.name, Number(ctx.params.id), actor(ctx));
    ctx.status = 204;
  });
  return router;
}
