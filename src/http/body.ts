import { HttpMethodEnum, koaBody } from 'koa-body';
import type { Context, Middleware } from 'koa';
import { HarkError } from '../errors.ts';
import { DEFAULT_BODY_LIMIT } from './app.ts';

/** How long a request body may take to arrive (HARK_BODY_TIMEOUT_MS); a slow client is cut off after it. */
export const DEFAULT_BODY_TIMEOUT_MS = 5_000;

export interface BodyOptions {
  /** Past this the body is refused (408 by default) and the connection closed. */
  timeoutMs?: number;
  /**
   * 'unavailable' answers a late body with 503 and Retry-After instead of 408: for alert ingest,
   * since Alertmanager retries a 5xx but drops the alerts on any 4xx.
   */
  lateAs?: 'timeout' | 'unavailable';
}

/**
 * JSON body parser for routes that take one, with a size limit (413 past it, turned into a JSON
 * error by the app's boundary) and a deadline (408 past it). A body that is not JSON (or a form) is
 * refused with 415 naming its Content-Type, before a byte of it is read. The raw text stays
 * available at ctx.request.rawBody for the Lark HTTP callback, whose signature covers the exact
 * bytes (docs/lark-notes.md §4).
 */
export function jsonBody(limitBytes = DEFAULT_BODY_LIMIT, opts: BodyOptions = {}): Middleware {
  const parse = koaBody({
    json: true,
    urlencoded: true,
    text: false,
    multipart: false,
    jsonLimit: limitBytes,
    formLimit: limitBytes,
    includeUnparsed: true,
    parsedMethods: [HttpMethodEnum.POST, HttpMethodEnum.PUT, HttpMethodEnum.PATCH, HttpMethodEnum.DELETE],
  }) as unknown as Middleware;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  return async (ctx, next) => {
    if (hasContent(ctx) && !ctx.request.is('json', 'urlencoded')) {
      throw new HarkError(
        'unsupported_media_type',
        `the request body must be JSON: send Content-Type: application/json (got ${ctx.get('content-type') || 'no Content-Type'})`,
      );
    }
    await within(ctx, timeoutMs, opts.lateAs ?? 'timeout', parse(ctx, () => Promise.resolve()));
    await next();
  };
}

function hasContent(ctx: Context): boolean {
  const length = ctx.get('content-length');
  return ctx.get('transfer-encoding') !== '' || (length !== '' && Number(length) > 0);
}

/**
 * Waits for the body to be read, for at most `ms`. Past it the client gets 408 (or 503) and the connection
 * is closed when the answer is sent, which ends the read still waiting for bytes.
 */
async function within(ctx: Context, ms: number, lateAs: 'timeout' | 'unavailable', reading: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    if ((await Promise.race([reading, late])) !== 'late') return;
  } finally {
    clearTimeout(timer);
  }
  reading.catch(() => undefined); // fails once the connection closes; nobody waits for it any more
  ctx.set('Connection', 'close');
  if (lateAs === 'unavailable') ctx.set('Retry-After', '1');
  ctx.res.once('finish', () => ctx.req.destroy());
  throw new HarkError(lateAs, `the request body did not arrive within ${ms} ms; send it in one go and retry`);
}

declare module 'koa' {
  interface Request {
    rawBody?: string;
  }
}
