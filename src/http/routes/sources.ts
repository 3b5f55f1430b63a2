import Router from '@koa/router';
import type { SourceService } from '../../incident/source-service.ts';
import { jsonBody } from '../body.ts';
import { requirePrincipal, type Authenticator } from './auth.ts';
import { sourceJson } from './json.ts';

/** POST /api/v1/sources {name, kind} → 201 {name, kind, token} (the token is shown this once); GET lists them. */
export function sourcesRouter(deps: { sources: SourceService; authenticators: readonly Authenticator[] }): Router {
  const router = new Router();
  const admins = requirePrincipal(deps.authenticators, ['admin']);

  router.post('/api/v1/sources', admins, jsonBody(16 * 1024), async (ctx) => {
    const { source, token } = await deps.sources.create(ctx.request.body);
    ctx.status = 201;
    ctx.body = { ...sourceJson(source), token };
  });

  router.get('/api/v1/sources', admins, async (ctx) => {
    ctx.body = { items: (await deps.sources.list()).map(sourceJson) };
  });
  return router;
}
