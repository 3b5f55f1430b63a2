import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { HarkError } from '../../errors.ts';
import type { MemberService } from '../../incident/member-service.ts';
import type { IncidentService } from '../../incident/service.ts';
import { performOp } from '../../incident/ops.ts';
import type { SourceService } from '../../incident/source-service.ts';
import { declareIncident, pickTeamSource } from '../../incident/declare.ts';
import { ACTING_ROLES, INCIDENT_OPS, type Actor, type IncidentOp } from '../../incident/types.ts';
import { parseOrThrow } from '../../incident/validate.ts';
import { jsonBody } from '../body.ts';
import { requirePrincipal, type Authenticator } from './auth.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../../store/schema.ts';
import { sourceOwner } from '../../store/access-repo.ts';
import { checkManage } from '../../teams/manage.ts';
import { incidentScope } from './manage.ts';
import { incidentDetailJson, incidentJson, pageJson } from './json.ts';
import type { PageRecord } from '../../store/page-repo.ts';

export interface IncidentsRouterDeps {
  incidents: IncidentService;
  members: MemberService;
  sources: Pick<SourceService, 'byName'>;
  authenticators: readonly Authenticator[];
  /** Team tokens act only on their team's incidents (issue 24). */
  db: Kysely<DB>;
  /** Issue 25: a team's name → the sources it owns (null: no such team). */
  teamSources: (team: string) => Promise<string[] | null>;
  /** Issue 25: who was paged and whether they read it (GET /api/v1/incidents/:number `pages`). */
  pages: (incidentNumber: number) => Promise<PageRecord[]>;
}

const ACTIONS = INCIDENT_OPS;
type Action = IncidentOp;

const actionBody = z
  .object({
    by: z.string().trim().email({ message: 'must be the email of a member' }).optional(),
    duration: z.string().optional(),
  })
  .default({});

const declareBody = z
  .object({
    title: z.string({ required_error: 'is required, a few words saying what is wrong', invalid_type_error: 'must be text' }),
    severity: z.enum(['critical', 'warning', 'info']).optional(),
    source: z.string().trim().min(1).optional(),
    team: z.string().optional(),
    description: z.string().optional(),
    by: z.string().trim().email({ message: 'must be the email of a member' }).optional(),
  })
  .strict();

export function incidentNumber(ctx: Context): number {
  const raw = String(ctx.params.number ?? '').replace(/^#/, '');
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) {
    throw new HarkError('invalid', `number: "${ctx.params.number}" is not an incident number such as 42`);
  }
  return Number(raw);
}

/** GET /api/v1/incidents, GET /api/v1/incidents/:number, POST /api/v1/incidents/:number/{ack,unack,snooze,resolve,reopen}. */
export function incidentsRouter(deps: IncidentsRouterDeps): Router {
  const router = new Router();
  const readers = requirePrincipal(deps.authenticators, ['admin', 'responder', 'viewer']);
  // Persons are judged by the incident service's rule (src/teams/access.ts); a team token by its team.
  const actors = [requirePrincipal(deps.authenticators, ACTING_ROLES, { teams: true }), incidentScope(deps.db)];

  router.get('/api/v1/incidents', readers, async (ctx) => {
    const q = ctx.query;
    const one = (v: unknown) => (Array.isArray(v) ? v[0] : (v as string | undefined));
    const limitText = one(q.limit);
    if (limitText !== undefined && !/^\d+$/.test(limitText)) throw new HarkError('invalid', 'limit: must be an integer from 1 to 200');
    const page = await deps.incidents.list({
      status: one(q.status) ?? null,
      limit: limitText === undefined ? null : Number(limitText),
      cursor: one(q.cursor) ?? null,
    });
    ctx.body = { items: page.items.map((s) => incidentJson(s.incident, s.sourceName)), next_cursor: page.nextCursor };
  });

  // Declare an incident by hand (issue 25) → 201 {number}: on the source named, or on the team's.
  router.post('/api/v1/incidents', ...actors, jsonBody(64 * 1024), async (ctx) => {
    const body = parseOrThrow(declareBody, ctx.request.body ?? {});
    let sourceName = body.source;
    if (body.team !== undefined) {
      // A team's incident opens on its source (the team's only one, or the one named): pickTeamSource.
      const owned = await deps.teamSources(body.team);
      if (owned === null) throw new HarkError('not_found', `team: there is no team named "${body.team}"`);
      sourceName = pickTeamSource(body.team, owned, body.source);
    }
    if (sourceName === undefined) throw new HarkError('invalid', 'source: required (or team), the source the incident belongs to (GET /api/v1/sources lists them)');
    const source = await deps.sources.byName(sourceName);
    const p = ctx.state.principal!;
    if (p.kind === 'api_token') await checkManage(deps.db, p, await sourceOwner(deps.db, source.name), 'member', 'responder');
    const actor = await actorOf(ctx, deps.members, body.by);
    const number = await declareIncident(deps.incidents, source, { title: body.title, severity: body.severity, description: body.description, actor });
    ctx.status = 201;
    ctx.body = { number };
  });

  router.get('/api/v1/incidents/:number', readers, async (ctx) => {
    const n = incidentNumber(ctx);
    const detail = incidentDetailJson(await deps.incidents.get(n));
    ctx.body = { ...detail, pages: (await deps.pages(n)).map(pageJson) };
  });

  router.post('/api/v1/incidents/:number/:action', ...actors, jsonBody(64 * 1024), async (ctx, next) => {
    const action = ctx.params.action as Action;
    if (!ACTIONS.includes(action)) {
      // Other routers answer more actions (escalate, notes, …): let them try first.
      await next();
      if (ctx.status === 404 && !ctx.body) {
        throw new HarkError('not_found', `no action "${ctx.params.action}"; use one of ${ACTIONS.join(', ')}`);
      }
      return;
    }
    const number = incidentNumber(ctx);
    const body = parseOrThrow(actionBody, ctx.request.body ?? {});
    const actor = await actorOf(ctx, deps.members, body.by);
    if (action === 'snooze' && body.duration === undefined) throw new HarkError('invalid', 'duration: is required, e.g. {"duration": "30m"}');
    // ack: an optional time box (issue 25): {"duration": "30m"}, "none" until resolved; absent: the policy's default.
    const result = await performOp(deps.incidents, action, number, actor, { duration: action === 'ack' || action === 'snooze' ? body.duration : undefined });
    const detail = await deps.incidents.get(number);
    ctx.body = {
      incident: incidentJson(result.incident, detail.source.name),
      changed: result.changed,
      by: result.by ? { id: result.by.id, name: result.by.name, at: new Date(result.by.at).toISOString() } : null,
      message: result.message,
    };
  });

  return router;
}

/**
 * The admin token acts as "admin" or, with {by: email}, as that member; a signed-in member
 * (web session, later) acts as themself and may not impersonate anyone.
 */
export async function actorOf(ctx: Context, members: MemberService, by: string | undefined): Promise<Actor> {
  const p = ctx.state.principal!;
  if (p.kind === 'member') {
    if (by !== undefined) throw new HarkError('forbidden', 'by: only the admin token may act as another member');
    return { id: p.memberId, name: p.name, via: 'web' };
  }
  return by ? members.actorByEmail(by, 'api') : { id: null, name: p.name, via: 'api' };
}
