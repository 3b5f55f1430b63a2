import type { Kysely } from 'kysely';
import type { DB } from '../../store/schema.ts';
import Router from '@koa/router';
import { z } from 'zod';
import { HarkError } from '../../errors.ts';
import type { HeartbeatService } from '../../alertmanager/heartbeats.ts';
import type { SilenceService } from '../../alertmanager/silences.ts';
import type { MemberService } from '../../incident/member-service.ts';
import type { SourceService } from '../../incident/source-service.ts';
import { parseOrThrow } from '../../incident/validate.ts';
import { jsonBody } from '../body.ts';
import { bearerToken, requirePrincipal, type Authenticator } from './auth.ts';
import { incidentScope } from './manage.ts';
import { actorOf, incidentNumber } from './incidents.ts';
import { ACTING_ROLES } from '../../incident/types.ts';

// Alertmanager both ways (issue 16):
//   (PATCH /api/v1/sources/:name's alertmanager keys: alertmanagerSourceSetting, in source-settings.ts's route)
//   POST   /api/v1/heartbeats/:source        a ping, with the source's token as Bearer
//   POST   /api/v1/incidents/:number/silence {duration, by?}
//   DELETE /api/v1/incidents/:number/silence {by?}   (Unsilence)
// Mount before incidentsRouter, whose /:number/:action route refuses actions it does not know.

export interface AlertmanagerRouterDeps {
  sources: Pick<SourceService, 'authenticateNamed'>;
  silences: SilenceService;
  heartbeats: HeartbeatService;
  members: MemberService;
  authenticators: readonly Authenticator[];
  /** Team tokens act only on their team's incidents (issue 24). */
  db: Kysely<DB>;
}

const silenceBody = z
  .object({
    duration: z.string().optional(),
    by: z.string().trim().email({ message: 'must be the email of a member' }).optional(),
  })
  .strict();
const unsilenceBody = z.object({ by: z.string().trim().email({ message: 'must be the email of a member' }).optional() }).strict();

export function alertmanagerRouter(deps: AlertmanagerRouterDeps): Router {
  const router = new Router();
  const responders = [requirePrincipal(deps.authenticators, ACTING_ROLES, { teams: true }), incidentScope(deps.db)];

  router.post('/api/v1/heartbeats/:source', async (ctx) => {
    const source = await deps.sources.authenticateNamed(bearerToken(ctx), ctx.params.source);
    const r = await deps.heartbeats.ping(source);
    ctx.body = {
      source: r.source,
      next_check: r.nextCheck === null ? null : new Date(r.nextCheck).toISOString(),
      resolved_incident: r.resolved,
      message:
        r.nextCheck === null
          ? `ping recorded; ${source.name} has no heartbeat_minutes, so nothing is checked (PATCH /api/v1/sources/${source.name} to set it)`
          : `ping recorded; Hark opens an incident if the next one is later than ${new Date(r.nextCheck).toISOString()}`,
    };
  });

  router.post('/api/v1/incidents/:number/silence', ...responders, jsonBody(16 * 1024), async (ctx) => {
    const number = incidentNumber(ctx);
    const body = parseOrThrow(silenceBody, ctx.request.body ?? {});
    if (body.duration === undefined) throw new HarkError('invalid', 'duration: is required, e.g. {"duration": "1h"}');
    const actor = await actorOf(ctx, deps.members, body.by);
    const r = await deps.silences.silence(number, body.duration, actor);
    ctx.body = { incident: number, silence_id: r.silenceId, until: new Date(r.until).toISOString(), by: r.by, matchers: r.matchers, message: r.message };
  });

  router.delete('/api/v1/incidents/:number/silence', ...responders, jsonBody(16 * 1024), async (ctx) => {
    const number = incidentNumber(ctx);
    const body = parseOrThrow(unsilenceBody, ctx.request.body ?? {});
    const actor = await actorOf(ctx, deps.members, body.by);
    const r = await deps.silences.unsilence(number, actor);
    ctx.body = { incident: number, changed: r.changed, message: r.message };
  });

  return router;
}
