import crypto from 'node:crypto';
import Koa from 'koa';
import Router from '@koa/router';
import type { Histogram, Registry } from 'prom-client';
import type { Logger } from '../log.ts';
import { HarkError, STATUS_OF } from '../errors.ts';
import { bodyError } from './body-errors.ts';
import { isTransientDbError } from '../store/db-errors.ts';

/**
 * The database busy or unreachable, wherever a route met it: 503, which senders such as
 * Alertmanager retry (they never retry a 4xx). The one place this is translated for HTTP.
 */
function unavailable(err: unknown): HarkError | null {
  return isTransientDbError(err) ? new HarkError('unavailable', 'the database is busy or unavailable; retry shortly') : null;
}

export interface Readiness {
  /** Each named part answers true when ready; /readyz is 200 only when all are. */
  check(): Promise<Record<string, boolean>>;
}

export interface AppDeps {
  logger: Logger;
  registry: Registry;
  readiness: Readiness;
  /** Routers mounted after the built-in routes (ingest, admin API, OAuth, web app, Lark callback). */
  routers: Router[];
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes?: number;
  /** hark_http_request_duration_seconds: every request, by route template, method and status. */
  requestDuration: Histogram<'route' | 'method' | 'status'>;
  /** false when /metrics is served on its own port (HARK_METRICS_PORT) instead. */
  serveMetrics: boolean;
}

declare module 'koa' {
  interface DefaultState {
    log: Logger;
  }
}

/**
 * Builds the Koa app without listening, so tests drive it through app.callback() and main.ts
 * decides the port. One error boundary: HarkError → its status and message; anything else → 500
 * with a request id to quote, logged with the stack.
 */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  // Errors after the response started (Koa 3 pipes stream bodies with stream.pipeline): a client
  // that went away (ERR_STREAM_PREMATURE_CLOSE) is not worth a log line; anything else is.
  app.on('error', (err: NodeJS.ErrnoException) => {
    if (err?.code !== 'ERR_STREAM_PREMATURE_CLOSE') deps.logger.error({ err }, 'response failed');
  });

  app.use(async (ctx, next) => {
    const requestId = ctx.get('x-request-id') || crypto.randomUUID();
    ctx.set('x-request-id', requestId);
    withRequestLog(ctx.state, deps.logger, requestId);
    const started = performance.now();
    try {
      await next();
      if (ctx.status === 405 && (ctx.body == null || (ctx.body as { error?: { code?: string } }).error?.code === 'not_found')) {
        // The router's allowedMethods turns the catch-all 404 below into 405 with an Allow header;
        // the body says so in our error shape.
        const allow = ctx.response.get('Allow');
        ctx.body = {
          error: { code: 'method_not_allowed', message: `${ctx.method} is not allowed on ${ctx.path}${allow ? `; use ${allow}` : ''}` },
        };
      }
    } catch (caught) {
      const err = bodyError(caught, ctx) ?? unavailable(caught) ?? caught;
      if (err instanceof HarkError) {
        ctx.status = STATUS_OF[err.code];
        ctx.body = { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
        ctx.state.log.info({ status: ctx.status, err: err.message }, 'request refused');
      } else {
        const e = err as { status?: number; expose?: boolean; message?: string; type?: string };
        // koa-body and other middleware throw http-errors with a status (413 for too large, 400 for bad JSON).
        if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
          ctx.status = e.status;
          const code = e.status === 413 ? 'too_large' : 'invalid';
          const message =
            e.status === 413
              ? `request body is larger than the limit of ${deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT} bytes`
              : e.type === 'entity.parse.failed' || /JSON/.test(e.message ?? '')
                ? `request body is not valid JSON (${e.message})`
                : (e.message ?? 'bad request');
          ctx.body = { error: { code, message } };
          ctx.state.log.info({ status: ctx.status, err: message }, 'request refused');
        } else {
          ctx.status = 500;
          ctx.body = { error: { code: 'internal', message: `internal error; quote request id ${requestId}` } };
          ctx.state.log.error({ err }, 'request failed');
        }
      }
    } finally {
      // The route template (`/api/v1/incidents/:number`), never the raw path: one series per route.
      const route = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
      deps.requestDuration.observe(
        { route: typeof route === 'string' ? route : 'unmatched', method: ctx.method, status: String(ctx.status) },
        (performance.now() - started) / 1000,
      );
      if (deps.logger.isLevelEnabled('debug')) {
        ctx.state.log.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) }, 'request');
      }
    }
  });

  const base = new Router();
  base.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  base.get('/readyz', async (ctx) => {
    const parts = await deps.readiness.check();
    const notReady = Object.entries(parts)
      .filter(([, ok]) => !ok)
      .map(([name]) => name);
    ctx.status = notReady.length ? 503 : 200;
    ctx.body = { status: notReady.length ? 'not ready' : 'ready', parts, ...(notReady.length ? { not_ready: notReady } : {}) };
  });
  if (deps.serveMetrics) base.get('/metrics', metricsHandler(deps.registry));
  app.use(base.routes()).use(base.allowedMethods());
  for (const r of deps.routers) app.use(r.routes()).use(r.allowedMethods());

  app.use((ctx) => {
    if (ctx.status === 404 && !ctx.body) {
      ctx.status = 404;
      ctx.body = { error: { code: 'not_found', message: `no route for ${ctx.method} ${ctx.path}` } };
    }
  });
  return app;
}

/**
 * `state.log`: the request's logger, a child of `logger` carrying the request id, made the first time
 * something logs (most requests, alert ingest above all, log nothing, and a pino child costs about
 * as much as the rest of the request's bookkeeping). Assigning it replaces it.
 */
function withRequestLog(state: Koa.DefaultState, logger: Logger, requestId: string): void {
  let log: Logger | undefined;
  Object.defineProperty(state, 'log', {
    get: () => (log ??= logger.child({ requestId })),
    set: (l: Logger) => {
      log = l;
    },
    enumerable: true,
    configurable: true,
  });
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** GET /metrics in Prometheus' text format. */
export function metricsHandler(registry: Registry) {
  return async (ctx: Koa.Context) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  };
}

/** HARK_METRICS_PORT: a server that answers only GET /metrics, for a port kept off the load balancer. */
export function createMetricsApp(registry: Registry): Koa {
  const app = new Koa();
  const router = new Router();
  router.get('/metrics', metricsHandler(registry));
  app.use(router.routes()).use(router.allowedMethods());
  return app;
}
