import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { HarkError } from '../../errors.ts';
import type { SourceService } from '../../incident/source-service.ts';
import type { Source, SourceKind } from '../../incident/types.ts';
import type { IngestService } from '../../ingest/service.ts';
import { jsonBody } from '../body.ts';
import { bearerToken } from './auth.ts';

export interface IngestRouterDeps {
  /** Payload → heartbeat ping and incident (src/ingest/service.ts). */
  ingest: IngestService;
  sources: Pick<SourceService, 'authenticate'>;
  /** Largest accepted payload; past it 413. */
  bodyLimitBytes?: number;
  /**
   * Ingest requests handled at once; beyond it we answer 503 at once rather than queue without
   * bound. 503, not 429: Alertmanager retries 5xx and never a 4xx (it would drop the alerts).
   */
  maxInFlight?: number;
  /**
   * Ingest requests of one source at once (its bodies being read included), so one source cannot
   * take them all; default half the total. Alertmanager sends one request per alert group, so a
   * storm from one source can be many at once: beyond its share it gets 503 and retries.
   */
  maxInFlightPerSource?: number;
  /** How long a payload may take to arrive (HARK_BODY_TIMEOUT_MS); past it 503, which senders retry. */
  bodyTimeoutMs?: number;
}

const ROUTES: Record<SourceKind, string> = {
  alertmanager: '/api/v1/alerts/alertmanager',
  grafana: '/api/v1/alerts/grafana',
  generic: '/api/v1/alerts',
};

const UNPARSED = Symbol.for('unparsedBody');

/** The exact bytes received (koa-body keeps them under a symbol), for the bounded payload log. */
function rawBodyOf(ctx: Context): string | undefined {
  const body = ctx.request.body as Record<symbol, unknown> | undefined;
  const raw = ctx.request.rawBody ?? body?.[UNPARSED];
  return typeof raw === 'string' ? raw : undefined;
}

export function ingestRouter(deps: IngestRouterDeps): Router {
  const maxInFlight = deps.maxInFlight ?? 128;
  const maxPerSource = Math.min(deps.maxInFlightPerSource ?? Math.max(1, Math.floor(maxInFlight / 2)), maxInFlight);
  let inFlight = 0;
  const perSource = new Map<number, number>();
  const router = new Router();

  // Taken after authentication (so the source is known) and held while the body is read, which has
  // its own deadline: a source trickling slow bodies fills only its own share, never everyone's.
  const limit: Middleware = async (ctx, next) => {
    const source = ctx.state.source!;
    const mine = perSource.get(source.id) ?? 0;
    if (inFlight >= maxInFlight) {
      ctx.set('Retry-After', '1');
      throw new HarkError('unavailable', `busy: ${inFlight} alert payloads are being processed; retry shortly`);
    }
    if (mine >= maxPerSource) {
      ctx.set('Retry-After', '1');
      throw new HarkError('unavailable', `busy: source ${source.name} has ${mine} alert payloads in flight; retry shortly`);
    }
    inFlight++;
    perSource.set(source.id, mine + 1);
    try {
      await next();
    } finally {
      inFlight--;
      const left = (perSource.get(source.id) ?? 1) - 1;
      if (left > 0) perSource.set(source.id, left);
      else perSource.delete(source.id);
    }
  };

  for (const kind of Object.keys(ROUTES) as SourceKind[]) {
    // Authenticate before reading the body, so an unknown caller cannot make us parse a megabyte.
    const auth: Middleware = async (ctx, next) => {
      ctx.state.source = await deps.sources.authenticate(bearerToken(ctx), kind);
      await next();
    };
    const body = jsonBody(deps.bodyLimitBytes, { timeoutMs: deps.bodyTimeoutMs, lateAs: 'unavailable' });
    router.post(ROUTES[kind], auth, limit, body, async (ctx) => {
      ctx.body = await deps.ingest.receive(ctx.state.source!, kind, ctx.request.body, { rawBody: rawBodyOf(ctx) });
    });
  }
  return router;
}

declare module 'koa' {
  interface DefaultState {
    /** The authenticated alert source of an ingest request. */
    source?: Source;
  }
}
