import Router from '@koa/router';
import type { SourceService } from '../../incident/source-service.ts';
import { jsonBody } from '../body.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../../store/schema.ts';
import { requirePrincipal, type Authenticator } from './auth.ts';
import { adoptForCaller, manage } from './manage.ts';
import { sourceJson } from './json.ts';

/** POST /api/v1/sources {name, kind} → 201 {name, kind, token} (the token is shown this once); GET lists them. */
export function sourcesRouter(deps: { sources: SourceService; authenticators: readonly Authenticator[]; db: Kysely<DB> }): Router {
  const router = new Router();
  const admins = requirePrincipal(deps.authenticators, ['admin']);
  // A team token may make a source: it belongs to the token's team (issue 24).
  const makers = [requirePrincipal(deps.authenticators, ['admin'], { teams: true }), manage(deps.db, async () => null, { need: 'lead', teamless: 'admin' })];

  router.post('/api/v1/sources', ...makers, jsonBody(16 * 1024), async (ctx) => {
    const { source, token } = await deps.sources.create(ctx.request.body);
    await adoptForCaller(deps.db, ctx, 'source', source.name);
    ctx.status = 201;
    ctx.body = { ...sourceJson(source), token };
  });

  router.get('/api/v1/sources', admins, async (ctx) => {
    ctx.body = { items: (await deps.sources.list()).map(sourceJson) };
  });
  return router;
}
