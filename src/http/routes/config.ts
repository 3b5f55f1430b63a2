import Router from '@koa/router';
import type { Context } from 'koa';
import { ConfigFileError, formatProblem } from '../../config-file/load.ts';
import type { ConfigService } from '../../config-file/service.ts';
import { HarkError } from '../../errors.ts';
import { requirePrincipal, type Authenticator } from './auth.ts';

const MAX_BYTES = 4 * 1024 * 1024;

/**
 * The configuration file over HTTP (README "Teams and configuration as code"), for pipelines with
 * no database access: POST /api/v1/config/plan and /api/v1/config/apply take the YAML as the body
 * (`?prune=true` on apply) and answer {changes:[{op, kind, name, fields?}]}; apply adds the
 * tokens made for new sources (shown once). A file with problems is 400 with every problem at its
 * line and column; the caller must cover every object touched (src/config-file/authorize.ts).
 */
export function configRouter(deps: { config: ConfigService; authenticators: readonly Authenticator[] }): Router {
  const router = new Router();
  // Admins, and every API token (its scope is checked against the plan).
  const callers = requirePrincipal(deps.authenticators, ['admin']);
  const prune = (ctx: Context) => ctx.query.prune === 'true' || ctx.query.prune === '1';

  router.post('/api/v1/config/plan', callers, async (ctx) => {
    const text = await yamlBody(ctx);
    ctx.body = { changes: await guard(() => deps.config.plan(text, { prune: prune(ctx), caller: ctx.state.principal! })) };
  });
  router.post('/api/v1/config/apply', callers, async (ctx) => {
    const text = await yamlBody(ctx);
    const r = await guard(() => deps.config.apply(text, { prune: prune(ctx), caller: ctx.state.principal! }));
    ctx.body = { changes: r.changes, ...(r.tokens.length ? { tokens: r.tokens } : {}) };
  });
  return router;
}

async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ConfigFileError) {
      const shown = err.problems.slice(0, 20);
      throw new HarkError('invalid', shown.map(formatProblem).join('\n'), {
        problems: shown.map((p) => ({ line: p.line, column: p.col, field: p.field, message: p.message })),
      });
    }
    throw err;
  }
}

/** The body as text (application/yaml, text/yaml, text/plain or none), at most 4 MB. */
async function yamlBody(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BYTES) throw new HarkError('invalid', `body: the configuration is larger than ${MAX_BYTES / 1024 / 1024} MB; split it or apply it with hark config apply`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) throw new HarkError('invalid', 'body: empty; send the YAML configuration as the body (Content-Type: application/yaml)');
  return text;
}
