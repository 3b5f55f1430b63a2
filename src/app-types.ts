import type { Insights } from './insights/index.ts';
import type { Reports } from './insights/report.ts';
import type Koa from 'koa';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { Store } from './store/db.ts';
import type { SharedState } from './state/index.ts';
import type { IngestLimits } from './http/routes/index.ts';
import type { IncidentModule } from './incident/module.ts';
import type { ConfigService } from './config-file/service.ts';
import type { Retention, RetentionConfig } from './retention/index.ts';
import type { LarkApi } from './lark/client.ts';
import type { createDispatcher, LongConnection } from './lark/receiver.ts';
import type { EventHandler } from './bot/events.ts';
import type { Clock, IncidentListener } from './incident/ports.ts';
import type { Escalation } from './escalation/index.ts';
import type { PageGuardConfig, Paging } from './paging/index.ts';
import type { ScannerConfig, Timers } from './timers/index.ts';
import type { Web, WebDeps } from './web/index.ts';
import type { Delivery, DeliveryConfig, DeliveryRenderer } from './delivery/index.ts';
import type { BotDeps, BotRouter } from './bot/index.ts';
import type { Schedules } from './schedule/index.ts';
import type { LarkGroupApi } from './lark/groups.ts';
import type { WarRoomConfig, WarRooms } from './warroom/index.ts';
import type { Alertmanager } from './alertmanager/index.ts';
import type { Maintenance } from './maintenance/index.ts';

// The composition root's two shapes: what tests and benchmarks may replace (HarkOverrides) and what
// buildHark returns (HarkApp). src/app.ts builds them.

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
  /** Ingest bounds (tests of 413 and 503 lower them); the body timeout comes from config. */
  ingest?: Omit<IngestLimits, 'bodyTimeoutMs'>;
  /** Told every incident change after the features' listeners, in the change's transaction (tests record or fail them). */
  incidentListener?: IncidentListener;
  /** Where a configuration file's token_env variables are read (default: process.env). */
  configEnv?: Record<string, string | undefined>;
  /** Retention batches and pauses (tests shorten them); the days come from HARK_RETENTION_DAYS. */
  retention?: Partial<Omit<RetentionConfig, 'days'>>;
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
  /** Configuration as code: plan, apply, export (hark config, POST /api/v1/config/plan|apply). */
  readonly configFile: ConfigService;
  /** Retention (issue 28): the daily prune of resolved incidents past HARK_RETENTION_DAYS. */
  readonly retention: Retention;
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
