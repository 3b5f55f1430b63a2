import type Koa from 'koa';
import type { Config } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { collectFromStore, createMetrics, metricsObservers, type Metrics } from './metrics.ts';
import { storeMetricsSource } from './store/metrics-queries.ts';
import { useCardsDir } from './render/index.ts';
import { openStore, pingStore, type Store } from './store/db.ts';
import { migrateToLatest } from './store/migrate.ts';
import { createSharedState, type SharedState } from './state/index.ts';
import { createApp } from './http/app.ts';
import { createRouters } from './http/routes/index.ts';
import { createIncidentModule, type IncidentModule } from './incident/module.ts';
import { noiseSourceSetting } from './incident/noise-setting.ts';
import { incidentStore } from './store/incident-store.ts';
import { alertmanagerSourceSetting } from './alertmanager/settings.ts';
import { adminTokenAuthenticator, type Authenticator } from './http/routes/auth.ts';
import { createSdkClient, SdkLarkApi, type LarkApi } from './lark/client.ts';
import { createDispatcher, InflightTracker, LongConnection } from './lark/receiver.ts';
import type { EventHandler } from './bot/events.ts';
import { listeners, systemClock, type Clock } from './incident/ports.ts';
import { createEscalation, createPaging, policyAckTimeout, registerEscalationTimers, scheduleTargetsOf, type Escalation, type Paging } from './escalation/index.ts';
import { createPageGuard, type PageGuardConfig } from './escalation/page-guard.ts';
import { createTimers, type ScannerConfig, type Timers } from './timers/index.ts';
import { createWeb, webSessionAuthenticator, type Web, type WebDeps } from './web/index.ts';
import { createDelivery, type Delivery, type DeliveryConfig, type DeliveryRenderer } from './delivery/index.ts';
import { createBot, type BotDeps, type BotRouter } from './bot/index.ts';
import { createBotDeps } from './bot/adapters.ts';
import { createSchedules, scheduleBotPending, scheduleBotPort, type Schedules } from './schedule/index.ts';
import { SdkLarkGroupApi, type LarkGroupApi } from './lark/groups.ts';
import { createWarRooms, type WarRoomConfig, type WarRooms } from './warroom/index.ts';
import { createAlertmanager, type Alertmanager } from './alertmanager/index.ts';
import { createMaintenance, type Maintenance } from './maintenance/index.ts';
import { createInsights, type Insights } from './insights/index.ts';
import { insightMetrics } from './insights/metrics.ts';
import { createReports, type Reports } from './insights/report.ts';

// The composition root: config → logger → store → shared state → Lark → services → event handler
// → HTTP app. Everything is built here, once, in dependency order; nothing listens or starts
// (src/main.ts listens and handles signals; tests and benchmarks call buildHark with overrides, so
// they run the production wiring).

/** What tests and benchmarks may replace; production passes none. */
export interface HarkOverrides {
  logger?: Logger;
  /** Clock of incidents, escalation and the web app; delivery's too unless `deliveryClock` is given. */
  clock?: Clock;
  /** Delivery's clock (e.g. wall time while a test moves the escalation clock by hand). */
  deliveryClock?: Clock;
  /** An open, migrated store; its owner closes it (stop() leaves it open). */
  store?: Store;
  /** Shared state; its owner closes it (stop() leaves it open). */
  state?: SharedState;
  /** The Lark API client (default: the SDK against config.lark.domain, e.g. the emulator's URL). */
  lark?: LarkApi;
  delivery?: Partial<DeliveryConfig>;
  /** Delivery worker identity in outbox leases (replica tests). */
  deliveryOwner?: string;
  render?: DeliveryRenderer;
  escalation?: Partial<ScannerConfig>;
  /** Timer scanner identity recorded on fired timers. */
  escalationOwner?: string;
  web?: Pick<WebDeps, 'timeZone' | 'fetch' | 'defaultRole'>;
  /** Changes the bot's ports before the bot is built (e.g. to hold an operation back). */
  wrapBotDeps?: (deps: BotDeps) => BotDeps;
  /** Replaces the bot as the event handler (baseline measurements). */
  handler?: EventHandler;
  /** War-room timings (tests shorten the sweep). */
  warRoom?: Partial<WarRoomConfig>;
  /** Lark's group APIs for war rooms (default: the SDK against config.lark.domain). */
  larkGroups?: LarkGroupApi;
  /** Alertmanager timings (tests shorten a heartbeat minute). */
  alertmanager?: { heartbeatMinuteMs?: number };
  /** Bounds on pages by hand (tests shorten the cool-downs). */
  pageGuard?: Partial<PageGuardConfig>;
}

export interface HarkApp {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly store: Store;
  readonly state: SharedState;
  readonly metrics: Metrics;
  readonly lark: LarkApi;
  readonly services: IncidentModule;
  readonly web: Web;
  readonly delivery: Delivery;
  readonly escalation: Escalation;
  /** Durable timers: the registry of kinds and the scanner that fires them (src/timers/). */
  readonly timers: Timers;
  /** On-call schedules (who is on call when; handoff notices are durable timers). */
  readonly schedules: Schedules;
  /** Escalate now, add a responder, notes (issue 14). */
  readonly paging: Paging;
  readonly warRooms: WarRooms;
  readonly alertmanager: Alertmanager;
  /** Maintenance windows (issue 26): their gate sits in front of delivery's and escalation's listeners. */
  readonly maintenance: Maintenance;
  /** Insights (issue 27): the figures behind the API, the web page and the report card. */
  readonly insights: Insights;
  /** The weekly report per team (plan() after teams change) and the `report` card. */
  readonly reports: Reports;
  readonly bot: BotRouter;
  /** What Lark's events reach: the bot (or overrides.handler), counted in metrics. */
  readonly handler: EventHandler;
  /** The SDK's event dispatcher (long connection and HTTP callback share it). */
  readonly dispatcher: ReturnType<typeof createDispatcher>;
  /** The long connection (HARK_EVENT_MODE=ws), not yet started. */
  readonly connection: LongConnection | null;
  /** The Koa app (HTTP API, web app, Lark callback), listening nowhere. */
  readonly app: Koa;
  /** Starts the background work: chat sync, the outbox worker, the timer scanner, the long connection. */
  start(): Promise<void>;
  /** Stops taking events, finishes work in flight, closes what buildHark opened. Safe to call twice. */
  stop(): Promise<void>;
}

export async function buildHark(config: Config, overrides: HarkOverrides = {}): Promise<HarkApp> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  // HARK_CARDS_DIR: edited templates, read and checked before anything starts.
  if (config.cardsDir) useCardsDir(config.cardsDir);
  const metrics = createMetrics();
  const observe = metricsObservers(metrics);
  const store =
    overrides.store ??
    openStore(config.databaseUrl, {
      // A PostgreSQL restart, failover or pgbouncer restart: logged, and the next query reconnects.
      onConnectionLost: (err) => logger.warn({ err: err.message }, 'database connection lost'),
    });
  const applied = await migrateToLatest(store.db);
  if (applied.length) logger.info({ applied }, 'database migrated');
  const state = overrides.state ?? createSharedState({ redisUrl: config.redisUrl ?? undefined, prefix: config.redisPrefix });
  const larkApi = overrides.lark ?? new SdkLarkApi(createSdkClient(config.lark), logger.child({ component: 'lark' }));

  // Insights' metrics: acknowledgement and resolution times (an incident listener), pages as delivered.
  const insightObserver = insightMetrics({ db: store.db, metrics, logger });
  const delivery = createDelivery({
    store,
    state,
    lark: larkApi,
    logger,
    clock: overrides.deliveryClock ?? clock,
    render: overrides.render,
    config: { publicUrl: config.publicUrl, ...overrides.delivery },
    owner: overrides.deliveryOwner,
    observe: { ...observe.delivery, paged: insightObserver.paged },
  });
  collectFromStore(metrics, storeMetricsSource(store.db), () => (overrides.deliveryClock ?? clock).now());
  // Durable timers (src/timers/): every feature below registers its kinds on this one engine.
  const timers = createTimers({
    store,
    clock,
    logger,
    config: overrides.escalation,
    owner: overrides.escalationOwner,
    onFired: observe.timerFired,
  });
  // Escalation's listener joins delivery's in every change's transaction.
  const escalation = createEscalation({ delivery: delivery.escalationPort, timers, clock, logger });
  // War rooms (issue 15): Lark groups per incident; rows in each change's transaction, Lark calls outside it.
  const warRooms = createWarRooms({
    db: store.db,
    groups: overrides.larkGroups ?? new SdkLarkGroupApi(createSdkClient(config.lark), logger.child({ component: 'lark' })),
    delivery,
    clock: () => clock.now(),
    logger,
    larkDomain: config.lark.domain,
    publicUrl: config.publicUrl,
    config: overrides.warRoom,
    timers,
  });
  // Maintenance windows: incidents of a covered source reach neither groups nor phones until the window ends.
  const maintenance = createMaintenance({
    db: store.db,
    chats: delivery.chats,
    inner: listeners(delivery.listener, escalation.listener),
    wake: () => delivery.notify(),
    scheduled: (dueAt) => timers.scheduled(dueAt),
    clock,
    logger,
  });
  // Maintenance's window starts and ends, and delivery's storm ends, are durable timers too.
  for (const [kind, handler] of Object.entries({ ...maintenance.timerHandlers, ...delivery.timerHandlers })) timers.register(kind, handler);
  const services = createIncidentModule({
    db: store.db,
    repo: incidentStore,
    clock,
    listener: listeners(maintenance.listener, warRooms.listener, insightObserver.listener),
    logger: logger.child({ component: 'incidents' }),
    // An acknowledgement's default time box is the source's escalation policy's ack_timeout (issue 25).
    ackTimeoutOf: policyAckTimeout,
  });
  // A snooze's end is an incident change: escalation's kinds need the incident service.
  registerEscalationTimers(timers, { escalator: escalation.escalator, incidents: services.incidents });
  // On-call schedules; their handoff notices are durable timers.
  const schedules = createSchedules({ db: store.db, clock, publicUrl: config.publicUrl, logger, delivery, timers });
  // Insights (issue 27): the figures, and the weekly report per team (a durable timer kind).
  const insights = createInsights({ db: store.db, now: () => clock.now() });
  const reports = createReports({ db: store.db, insights, delivery, timers, publicUrl: config.publicUrl, now: () => clock.now(), logger: logger.child({ component: 'reports' }) });
  // Alertmanager both ways: silences from Lark, heartbeats (a heartbeat's check, a silence's end: durable timers).
  const alertmanager = createAlertmanager({
    db: store.db,
    incidents: services.incidents,
    cards: delivery.escalationPort,
    publicUrl: config.publicUrl,
    timeoutMs: config.alertmanagerTimeoutMs,
    clock,
    logger,
    timers,
    heartbeatMinuteMs: overrides.alertmanager?.heartbeatMinuteMs,
  });
  // Escalate now, add a responder, notes (issue 14): for the bot, the API and the web app.
  const paging = createPaging({
    db: store.db,
    postgres: store.engine === 'postgres',
    escalator: escalation.escalator,
    delivery: delivery.escalationPort,
    clock,
    guard: createPageGuard(state, { urgentQuota: config.urgentQuota, urgentReserve: config.urgentReserve, ...overrides.pageGuard }),
  });
  const web = createWeb({ config, logger, store, incidents: services.incidents, clock, warRooms: warRooms.service, ...overrides.web });
  // The admin API accepts the admin token, or a web session with its CSRF token (acting as that member).
  const authenticators: Authenticator[] = [adminTokenAuthenticator(config.adminToken), webSessionAuthenticator(web.auth)];

  const botDeps = {
    ...createBotDeps({
      db: store.db,
      incidents: services.incidents,
      delivery,
      pending: web.pending,
      lark: larkApi,
      state,
      publicUrl: config.publicUrl,
      clock,
      paging,
      warRooms: warRooms.service,
      silences: alertmanager.silences,
    }),
    schedules: scheduleBotPort(store.db, schedules.service, clock, scheduleTargetsOf),
    schedulePending: scheduleBotPending(store.db, schedules.service, web.pending),
    maintenance: maintenance.botPort,
    reports,
  };
  // Handoff notices carry Take over buttons: bound to the message Lark made for them (issue 29).
  delivery.onSent((row, messageId) => {
    if (row.subject !== 'card' || !row.card) return;
    botDeps.scheduleCards?.bind(messageId, JSON.parse(row.card) as object)?.catch((err) => logger.warn({ err, messageId }, 'could not bind a card to its schedules'));
  });
  const bot = createBot(overrides.wrapBotDeps ? overrides.wrapBotDeps(botDeps) : botDeps);
  const inner = overrides.handler ?? bot;
  const handler: EventHandler = {
    handle: async (event, log) => {
      metrics.larkEvents.inc({ type: event.kind });
      return observe.click(event.kind, () => inner.handle(event, log));
    },
  };
  let botOpenId: Promise<string> | null = null;
  const receiverOpts = {
    ...config.lark,
    handler,
    logger: logger.child({ component: 'events' }),
    botOpenId: () => (botOpenId ??= larkApi.botOpenId().catch((err) => {
      botOpenId = null;
      throw err;
    })),
  };
  const inflight = new InflightTracker();
  const dispatcher = createDispatcher(receiverOpts, inflight);
  const connection = config.eventMode === 'ws' ? new LongConnection(receiverOpts, dispatcher, observe.connection) : null;
  // HTTP callback mode has no long connection: no hark_lark_connected series to alert on.
  if (!connection) metrics.registry.removeSingleMetric('hark_lark_connected');

  const routers = createRouters({
    services,
    chats: delivery.chats,
    web,
    warRooms,
    db: store.db,
    clock,
    authenticators,
    paging,
    alertmanager,
    maintenance: maintenance.service,
    insights,
    // PATCH /api/v1/sources/:name: Alertmanager's keys first (their checks need the source's kind).
    sourceSettings: [alertmanagerSourceSetting(store.db, alertmanager.heartbeats), warRooms.sourceSetting, noiseSourceSetting(store.db, incidentStore)],
    ingest: { bodyTimeoutMs: config.bodyTimeoutMs },
    schedules: { service: schedules.service, publicUrl: config.publicUrl, state, logger: logger.child({ component: 'calendar' }) },
    larkCallback:
      config.eventMode === 'http'
        ? {
            dispatcher,
            encryptKey: config.lark.encryptKey,
            verificationToken: config.lark.verificationToken,
            logger: logger.child({ component: 'lark-callback' }),
          }
        : null,
  });
  const app = createApp({
    logger,
    registry: metrics.registry,
    requestDuration: metrics.httpRequests,
    // HARK_METRICS_PORT: /metrics is served alone on that port (src/main.ts), not here.
    serveMetrics: config.metricsPort === null,
    routers,
    readiness: {
      // Probed side by side, each within READY_PROBE_MS: a stalled Redis or database makes its part
      // false instead of holding the answer (load balancers give up on a slow probe).
      check: async () => {
        const [database, sharedState] = await Promise.all([probe(pingStore(store)), probe(state.ping())]);
        const parts: Record<string, boolean> = { database, shared_state: sharedState };
        if (connection) parts.lark_connection = connection.isConnected();
        return parts;
      },
    },
  });

  let stopping: Promise<void> | null = null;
  return {
    config,
    logger,
    clock,
    store,
    state,
    metrics,
    lark: larkApi,
    services,
    web,
    delivery,
    escalation,
    timers,
    schedules,
    paging,
    warRooms,
    alertmanager,
    maintenance,
    insights,
    reports,
    bot,
    handler,
    dispatcher,
    connection,
    app,
    async start() {
      // Learn the groups the bot is already in (bot-added events may predate this install).
      await delivery.syncChats();
      await reports.plan();
      delivery.worker.start();
      // Whatever fell due while no replica ran fires now, once.
      await warRooms.start();
      timers.scanner.start();
      // Silences asked of Alertmanager whose answer a previous process never saw.
      alertmanager.silences.start();
      if (connection) {
        // Not awaited past the first attempt: the SDK keeps retrying and /readyz reports the state.
        await connection.start().catch((err) => logger.error({ err }, 'lark long connection did not start'));
      }
    },
    stop: () =>
      (stopping ??= (async () => {
        connection?.close();
        await inflight.drain(10_000);
        await bot.drain();
        await timers.scanner.stop();
        alertmanager.silences.stop();
        await warRooms.stop();
        await delivery.worker.stop();
        if (!overrides.state) await state.close().catch(() => undefined);
        if (!overrides.store) await store.close();
      })()),
  };
}

/** How long /readyz waits for each dependency before reporting it not ready. */
export const READY_PROBE_MS = 800;

/** false unless `ping` answers true within READY_PROBE_MS. */
async function probe(ping: Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), READY_PROBE_MS)));
  try {
    return await Promise.race([ping.catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}
