import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { systemClock, type Clock } from '../incident/ports.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { DB } from '../store/schema.ts';
import { Escalator } from './escalator.ts';
import { EscalationListener } from './listener.ts';
import type { AckHandBack, EscalationDelivery, HeartbeatFirer, SilenceEnder, SnoozeEnder } from './ports.ts';
import { defaultScannerConfig, TimerScanner, type ScannerConfig, type TimerHandler } from './scanner.ts';
import { nextEscalationOf } from './timers.ts';

export { EscalationListener } from './listener.ts';
export { TimerScanner, defaultScannerConfig, type ScannerConfig, type TimerHandler } from './scanner.ts';
export { nextEscalationOf } from './timers.ts';
export { validatePolicy, policyAckTimeout, type EscalationPolicy } from './policy.ts';
export { createPaging, NOTE_MAX, type Paging, type PageTarget, type EscalateOutcome, type PageOutcome, type NoteOutcome } from './paging.ts';
export type { AckHandBack, EscalationDelivery, HeartbeatFirer, SilenceEnder, SnoozeEnder } from './ports.ts';

/** Due times scheduled in this process, passed from the escalator and listener to the local scanner. */
export class DueTimes {
  private readonly watchers: ((dueAt: number) => void)[] = [];
  scheduled = (dueAt: number): void => {
    for (const w of this.watchers) w(dueAt);
  };
  watch(fn: (dueAt: number) => void): void {
    this.watchers.push(fn);
  }
}

export interface EscalatorDeps {
  /** Delivery's port for escalation (delivery/escalation-port.ts). */
  delivery: EscalationDelivery;
  clock?: Clock;
  logger?: Logger;
}

/**
 * The first half of escalation: the listener the incident service runs in every change's
 * transaction (it starts and stops escalations). The scanner, which needs the incident service,
 * comes second (createEscalation), so neither is bound late.
 */
export interface EscalationCore {
  readonly listener: EscalationListener;
  readonly escalator: Escalator;
  readonly due: DueTimes;
  readonly clock: Clock;
  readonly log: Logger;
}

export function createEscalationCore(deps: EscalatorDeps): EscalationCore {
  const clock = deps.clock ?? systemClock;
  const log = (deps.logger ?? silentLogger).child({ component: 'escalation' });
  const due = new DueTimes();
  const escalator = new Escalator({ delivery: deps.delivery, log, scheduled: due.scheduled });
  return { listener: new EscalationListener(escalator, clock, due.scheduled), escalator, due, clock, log };
}

export interface EscalationDeps {
  store: { db: Kysely<DB>; engine: 'sqlite' | 'postgres' };
  /** The incident service, built with core.listener. */
  incidents: SnoozeEnder & AckHandBack;
  config?: Partial<ScannerConfig>;
  /** Heartbeat checks (src/alertmanager), fired from the same timers table. */
  heartbeats?: HeartbeatFirer;
  /** Silence ends on the card (src/alertmanager), from the same timers table. */
  silences?: SilenceEnder;
  /** Replica identity recorded on fired timers; default random per process. */
  owner?: string;
  /** Durable timers of other kinds, by kind (schedule handoff notices). */
  timerHandlers?: Readonly<Record<string, TimerHandler>>;
  /** Told how late each timer fired after its due time (metrics). */
  onTimerFired?: (kind: string, lagMs: number) => void;
}

export interface Escalation {
  /** Compose after delivery's: `listeners(delivery.listener, escalation.listener)`. */
  readonly listener: EscalationListener;
  /** `start()` once the app is up; `await stop()` on shutdown (before closing the store). */
  readonly scanner: TimerScanner;
  /** What the incident card shows next ("escalates to level 2 at 10:15"). */
  nextEscalation(db: Kysely<DB>, incidentNumber: number): Promise<{ level: number; at: number } | null>;
}

/** Escalation and durable timers: the core's listener plus a timer scanner. Nothing starts here. */
export function createEscalation(core: EscalationCore, deps: EscalationDeps): Escalation {
  const config: ScannerConfig = {
    ...defaultScannerConfig,
    ...Object.fromEntries(Object.entries(deps.config ?? {}).filter(([, v]) => v !== undefined)),
  };
  if (!(config.pollMs > 0) || !(config.concurrency >= 1) || !(config.batch >= 1) || !(config.fireBatch >= 1)) {
    throw new RangeError('escalation config: pollMs, concurrency, batch and fireBatch must be positive');
  }
  const scanner = new TimerScanner({
    db: deps.store.db,
    postgres: deps.store.engine === 'postgres',
    escalator: core.escalator,
    incidents: deps.incidents,
    heartbeats: deps.heartbeats,
    silences: deps.silences,
    clock: core.clock,
    log: core.log,
    owner: deps.owner ?? `t-${crypto.randomBytes(5).toString('hex')}`,
    config,
    handlers: deps.timerHandlers,
    onFired: deps.onTimerFired,
  });
  core.due.watch((dueAt) => scanner.poke(dueAt));
  return { listener: core.listener, scanner, nextEscalation: nextEscalationOf };
}
