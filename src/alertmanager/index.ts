import type Router from '@koa/router';
import type { Kysely } from 'kysely';
import { alertmanagerRouter } from '../http/routes/alertmanager.ts';
import type { Authenticator } from '../http/routes/auth.ts';
import type { MemberService } from '../incident/member-service.ts';
import type { Clock } from '../incident/ports.ts';
import type { IncidentService } from '../incident/service.ts';
import type { Logger } from '../log.ts';
import type { DB } from '../store/schema.ts';
import { AlertmanagerClient } from './client.ts';
import { HeartbeatService } from './heartbeats.ts';
import { SilenceService, type CardRefresher } from './silences.ts';

// Alertmanager both ways (issue 16): silences from Lark, heartbeats that page when monitoring goes
// quiet. main.ts builds this after the incident services; escalation's scanner fires the
// heartbeat timers (createEscalation({heartbeats})).

export { AlertmanagerClient, AlertmanagerError } from './client.ts';
export { HeartbeatService } from './heartbeats.ts';
export { SilenceService, parseSilenceDuration } from './silences.ts';
export { canSilence } from './silenceable.ts';
export { splitWatchdog, HEARTBEAT_GROUP_KEY } from './heartbeat-alert.ts';

export interface AlertmanagerDeps {
  db: Kysely<DB>;
  incidents: () => Pick<IncidentService, 'ingest'>;
  members: MemberService;
  /** Redraws card copies after a silence: escalation's delivery port does (refreshCards + wake). */
  cards: CardRefresher;
  publicUrl: string;
  /** Deadline of each Alertmanager call (config HARK_ALERTMANAGER_TIMEOUT_MS). */
  timeoutMs: number;
  clock?: Clock;
  logger?: Logger;
  /** The timer scanner's poke: a heartbeat check or silence end scheduled here wakes it then. */
  scheduled?: (dueAt: number) => void;
  authenticators?: readonly Authenticator[];
}

export interface Alertmanager {
  readonly silences: SilenceService;
  readonly heartbeats: HeartbeatService;
  /** Mount before createApiRouters' incidents router (see src/http/routes/alertmanager.ts). */
  readonly routers: Router[];
}

export function createAlertmanager(deps: AlertmanagerDeps): Alertmanager {
  const silences = new SilenceService({
    db: deps.db,
    client: new AlertmanagerClient(deps.timeoutMs),
    cards: deps.cards,
    publicUrl: deps.publicUrl,
    clock: deps.clock,
    logger: deps.logger,
    scheduled: deps.scheduled,
  });
  const heartbeats = new HeartbeatService({ db: deps.db, incidents: deps.incidents, clock: deps.clock, logger: deps.logger, scheduled: deps.scheduled });
  const routers = deps.authenticators
    ? [alertmanagerRouter({ db: deps.db, silences, heartbeats, members: deps.members, authenticators: deps.authenticators })]
    : [];
  return { silences, heartbeats, routers };
}
