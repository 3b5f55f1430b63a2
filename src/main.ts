import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildHark, type HarkApp, type HarkOverrides } from './app.ts';
import type { Config } from './config.ts';
import { createMetricsApp } from './http/app.ts';
import type { Metrics } from './metrics.ts';
import { createHttpServer } from './http/server.ts';

// Runs Hark: builds it (src/app.ts, the composition root), listens, starts the background work, and
// stops gracefully. `hark start` (src/cli.ts) calls startHark and stops it on SIGTERM/SIGINT.

export interface Hark extends HarkApp {
  readonly url: string;
  readonly port: number;
  /** The port of the separate /metrics server (HARK_METRICS_PORT), or null when /metrics is on `port`. */
  readonly metricsPort: number | null;
  /** Stops taking work, finishes what is in flight, closes connections. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions extends HarkOverrides {
  /** Listen on this port instead of config.port (tests pass 0). */
  port?: number;
}

export async function startHark(config: Config, opts: StartOptions = {}): Promise<Hark> {
  const { port: listenPort, ...overrides } = opts;
  const hark = await buildHark(config, overrides);
  const { logger } = hark;
  // Once stopping, a request that arrives on a kept-alive connection is turned away with 503 and
  // `Connection: close`, so clients (and load balancers) move to another replica and the server can close.
  let closing = false;
  const handle = hark.app.callback();
  const server = createHttpServer((req, res) => {
    if (!closing) return void handle(req, res);
    res.writeHead(503, { 'content-type': 'application/json', connection: 'close', 'retry-after': '1' });
    res.end(JSON.stringify({ error: { code: 'unavailable', message: 'Hark is stopping; send this to another replica or retry' } }));
  }, config.bodyTimeoutMs);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort ?? config.port, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const metricsServer = await listenMetrics(hark.metrics, config.metricsPort);
  logger.info({ port, eventMode: config.eventMode, domain: config.lark.domain }, 'hark listening');
  await hark.start();

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('stopping: no new work; finishing what is in flight');
      hark.connection?.close();
      closing = true;
      await new Promise<void>((resolve) => {
        // Requests already being handled finish; connections still open after 10 s are cut.
        const cut = setTimeout(() => server.closeAllConnections(), 10_000);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      });
      if (metricsServer) {
        const closed = new Promise<void>((resolve) => metricsServer.close(() => resolve()));
        metricsServer.closeAllConnections();
        await closed;
      }
      await hark.stop();
      logger.info('stopped');
    })());

  const metricsPort = metricsServer ? (metricsServer.address() as AddressInfo).port : null;
  return { ...hark, url: `http://127.0.0.1:${port}`, port, metricsPort, stop };
}

/** HARK_METRICS_PORT: /metrics alone on its own port, so it can stay off the load balancer. */
async function listenMetrics(metrics: Metrics, port: number | null): Promise<http.Server | null> {
  if (port === null) return null;
  const server = createHttpServer(createMetricsApp(metrics.registry).callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  return server;
}
