import type Router from '@koa/router';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { Logger } from '../../log.ts';
import type { Clock } from '../../incident/ports.ts';
import type { IncidentModule } from '../../incident/module.ts';
import type { SourceSetting } from '../../incident/source-setting.ts';
import type { DB } from '../../store/schema.ts';
import type { CallbackOptions } from '../../lark/http-callback.ts';
import type { ChatDirectory } from '../../store/chat-repo.ts';
import type { Web } from '../../web/index.ts';
import { adminTokenAuthenticator, type Authenticator } from './auth.ts';
import { chatsRouter } from './chats.ts';
import { createLarkCallbackRouter } from './lark-callback.ts';
import { escalationRouter } from './escalation.ts';
import { webRouters } from './web.ts';
import { pagingRouter } from './paging.ts';
import type { Paging } from '../../escalation/paging.ts';
import { incidentsRouter } from './incidents.ts';
import { ingestRouter, type IngestRouterDeps } from './ingest.ts';
import { membersRouter } from './members.ts';
import { sourcesRouter } from './sources.ts';
import { calendarRouter } from './calendar.ts';
import { schedulesRouter } from './schedules.ts';
import { createSchedulePageRouter, webTakeOver } from './web-schedules.ts';
import type { ScheduleService } from '../../schedule/service.ts';
import type { SharedState } from '../../state/index.ts';
import { systemClock } from '../../incident/ports.ts';
import { sourceSettingsRouter } from './source-settings.ts';
import { warRoomRouter } from './war-room.ts';
import { findSourceByName } from '../../store/source-repo.ts';
import type { WarRooms } from '../../warroom/index.ts';
import { alertmanagerRouter } from './alertmanager.ts';
import type { HeartbeatService } from '../../alertmanager/heartbeats.ts';
import type { SilenceService } from '../../alertmanager/silences.ts';
import type { MaintenanceService } from '../../maintenance/service.ts';
import { maintenanceRouter } from './maintenance.ts';
import type { Insights } from '../../insights/index.ts';
import { insightsRouter } from './insights.ts';

export type { IncidentModule } from '../../incident/module.ts';

export interface ApiRoutersDeps extends IncidentModule {
  config: Pick<Config, 'adminToken'>;
  logger?: Logger;
  clock?: Clock;
  /** Tried after the admin token; the web session authenticator goes here. */
  authenticators?: readonly Authenticator[];
  ingest?: { bodyLimitBytes?: number; maxInFlight?: number; maxInFlightPerSource?: number; bodyTimeoutMs?: number };
  /** Alertmanager's Watchdog alert counts as a heartbeat ping (src/alertmanager). */
  heartbeats?: IngestRouterDeps['heartbeats'];
}

/** Routers of alert ingest and the admin API (incidents, sources, members), for createApp({routers}). */
export function createApiRouters(deps: ApiRoutersDeps): Router[] {
  return apiRouters({ ...deps, authenticators: [adminTokenAuthenticator(deps.config.adminToken), ...(deps.authenticators ?? [])] });
}

function apiRouters(
  deps: IncidentModule & { clock?: Clock; authenticators: readonly Authenticator[]; ingest?: ApiRoutersDeps['ingest']; heartbeats?: ApiRoutersDeps['heartbeats'] },
): Router[] {
  const { authenticators } = deps;
  return [
    ingestRouter({ incidents: deps.incidents, sources: deps.sources, clock: deps.clock, heartbeats: deps.heartbeats, ...deps.ingest }),
    incidentsRouter({ incidents: deps.incidents, members: deps.members, sources: deps.sources, authenticators }),
    sourcesRouter({ sources: deps.sources, authenticators }),
    membersRouter({ members: deps.members, authenticators }),
  ];
}

export interface HarkRoutersDeps {
  services: IncidentModule;
  chats: ChatDirectory;
  web: Web;
  /** The escalation policy routes' database. */
  db: Kysely<DB>;
  clock?: Clock;
  /** The admin API's authenticators, assembled once (admin token, then web session). */
  authenticators: readonly Authenticator[];
  /** HTTP callback mode only: Lark's events and card callbacks. */
  larkCallback?: CallbackOptions | null;
  /** War rooms: POST /api/v1/incidents/:number/room and the `war_room` source setting. */
  warRooms?: Pick<WarRooms, 'service'>;
  ingest?: ApiRoutersDeps['ingest'];
  /** On-call schedules: their API, the iCal feeds and the /h5/schedules page. */
  schedules?: { service: ScheduleService; publicUrl: string; state?: SharedState; logger?: Logger } | null;
  /** Escalate now and notes (issue 14): POST /api/v1/incidents/:number/{escalate,notes}, the web app's notes. */
  paging?: Paging;
  /** Silences and heartbeats (src/alertmanager). */
  alertmanager?: { silences: SilenceService; heartbeats: HeartbeatService };
  /** Maintenance windows: POST/GET /api/v1/maintenance, DELETE /api/v1/maintenance/:id. */
  maintenance?: MaintenanceService;
  /** Insights (issue 27): GET /api/v1/insights and /api/v1/insights.csv. */
  insights?: Insights;
  /** PATCH /api/v1/sources/:name: each feature's keys, collected by buildHark. */
  sourceSettings?: readonly SourceSetting<any>[];
}

/** Every router Hark serves, for createApp({routers}). Only src/http builds routers. */
export function createRouters(deps: HarkRoutersDeps): Router[] {
  const { authenticators } = deps;
  const am = deps.alertmanager;
  const sourceSettings = deps.sourceSettings ?? [];
  const routers = [
    // Before the generic POST /api/v1/incidents/:number/:action route, which would claim "room".
    ...(deps.warRooms ? [warRoomRouter({ warRooms: deps.warRooms.service, authenticators })] : []),
    // PATCH /api/v1/sources/:name: each feature owns its keys (Alertmanager's first: its checks need the source's kind).
    ...(sourceSettings.length
      ? [sourceSettingsRouter({ settings: sourceSettings, findSource: (name) => findSourceByName(deps.db, name), authenticators })]
      : []),
    // Before the incidents router: it refuses /incidents/:number/silence as an unknown action.
    ...(am ? [alertmanagerRouter({ db: deps.db, ...am, members: deps.services.members, authenticators })] : []),
    ...apiRouters({ ...deps.services, clock: deps.clock, authenticators, ingest: deps.ingest, heartbeats: am?.heartbeats }),
    chatsRouter({ chats: deps.chats, authenticators }),
    ...(deps.maintenance ? [maintenanceRouter({ maintenance: deps.maintenance, authenticators })] : []),
    escalationRouter({ db: deps.db, authenticators }),
    ...(deps.insights ? [insightsRouter({ insights: deps.insights, authenticators })] : []),
    ...(deps.paging
      ? [pagingRouter({ paging: deps.paging, authenticators, actorByEmail: (email) => deps.services.members.actorByEmail(email, 'api') })]
      : []),
    ...webRouters(deps.web, deps.chats, authenticators, deps.schedules ? webTakeOver(deps.schedules.service) : undefined, deps.paging),
  ];
  if (deps.schedules) {
    const { service, publicUrl, state, logger } = deps.schedules;
    const clock = deps.clock ?? systemClock;
    routers.push(
      schedulesRouter({ schedules: service, authenticators }),
      calendarRouter({ db: deps.db, schedules: service, clock, publicUrl: publicUrl.replace(/\/+$/, ''), state, logger }),
      createSchedulePageRouter({ schedules: service, auth: deps.web.auth, templates: deps.web.templates, clock, sessionSecret: deps.web.sessionSecret }),
    );
  }
  if (deps.larkCallback) routers.push(createLarkCallbackRouter(deps.larkCallback));
  return routers;
}

export type { Authenticator, Principal } from './auth.ts';
