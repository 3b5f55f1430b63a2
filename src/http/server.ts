import http from 'node:http';
import { DEFAULT_BODY_TIMEOUT_MS } from './body.ts';

/** The request line and headers must arrive within this (Node's default is 60 s). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** An idle kept-alive connection is closed after this (Node's default). */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;

/**
 * The HTTP server with its timeouts chosen rather than inherited (Node's requestTimeout is 300 s,
 * which let slow clients hold connections for five minutes): headers within 10 s; a whole request
 * within the headers' time plus the body deadline plus a margin, as a backstop to the body
 * deadline the routes enforce themselves (src/http/body.ts) with a JSON answer; and those limits
 * checked every second instead of every 30 s.
 */
export function createHttpServer(handler: http.RequestListener, bodyTimeoutMs = DEFAULT_BODY_TIMEOUT_MS): http.Server {
  return http.createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: HEADERS_TIMEOUT_MS + bodyTimeoutMs + 5_000,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: 1_000,
    },
    handler,
  );
}
