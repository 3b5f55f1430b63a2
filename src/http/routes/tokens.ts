import Router from '@koa/router';
import type { Kysely } from 'kysely';
import { HarkError } from '../../errors.ts';
import type { DB } from '../../store/schema.ts';
import { listTeams } from '../../store/team-repo.ts';
import { tokenJson, type TokenService } from '../../teams/tokens.ts';
import { teamByName, teamView, type TeamView } from '../../teams/view.ts';
import { jsonBody } from '../body.ts';
import { requirePrincipal, type Authenticator } from './auth.ts';

/**
 * Scoped API tokens (issue 24): POST /api/v1/tokens {name, scope, team?} → 201 {id, name, scope,
 * team?, token} (the token shown this once), GET /api/v1/tokens (never the tokens), DELETE
 * /api/v1/tokens/:id. Admins, and team leads signed in to the web app for their team's tokens.
 */
export function tokensRouter(deps: { tokens: TokenService; authenticators: readonly Authenticator[] }): Router {
  const router = new Router();
  // Responders pass here; TokenService lets through only admins and the team's leads.
  const people = requirePrincipal(deps.authenticators, ['admin', 'responder']);

  router.post('/api/v1/tokens', people, jsonBody(16 * 1024), async (ctx) => {
    ctx.status = 201;
    ctx.body = await deps.tokens.create(ctx.state.principal!, ctx.request.body ?? {});
  });
  router.get('/api/v1/tokens', people, async (ctx) => {
    ctx.body = { items: (await deps.tokens.list(ctx.state.principal!)).map(tokenJson) };
  });
  router.delete('/api/v1/tokens/:id', people, async (ctx) => {
    if (!/^\d{1,15}$/.test(ctx.params.id)) throw new HarkError('invalid', `id: "${ctx.params.id}" is not a token id such as 3`);
    await deps.tokens.revoke(ctx.state.principal!, Number(ctx.params.id));
    ctx.status = 204;
  });
  return router;
}

/** GET /api/v1/teams and GET /api/v1/teams/:name: read-only (the configuration file defines teams). */
export function teamsRouter(deps: {
  db: Kysely<DB>;
  authenticators: readonly Authenticator[];
  oncall: (schedule: string) => Promise<{ members: string[]; until: string | null }>;
}): Router {
  const router = new Router();
  const readers = requirePrincipal(deps.authenticators, ['admin', 'responder', 'viewer']);
  router.get('/api/v1/teams', readers, async (ctx) => {
    const items: TeamView[] = [];
    for (const t of await listTeams(deps.db)) items.push(await teamView(deps.db, t, deps.oncall));
    ctx.body = { items };
  });
  router.get('/api/v1/teams/:name', readers, async (ctx) => {
    ctx.body = await teamView(deps.db, await teamByName(deps.db, ctx.params.name), deps.oncall);
  });
  return router;
}
