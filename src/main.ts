import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Router from '@koa/router';
import type { Config } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { collectFromStore, createMetrics, metricsObservers, type Metrics } from './metrics.ts';
import { storeMetricsSource } from './store/metrics-queries.ts';
import { openStore, pingStore, type Store } from './store/db.ts';
import { migrateToLatest } from './store/migrate.ts';
import { createSharedState, type SharedState } from './state/index.ts';
import { createApp, createMetricsApp } from './http/app.ts';
import { createSdkClient, SdkLarkApi, type LarkApi } from './lark/client.ts';
import { createDispatcher, InflightTracker, LongConnection } from './lark/receiver.ts';
import type { EventHandler } from './bot/events.ts';
import { createApiRouters, createIncidentModule, type IncidentModule } from './http/routes/index.ts';
import { adminTokenAuthenticator, type Authenticator } from './http/routes/auth.ts';
import { chatsRouter } from './http/routes/chats.ts';
import { listeners, systemClock, type Clock } from './incident/ports.ts';
import { createEscalation, type Escalation } from './escalation/index.ts';
import { createWeb, webSessionAuthenticator, type Web } from './web/index.ts';
import { createDelivery, type Delivery } from './delivery/index.ts';
import { createBot } from './bot/index.ts';
import { createBotDeps } from './bot/adapters.ts';
import { createLarkCallbackRouter } from './lark/http-callback.ts';
import { useCardsDir } from './render/index.ts';

export interface Hark {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: Store;
  readonly state: SharedState;
  readonly metrics: Metrics;
  readonly lark: LarkApi;
  readonly services: IncidentModule;
  readonly web: Web;
  readonly delivery: Delivery;
  readonly escalation: Escalation;
  readonly url: string;
  readonly port: number;
  /** The port of the separate /metrics server (HARK_METRICS_PORT), or null when /metrics is on `port`. */
  readonly metricsPort: number | null;
  /** Stops taking work, finishes what is in flight, closes connections. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Listen on this port instead of config.port (tests pass 0). */
  port?: number;
  /** Serve /metrics on this port instead of config.metricsPort (tests pass 0). */
  metricsPort?: number;
  clock?: Clock;
}

/** Fallback handler until the chat-operations router is wired: logs and answers nothing. */
const loggingHandler: EventHandler = {
  async handle(event, log) {
    log.info({ kind: event.kind }, 'event received');
  },
};

/**
 * The composition root: config → logger → store → shared state → Lark → services → HTTP. All async
 * start-up lives here; constructors elsewhere only store what they are given.
 */
export async function startHark(config: Config, opts: StartOptions = {}): Promise<Hark> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  // HARK_CARDS_DIR: edited templates, read and checked before anything starts.
  if (config.cardsDir) useCardsDir(config.cardsDir);
  const metrics = createMetrics();
  const observe = metricsObservers(metrics);
  const store = openStore(config.databaseUrl);
  const applied = await migrateToLatest(store.db);
  if (applied.length) logger.info({ applied }, 'database migrated');
  const state = createSharedState({ redisUrl: config.redisUrl ?? undefined, prefix: config.redisPrefix });

  const sdk = createSdkClient(config.lark);
  const lark = new SdkLarkApi(sdk, logger.child({ component: 'lark' }));
  const inflight = new InflightTracker();
  let botOpenId: string | null = null;
  let handler: EventHandler = loggingHandler;
  const receiverOpts = {
    ...config.lark,
    handler: {
      handle: async (event, log) => {
        metrics.larkEvents.inc({ type: event.kind });
        return observe.click(event.kind, () => handler.handle(event, log));
      },
    } satisfies EventHandler,
    logger: logger.child({ component: 'events' }),
    botOpenId: async () => (botOpenId ??= await lark.botOpenId()),
  };
  const dispatcher = createDispatcher(receiverOpts, inflight);
  const connection = config.eventMode === 'ws' ? new LongConnection(receiverOpts, dispatcher, observe.connection) : null;
  // HTTP callback mode has no long connection: no hark_lark_connected series to alert on.
  if (!connection) metrics.registry.removeSingleMetric('hark_lark_connected');

  const clock = opts.clock ?? systemClock;
  const delivery = createDelivery({ store, state, lark, logger, clock, config: { publicUrl: config.publicUrl }, observe: observe.delivery });
  collectFromStore(metrics, storeMetricsSource(store.db), () => clock.now());
  // The admin API accepts the admin token, or a web session with its CSRF token (acting as that member).
  // Web sessions are verified late (the web module is built after the incident services).
  let web: Web | null = null;
  const sessionAuth: Authenticator = (ctx) => webSessionAuthenticator(web!.auth)(ctx);
  const adminAuth = adminTokenAuthenticator(config.adminToken);
  // Escalation steps and snooze ends are rows in `timers`; every replica scans, one fires each.
  let services: IncidentModule | null = null;
  const escalation = createEscalation({
    store,
    delivery,
    incidents: () => services!.incidents,
    clock,
    logger,
    authenticators: [adminAuth, sessionAuth],
    onTimerFired: observe.timerFired,
  });
  services = createIncidentModule({
    db: store.db,
    clock,
    listener: listeners(delivery.listener, escalation.listener),
    logger: logger.child({ component: 'incidents' }),
  });
  web = createWeb({ config, logger, store, incidents: services.incidents, clock });
  const bot = createBot(
    createBotDeps({
      db: store.db,
      incidents: services.incidents,
      delivery,
      pending: web.pending,
      lark,
      state,
      publicUrl: config.publicUrl,
      clock,
    }),
  );
  handler = bot;
  const routers: Router[] = [
    ...createApiRouters({ ...services, config, logger, clock, authenticators: [sessionAuth] }),
    chatsRouter({ chats: delivery.chats, authenticators: [adminAuth, sessionAuth] }),
    ...escalation.routers,
    ...web.routers,
  ];
  if (config.eventMode === 'http') {
    routers.push(
      createLarkCallbackRouter({
        dispatcher,
        encryptKey: config.lark.encryptKey,
        verificationToken: config.lark.verificationToken,
        logger: logger.child({ component: 'lark-callback' }),
      }),
    );
  }
  const app = createApp({
    logger,
    registry: metrics.registry,
    requestDuration: metrics.httpRequests,
    serveMetrics: config.metricsPort === null && opts.metricsPort === undefined,
    routers,
    readiness: {
      check: async () => {
        const parts: Record<string, boolean> = { database: await pingStore(store) };
        parts.shared_state = await state.ping().catch(() => false);
        if (connection) parts.lark_connection = connection.isConnected();
        return parts;
      },
    },
  });
  // Once stopping, a request that arrives on a kept-alive connection is turned away with 503 and
  // `Connection: close`, so clients (and load balancers) move to another replica and the server can close.
  let closing = false;
  const handle = app.callback();
  const server = http.createServer((req, res) => {
    if (!closing) return void handle(req, res);
    res.writeHead(503, { 'content-type': 'application/json', connection: 'close', 'retry-after': '1' });
    res.end(JSON.stringify({ error: { code: 'unavailable', message: 'Hark is stopping; send this to another replica or retry' } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? config.port, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const metricsServer = await listenMetrics(metrics, opts.metricsPort ?? config.metricsPort);
  logger.info({ port, eventMode: config.eventMode, domain: config.lark.domain }, 'hark listening');

  // Learn the groups the bot is already in (bot-added events may predate this install).
  await delivery.syncChats();
  delivery.worker.start();
  // Whatever fell due while no replica ran fires now, once.
  escalation.scanner.start();
  if (connection) {
    // Not awaited past the first attempt: the SDK keeps retrying and /readyz reports the state.
    await connection.start().catch((err) => logger.error({ err }, 'lark long connection did not start'));
  }

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('stopping: no new work; finishing what is in flight');
      connection?.close();
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
      await inflight.drain(10_000);
      await bot.drain();
      await escalation.scanner.stop();
      await delivery.worker.stop();
      await state.close().catch(() => undefined);
      await store.close();
      logger.info('stopped');
    })());

  return {
    config,
    logger,
    store,
    state,
    metrics,
    lark,
    services,
    web: web!,
    delivery,
    escalation,
    url: `http://127.0.0.1:${port}`,
    port,
    metricsPort: metricsServer ? (metricsServer.address() as AddressInfo).port : null,
    stop,
  };
}

/** HARK_METRICS_PORT: /metrics alone on its own port, so it can stay off the load balancer. */
async function listenMetrics(metrics: Metrics, port: number | null): Promise<http.Server | null> {
  if (port === null) return null;
  const server = http.createServer(createMetricsApp(metrics.registry).callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  return server;
}
