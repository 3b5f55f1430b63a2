import type { Kysely } from 'kysely';
import type { TimerPort } from '../timers/registry.ts';
import type { Sending } from '../delivery/outbound.ts';
import type { Clock } from '../incident/ports.ts';
import type { Logger } from '../log.ts';
import type { DB } from '../store/schema.ts';
import { HandoffNotices } from './notices.ts';
import { ScheduleService } from './service.ts';

export { ScheduleService, type ScheduleActor, type OnCallView, type Person } from './service.ts';
export { oncallAt, segments, shifts } from './engine.ts';
export { scheduleBotPending, scheduleBotPort } from './bot-port.ts';

export interface Schedules {
  readonly service: ScheduleService;
  /** Handoff and daily notices: moved when a schedule changes (also by a configuration file). */
  readonly notices: Pick<HandoffNotices, 'changed' | 'removed'>;
}

/** Builds the schedule service and its handoff notices for the composition root. Nothing starts here. */
export function createSchedules(deps: {
  db: Kysely<DB>;
  clock: Clock;
  publicUrl: string;
  logger: Logger;
  /** Delivery's port: handoff notices are messages like any other. */
  delivery: Sending;
  /** The timer engine: handoff and daily notices are durable timers (kinds `handoff`, `daily`). */
  timers: Pick<TimerPort, 'register'>;
}): Schedules {
  const notices = new HandoffNotices({
    publicUrl: deps.publicUrl.replace(/\/+$/, ''),
    log: deps.logger.child({ component: 'schedules' }),
    delivery: deps.delivery,
  });
  const service = new ScheduleService({ db: deps.db, clock: deps.clock, publicUrl: deps.publicUrl, hook: notices });
  deps.timers.register('handoff', notices.fire);
  deps.timers.register('daily', notices.fire);
  return { service, notices };
}
