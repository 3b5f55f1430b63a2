import type { Kysely, Transaction } from 'kysely';
import type { Clock, IncidentListener } from '../incident/ports.ts';
import type { Actor } from '../incident/types.ts';
import type { Logger } from '../log.ts';
import type { ChatDirectory } from '../delivery/chats.ts';
import type { DB } from '../store/schema.ts';
import type { Timer } from '../store/timer-repo.ts';
import { MaintenanceGate } from './gate.ts';
import { Runs } from './runs.ts';
import { MaintenanceService } from './service.ts';
import { fireMaintenanceEnd, fireMaintenanceStart } from './timers.ts';

export { MaintenanceService, parseWindowBody, type WindowJson } from './service.ts';

// Maintenance windows (issue 26): the service (API, chat commands), the gate in front of delivery
// and escalation, and the two timer kinds escalation's scanner fires.

export interface Maintenance {
  readonly service: MaintenanceService;
  /** Pass instead of delivery's and escalation's listeners: they hear of held incidents when their window ends. */
  readonly listener: IncidentListener;
  /** For createEscalation({timerHandlers}). */
  readonly timerHandlers: Readonly<Record<string, (trx: Transaction<DB>, timer: Timer, now: number) => Promise<void>>>;
  /** `maintain` / `unmaintain` from Lark (src/bot/ports.ts MaintenancePort). */
  readonly botPort: {
    start(req: { source: string; labels: string[]; duration: string; actor: Actor }): Promise<{ id: number; until: number }>;
    end(source: string, actor: Actor): Promise<number>;
  };
}

export function createMaintenance(deps: {
  db: Kysely<DB>;
  chats: ChatDirectory;
  /** Delivery's and escalation's listeners, in that order. */
  inner: IncidentListener;
  wake: () => void;
  scheduled: (dueAt: number) => void;
  clock: Clock;
  logger: Logger;
}): Maintenance {
  const runs = new Runs({ chats: deps.chats, release: deps.inner, wake: deps.wake, scheduled: deps.scheduled, log: deps.logger.child({ component: 'maintenance' }) });
  const service = new MaintenanceService({ db: deps.db, runs, clock: deps.clock });
  return {
    service,
    listener: new MaintenanceGate(runs, deps.inner, deps.clock),
    timerHandlers: {
      maintenance_start: (trx, timer, now) => fireMaintenanceStart(runs, trx, timer, now),
      maintenance_end: (trx, timer, now) => fireMaintenanceEnd(runs, trx, timer, now),
    },
    botPort: {
      async start(req) {
        const w = await service.create({ source: req.source, labels: req.labels.length ? req.labels : undefined, duration: req.duration }, req.actor);
        return { id: w.id, until: Date.parse(w.end!) };
      },
      end: (source, actor) => service.endSource(source, actor),
    },
  };
}
