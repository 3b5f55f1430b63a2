import type { Kysely } from 'kysely';
import type { Actor } from '../incident/types.ts';
import type { Clock } from '../incident/ports.ts';
import type { IncidentService } from '../incident/service.ts';
import type { Logger } from '../log.ts';
import type { DB } from '../store/schema.ts';
import type { TimerPort } from '../timers/registry.ts';
import { AlertmanagerClient } from './client.ts';
import { HeartbeatService } from './heartbeats.ts';
import { SilenceService, type CardRefresher } from './silences.ts';

// Alertmanager both ways (issue 16): silences from Lark, heartbeats that page when monitoring goes
// quiet. src/app.ts builds this after the incident services; a heartbeat's check and a silence's
// end are durable timers (kinds `heartbeat` and `silence_end`, registered here on src/timers/), and
// the routers use both services (src/http/routes/alertmanager.ts).

export { AlertmanagerClient, AlertmanagerError } from './client.ts';
export { HeartbeatService } from './heartbeats.ts';
export { SilenceService, parseSilenceDuration } from './silences.ts';
export { canSilence } from './silenceable.ts';
export { splitWatchdog, HEARTBEAT_GROUP_KEY } from './heartbeat-alert.ts';

export interface AlertmanagerDeps {
  db: Kysely<DB>;
  incidents: Pick<IncidentService, 'ingest'>;
  /** Redraws card copies after a silence: delivery's escalation port does (refreshCards + wake). */
  cards: CardRefresher;
  publicUrl: string;
  /** Deadline of each Alertmanager call (config HARK_ALERTMANAGER_TIMEOUT_MS). */
  timeoutMs: number;
  clock: Clock;
  logger: Logger;
  /** The timer engine: heartbeat checks and silence ends register their kinds on it. */
  timers: TimerPort;
  /** Tests scale heartbeat minutes down (default 60 000 ms). */
  heartbeatMinuteMs?: number;
  /** Who may act on an incident (issue 24, src/teams/access.ts): asked before a person's silence. */
  mayAct: (actor: Actor, incidentNumber: number) => Promise<void>;
}

export interface Alertmanager {
  readonly silences: SilenceService;
  readonly heartbeats: HeartbeatService;
}

export function createAlertmanager(deps: AlertmanagerDeps): Alertmanager {
  const silences = new SilenceService({
    db: deps.db,
    client: new AlertmanagerClient(deps.timeoutMs),
    cards: deps.cards,
    publicUrl: deps.publicUrl,
    clock: deps.clock,
    logger: deps.logger,
    scheduled: deps.timers.scheduled,
    mayAct: deps.mayAct,
  });
  const heartbeats = new HeartbeatService({ db: deps.db, incidents: deps.incidents, clock: deps.clock, logger: deps.logger, scheduled: deps.timers.scheduled, minuteMs: deps.heartbeatMinuteMs });
  deps.timers.register('heartbeat', (trx, timer, now) => heartbeats.fire(trx, timer, now));
  deps.timers.register('silence_end', (trx, timer, now) => silences.endSilence(trx, Number(timer.incident_number), now));
  return { silences, heartbeats };
}
