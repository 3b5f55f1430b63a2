import crypto from 'node:crypto';
import type Router from '@koa/router';
import type { Kysely } from 'kysely';
import type { Delivery } from '../delivery/index.ts';
import { escalationRouter } from '../http/routes/escalation.ts';
import type { Authenticator } from '../http/routes/auth.ts';
import { systemClock, type Clock } from '../incident/ports.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { DB } from '../store/schema.ts';
import { deliveryEscalationPort } from './delivery-port.ts';
import { Escalator } from './escalator.ts';
import { EscalationListener } from './listener.ts';
import type { EscalationDelivery, SnoozeEnder } from './ports.ts';
import { defaultScannerConfig, TimerScanner, type ScannerConfig } from './scanner.ts';
import { nextEscalationOf } from './timers.ts';

export { EscalationListener } from './listener.ts';
export { TimerScanner, defaultScannerConfig, type ScannerConfig } from './scanner.ts';
export { nextEscalationOf } from './timers.ts';
export { validatePolicy, type EscalationPolicy } from './policy.ts';
export type { EscalationDelivery, SnoozeEnder } from './ports.ts';

export interface EscalationDeps {
  store: { db: Kysely<DB>; engine: 'sqlite' | 'postgres' };
  /** src/delivery (adapted here) or any EscalationDelivery port. */
  delivery: Pick<Delivery, 'listener' | 'notify'> | EscalationDelivery;
  /** Late-bound: the IncidentService is built with this module's listener, so it comes after. */
  incidents: () => SnoozeEnder;
  clock?: Clock;
  logger?: Logger;
  config?: Partial<ScannerConfig>;
  /** Admin API authenticators (createApiRouters' list); without them no routers are built. */
  authenticators?: readonly Authenticator[];
  /** Replica identity recorded on fired timers; default random per process. */
  owner?: string;
  /** Told how late each timer fired after its due time (metrics). */
  onTimerFired?: (kind: string, lagMs: number) => void;
}

export interface Escalation {
  /** Compose after delivery's: `listeners(delivery.listener, escalation.listener)`. */
  readonly listener: EscalationListener;
  /** `start()` once the app is up; `await stop()` on shutdown (before closing the store). */
  readonly scanner: TimerScanner;
  /** `PUT/GET/DELETE /api/v1/sources/:name/escalation` (empty without authenticators). */
  readonly routers: Router[];
  /** What the incident card shows next ("escalates to level 2 at 10:15"). */
  nextEscalation(db: Kysely<DB>, incidentNumber: number): Promise<{ level: number; at: number } | null>;
}

const isPort = (d: EscalationDeps['delivery']): d is EscalationDelivery => typeof (d as EscalationDelivery).notifyChat === 'function';

/** Builds escalation and durable timers for main.ts. Nothing starts here. */
export function createEscalation(deps: EscalationDeps): Escalation {
  const clock = deps.clock ?? systemClock;
  const log = (deps.logger ?? silentLogger).child({ component: 'escalation' });
  const config: ScannerConfig = {
    ...defaultScannerConfig,
    ...Object.fromEntries(Object.entries(deps.config ?? {}).filter(([, v]) => v !== undefined)),
  };
  if (!(config.pollMs > 0) || !(config.concurrency >= 1) || !(config.batch >= 1)) {
    throw new RangeError('escalation config: pollMs, concurrency and batch must be positive');
  }
  const delivery = isPort(deps.delivery) ? deps.delivery : deliveryEscalationPort(deps.delivery, clock);
  // Late binding: the scanner and the escalator tell each other about due times.
  let scanner: TimerScanner | null = null;
  const scheduled = (dueAt: number) => scanner?.poke(dueAt);
  const escalator = new Escalator({ delivery, log, scheduled });
  scanner = new TimerScanner({
    db: deps.store.db,
    postgres: deps.store.engine === 'postgres',
    escalator,
    incidents: deps.incidents,
    clock,
    log,
    owner: deps.owner ?? `t-${crypto.randomBytes(5).toString('hex')}`,
    config,
    onFired: deps.onTimerFired,
  });
  return {
    listener: new EscalationListener(escalator, clock, scheduled),
    scanner,
    routers: deps.authenticators ? [escalationRouter({ db: deps.store.db, authenticators: deps.authenticators })] : [],
    nextEscalation: nextEscalationOf,
  };
}
