import type { Config } from './config.ts';
import { createLogger } from './log.ts';
import { collectFromStore, createMetrics, metricsObservers } from './metrics.ts';
import { storeMetricsSource } from './store/metrics-queries.ts';
import { useCardsDir } from './render/index.ts';
import { openStore, pingStore } from './store/db.ts';
import { migrateToLatest } from './store/migrate.ts';
import { createSharedState } from './state/index.ts';
import { createApp } from './http/app.ts';
import { createRouters } from './http/routes/index.ts';
import { createIncidentModule } from './incident/module.ts';
import { noiseSourceSetting } from './incident/noise-setting.ts';
import { incidentStore } from './store/incident-store.ts';
import { alertmanagerSourceSetting } from './alertmanager/settings.ts';
import { adminTokenAuthenticator, apiTokenAuthenticator, type Authenticator } from './http/routes/auth.ts';
import { createTeamAccess } from './teams/access.ts';
import { TokenService } from './teams/tokens.ts';
import { maintenanceRefusal, routingRefusal } from './teams/manage.ts';
import type { Member } from './incident/types.ts';
import { createSeen } from './escalation/seen.ts';
import { storeUpkeep } from './store/upkeep.ts';
import { ConfigService } from './config-file/service.ts';
import { settingsById } from './store/alertmanager-repo.ts';
import { buildRetention } from './retention/build.ts';
export { buildRetention } from './retention/build.ts';
import { createSdkClient, SdkLarkApi } from './lark/client.ts';
import { createDispatcher, InflightTracker, LongConnection } from './lark/receiver.ts';
import type { EventHandler } from './bot/events.ts';
import { listeners, systemClock } from './incident/ports.ts';
import { createEscalation, policyAckTimeout, registerEscalationTimers, scheduleTargetsOf } from './escalation/index.ts';
import { createPageGuard, createPaging } from './paging/index.ts';
import { createTimers } from './timers/index.ts';
import { createWeb, webSessionAuthenticator } from './web/index.ts';
import { createDelivery } from './delivery/index.ts';
import { createBot } from './bot/index.ts';
import { createBotDeps } from './bot/adapters.ts';
import { createSchedules, scheduleBotPending, scheduleBotPort } from './schedule/index.ts';
import { SdkLarkGroupApi } from './lark/groups.ts';
import { createWarRooms } from './warroom/index.ts';
import { createAlertmanager } from './alertmanager/index.ts';
import { createMaintenance } from './maintenance/index.ts';
import { IngestService } from './ingest/service.ts';
import { createInsights } from './insights/index.ts';
import { insightMetrics } from './insights/metrics.ts';
import { createReports } from './insights/report.ts';

// The composition root: config → logger → store → shared state → Lark → services → event handler
// → HTTP app. Everything is built here, once, in dependency order; nothing listens or starts
// (src/main.ts listens and handles signals; tests and benchmarks call buildHark with overrides, so
// they run the production wiring).

export type { HarkApp, HarkOverrides } from './app-types.ts';
import type { HarkApp, HarkOverrides } from './app-types.ts';

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

  // Delivery's writing side first (features send through it); its worker once they exist (below).
  // Insights' metrics: acknowledgement and resolution times (an incident listener), pages as delivered.
  const insightObserver = insightMetrics({ db: store.db, metrics, logger });
  const outbox = createDelivery({
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
  const escalation = createEscalation({ delivery: outbox.escalationPort, timers, clock, logger });
  // War rooms (issue 15): Lark groups per incident; rows in each change's transaction, Lark calls outside it.
  const warRooms = createWarRooms({
    db: store.db,
    groups: overrides.larkGroups ?? new SdkLarkGroupApi(createSdkClient(config.lark), logger.child({ component: 'lark' })),
    delivery: outbox,
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
    chats: outbox.chats,
    inner: listeners(outbox.listener, escalation.listener),
    wake: () => outbox.notify(),
    scheduled: (dueAt) => timers.scheduled(dueAt),
    clock,
    logger,
  });
  // Maintenance's window starts and ends, and delivery's storm ends, are durable timers too.
  for (const [kind, handler] of Object.entries({ ...maintenance.timerHandlers, ...outbox.timerHandlers })) timers.register(kind, handler);
  // Who may act on an incident (issue 24): one rule, asked by the incident service for every surface.
  // It names who is on call for the owning team, from the schedules built just below.
  let oncallNames: (schedule: string) => Promise<string[]> = async () => [];
  const teamAccess = createTeamAccess({ db: store.db, oncallNames: (name) => oncallNames(name) });
  const mayAct = (actor: Parameters<typeof teamAccess.check>[0], number: number) => teamAccess.check(actor, number);
  const services = createIncidentModule({
    db: store.db,
    repo: incidentStore,
    clock,
    listener: listeners(maintenance.listener, warRooms.listener, insightObserver.listener, ...(overrides.incidentListener ? [overrides.incidentListener] : [])),
    logger: logger.child({ component: 'incidents' }),
    // An acknowledgement's default time box is the source's escalation policy's ack_timeout (issue 25).
    ackTimeoutOf: policyAckTimeout,
    mayAct,
  });
  // Retention: a durable daily job (timer kind `retention`) deleting old resolved incidents in small batches.
  const retention = buildRetention(config, store, { clock, logger, timers, config: overrides.retention });
  // A snooze's end is an incident change: escalation's kinds need the incident service.
  const pageGuard = createPageGuard(state, { urgentQuota: config.urgentQuota, urgentReserve: config.urgentReserve, ...overrides.pageGuard });
  registerEscalationTimers(timers, { escalator: escalation.escalator, incidents: services.incidents, guard: pageGuard });
  // On-call schedules; their handoff notices are durable timers.
  const schedules = createSchedules({ db: store.db, clock, publicUrl: config.publicUrl, logger, delivery: outbox, timers });
  oncallNames = async (name) => (await schedules.service.oncall(name)).members.map((m) => m.name);
  // Insights (issue 27): the figures, and the weekly report per team (a durable timer kind).
  const insights = createInsights({ db: store.db, now: () => clock.now() });
  const reports = createReports({ db: store.db, insights, delivery: outbox, timers, publicUrl: config.publicUrl, now: () => clock.now(), logger: logger.child({ component: 'reports' }) });
  // Alertmanager both ways: silences from Lark, heartbeats (a heartbeat's check, a silence's end: durable timers).
  const alertmanager = createAlertmanager({
    db: store.db,
    incidents: services.incidents,
    cards: outbox.escalationPort,
    publicUrl: config.publicUrl,
    timeoutMs: config.alertmanagerTimeoutMs,
    clock,
    logger,
    timers,
    heartbeatMinuteMs: overrides.alertmanager?.heartbeatMinuteMs,
    mayAct,
  });
  // Escalate now, add a responder, notes (issue 14): for the bot, the API and the web app.
  const paging = createPaging({
    db: store.db,
    postgres: store.engine === 'postgres',
    escalator: escalation.escalator,
    delivery: outbox.escalationPort,
    clock,
    guard: pageGuard,
    mayAct,
  });
  // Configuration as code (issue 24): its writes move schedule notices and heartbeat checks in its transaction.
  const configFile = new ConfigService({
    db: store.db,
    clock,
    env: overrides.configEnv ?? process.env,
    hooks: {
      scheduleChanged: (trx, id, now) => schedules.notices.changed(trx, id, now),
      scheduleRemoved: (trx, id, now) => schedules.notices.removed(trx, id, now),
      teamsChanged: (trx) => reports.plan(trx, true),
      heartbeatChanged: async (trx, id) => {
        const s = await settingsById(trx, id);
        if (s) await alertmanager.heartbeats.configured(trx, s);
      },
      windowCreated: (trx, id, now) => maintenance.service.createdIn(trx, id, now),
      windowRemoved: (trx, id, now, by) => maintenance.service.removeIn(trx, id, now, { id: null, name: by, via: 'api' }),
    },
  });
  const web = createWeb({ config, logger, store, incidents: services.incidents, clock, warRooms: warRooms.service, ...overrides.web });
  // The admin API accepts the admin token, or a web session with its CSRF token (acting as that member).
  // Scoped API tokens (issue 24) after the bootstrap HARK_ADMIN_TOKEN.
  const tokens = new TokenService(store.db, clock);
  const authenticators: Authenticator[] = [
    adminTokenAuthenticator(config.adminToken),
    apiTokenAuthenticator((token) => tokens.authenticate(token)),
    webSessionAuthenticator(web.auth),
  ];

  const botDeps = createBotDeps({
    db: store.db,
    incidents: services.incidents,
    delivery: outbox,
    pending: web.pending,
    lark: larkApi,
    state,
    publicUrl: config.publicUrl,
    clock,
    paging,
    warRooms: warRooms.service,
    silences: alertmanager.silences,
    schedules: scheduleBotPort(store.db, schedules.service, clock, scheduleTargetsOf),
    schedulePending: scheduleBotPending(store.db, schedules.service, web.pending),
    maintenance: maintenance.botPort,
    routing: (member: Member, chatId: string, source: string) => routingRefusal(store.db, member, chatId, source),
    // Issue 25: read receipts of private pages.
    seen: createSeen({ db: store.db, postgres: store.engine === 'postgres', delivery: outbox.escalationPort, clock }),
    maintains: (member: Member, source: string) => maintenanceRefusal(store.db, member, source),
    reports,
  });
  // War rooms pin their card copies once sent; handoff notices carry Take over buttons, bound to the
  // message Lark made for them (issue 29).
  const delivery = outbox.withWorker([
    warRooms.afterSend,
    (row, messageId) => {
      if (row.subject !== 'card' || !row.card) return;
      botDeps.scheduleCards.bind(messageId, JSON.parse(row.card) as object).catch((err) => logger.warn({ err, messageId }, 'could not bind a card to its schedules'));
    },
  ]);
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
    ingestService: new IngestService({ incidents: services.incidents, heartbeats: alertmanager.heartbeats, clock }),
    maintenance: maintenance.service,
    insights,
    // PATCH /api/v1/sources/:name: Alertmanager's keys first (their checks need the source's kind).
    sourceSettings: [alertmanagerSourceSetting(store.db, alertmanager.heartbeats), warRooms.sourceSetting, noiseSourceSetting(store.db, incidentStore)],
    ingest: { ...overrides.ingest, bodyTimeoutMs: config.bodyTimeoutMs },
    configFile,
    teams: {
      tokens,
      oncall: async (name) => {
        const o = await schedules.service.oncall(name);
        return { members: o.members.map((m) => m.name), until: o.until };
      },
    },
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
    bodyLimitBytes: overrides.ingest?.bodyLimitBytes,
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

  // SQLite: periodic checkpoint and incremental vacuum (store/upkeep.ts); PostgreSQL: nothing.
  const upkeep = storeUpkeep(store, logger.child({ component: 'store' }));
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
    configFile,
    retention,
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
      await retention.start();
      timers.scanner.start();
      // Silences asked of Alertmanager whose answer a previous process never saw.
      alertmanager.silences.start();
      upkeep.start();
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
        await upkeep.stop();
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
