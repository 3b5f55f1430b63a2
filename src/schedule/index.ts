import type Router from '@koa/router';
import type { Kysely } from 'kysely';
import type { Authenticator } from '../http/routes/auth.ts';
import { calendarRouter } from '../http/routes/calendar.ts';
import { schedulesRouter } from '../http/routes/schedules.ts';
import type { TimerHandler } from '../escalation/scanner.ts';
import { systemClock, type Clock } from '../incident/ports.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { DB } from '../store/schema.ts';
import { HandoffNotices } from './notices.ts';
import { ScheduleService } from './service.ts';

export { ScheduleService, type ScheduleActor, type OnCallView, type Person } from './service.ts';
export { oncallAt, segments, shifts } from './engine.ts';
export { scheduleBotPending, scheduleBotPort } from './bot-port.ts';

export interface Schedules {
  readonly service: ScheduleService;
  /** The admin API's schedule routes (empty without authenticators). */
  readonly routers: Router[];
  /** Handoff and daily notices, for escalation's timer scanner (createEscalation({timerHandlers})). */
  readonly timerHandlers: Readonly<Record<string, TimerHandler>>;
}

/** Builds the schedule service and its routes for the composition root. Nothing starts here. */
export function createSchedules(deps: {
  db: Kysely<DB>;
  clock?: Clock;
  publicUrl: string;
  authenticators?: readonly Authenticator[];
  logger?: Logger;
  /** Wakes the outbox worker once notices are queued (delivery.notify). */
  wake?: () => void;
}): Schedules {
  const service = new ScheduleService({ db: deps.db, clock: deps.clock, publicUrl: deps.publicUrl });
  const notices = new HandoffNotices({
    publicUrl: deps.publicUrl.replace(/\/+$/, ''),
    log: (deps.logger ?? silentLogger).child({ component: 'schedules' }),
    wake: deps.wake ?? (() => undefined),
  });
  service.hook = notices;
  return {
    service,
    routers: deps.authenticators
      ? [
          schedulesRouter({ schedules: service, authenticators: deps.authenticators }),
          calendarRouter({ db: deps.db, schedules: service, clock: deps.clock ?? systemClock, publicUrl: deps.publicUrl.replace(/\/+$/, '') }),
        ]
      : [],
    timerHandlers: { handoff: notices.fire, daily: notices.fire },
  };
}
