import type { Kysely } from 'kysely';
import type { Clock } from '../incident/ports.ts';
import type { Logger } from '../log.ts';
import type { DB } from '../store/schema.ts';
import { Escalator } from './escalator.ts';
import { EscalationListener } from './listener.ts';
import type { EscalationDelivery } from './ports.ts';
import type { TimerPort } from '../timers/registry.ts';
import { nextEscalationOf } from './timers.ts';

export { EscalationListener } from './listener.ts';
export { registerEscalationTimers, SNOOZE_END_KIND } from './timer-kinds.ts';
export { nextEscalationOf } from './timers.ts';
export { scheduleTargetsOf, validatePolicy, policyAckTimeout, type EscalationPolicy } from './policy.ts';
export type { AckHandBack, EscalationDelivery, SnoozeEnder } from './ports.ts';

export interface EscalationDeps {
  /** Delivery's port for escalation (delivery/escalation-port.ts). */
  delivery: EscalationDelivery;
  /** The timer engine: escalation's steps and snooze ends are durable timers (src/timers/). */
  timers: TimerPort;
  clock: Clock;
  logger: Logger;
}

/**
 * Escalation: the listener the incident service runs in every change's transaction (it starts and
 * stops escalations) and the escalator paging uses. Its timer kinds are registered once the
 * incident service exists (registerEscalationTimers): a snooze end is an incident change.
 */
export interface Escalation {
  /** Compose after delivery's: `listeners(delivery.listener, escalation.listener)`. */
  readonly listener: EscalationListener;
  readonly escalator: Escalator;
  /** What the incident card shows next ("escalates to level 2 at 10:15"). */
  nextEscalation(db: Kysely<DB>, incidentNumber: number): Promise<{ level: number; at: number } | null>;
}

export function createEscalation(deps: EscalationDeps): Escalation {
  const clock = deps.clock;
  const log = deps.logger.child({ component: 'escalation' });
  const escalator = new Escalator({ delivery: deps.delivery, log, scheduled: deps.timers.scheduled });
  return { listener: new EscalationListener(escalator, clock, deps.timers.scheduled), escalator, nextEscalation: nextEscalationOf };
}
