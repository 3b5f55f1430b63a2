import type Router from '@koa/router';
import type { Kysely } from 'kysely';
import type { Logger } from '../../log.ts';
import type { Clock } from '../../incident/ports.ts';
import type { IncidentModule } from '../../incident/module.ts';
import type { SourceSetting } from '../../incident/source-setting.ts';
import type { DB } from '../../store/schema.ts';
import type { CallbackOptions } from '../../lark/http-callback.ts';
import type { ChatDirectory } from '../../delivery/chats.ts';
import type { Web } from '../../web/index.ts';
import type { Authenticator } from './auth.ts';
import type { IngestService } from '../../ingest/service.ts';
import { chatsRouter } from './chats.ts';
import { createLarkCallbackRouter } from './lark-callback.ts';
import { escalationRouter } from './escalation.ts';
import { webRouters } from './web.ts';
import { pagingRouter } from './paging.ts';
import type { Paging } from '../../paging/index.ts';
import { incidentsRouter } from './incidents.ts';
import { ingestRouter, type IngestRouterDeps } from './ingest.ts';
import { membersRouter } from './members.ts';
import { sourcesRouter } from './sources.ts';
import { calendarRouter } from './calendar.ts';
import { schedulesRouter } from './schedules.ts';
import { createSchedulePageRouter, webTakeOver } from './web-schedules.ts';
import type { ScheduleService } from '../../schedule/service.ts';
import type { SharedState } from '../../state/index.ts';
import { sourceSettingsRouter } from './source-settings.ts';
import { warRoomRouter } from './war-room.ts';
import { findSourceByName } from '../../store/source-repo.ts';
import type { WarRooms } from '../../warroom/index.ts';
import { alertmanagerRouter } from './alertmanager.ts';
import type { HeartbeatService } from '../../alertmanager/heartbeats.ts';
import type { SilenceService } from '../../alertmanager/silences.ts';
import type { MaintenanceService } from '../../maintenance/service.ts';
import { maintenanceRouter } from './maintenance.ts';
import type { TokenService } from '../../teams/tokens.ts';
import { teamsRouter, tokensRouter } from './tokens.ts';
import { createTeamPageRouter } from './web-teams.ts';
import { configRouter } from './config.ts';
import type { ConfigService } from '../../config-file/service.ts';
import { pagesOf } from '../../store/page-repo.ts';
import { declareIncident } from '../../incident/declare.ts';
import type { Severity } from '../../incident/types.ts';
import { findTeamByName, sourcesOfTeam } from '../../store/team-repo.ts';
import type { Insights } from '../../insights/index.ts';
import { insightsRouter } from './insights.ts';
import { createInsightsPageRouter } from './web-insights.ts';

export type { IncidentModule } from '../../incident/module.ts';

/** What the ingest routes take besides the service: request bounds (README "Ingest limits"). */
export type IngestLimits = Omit<IngestRouterDeps, 'ingest' | 'sources'>;

export interface HarkRoutersDeps {
  services: IncidentModule;
  chats: ChatDirectory;
  web: Web;
  /** The escalation policy routes' database. */
  db: Kysely<DB>;
  clock: Clock;
  /** The admin API's authenticators, assembled once (admin token, then web session). */
  authenticators: readonly Authenticator[];
  /** HTTP callback mode only (null in long-connection mode): Lark's events and card callbacks. */
  larkCallback: CallbackOptions | null;
  /** War rooms: POST /api/v1/incidents/:number/room and the `war_room` source setting. */
  warRooms: Pick<WarRooms, 'service'>;
  /** Alert payloads → heartbeat pings and incidents (src/ingest/service.ts). */
  ingestService: IngestService;
  ingest: IngestLimits;
  /** On-call schedules: their API, the iCal feeds and the /h5/schedules page. */
  schedules: { service: ScheduleService; publicUrl: string; state: SharedState; logger: Logger };
  /** Escalate now and notes (issue 14): POST /api/v1/incidents/:number/{escalate,notes}, the web app's notes. */
  paging: Paging;
  /** Silences and heartbeats (src/alertmanager). */
  alertmanager: { silences: SilenceService; heartbeats: HeartbeatService };
  /** Maintenance windows: POST/GET /api/v1/maintenance, DELETE /api/v1/maintenance/:id. */
  maintenance: MaintenanceService;
  /** Insights (issue 27): GET /api/v1/insights and /api/v1/insights.csv. */
  insights: Insights;
  /** PATCH /api/v1/sources/:name: each feature's keys, collected by buildHark. */
  sourceSettings: readonly SourceSetting<any>[];
  /** Teams (issue 24): the scoped API tokens' routes, GET /api/v1/teams and the team page. */
  teams: { tokens: TokenService; oncall: (schedule: string) => Promise<{ members: string[]; until: string | null }> };
  /** The configuration file over HTTP: POST /api/v1/config/plan|apply. */
  configFile: ConfigService;
}

/** Every router Hark serves, for createApp({routers}). Only src/http builds routers. */
export function createRouters(deps: HarkRoutersDeps): Router[] {
  const { authenticators } = deps;
  const { incidents, sources, members } = deps.services;
  const { service: schedules, publicUrl, state, logger } = deps.schedules;
  const { clock } = deps;
  const { auth, templates, sessionSecret } = deps.web;
  return [
    // First: alert ingest is most of the traffic, and no other router serves its paths.
    ingestRouter({ ingest: deps.ingestService, sources, ...deps.ingest }),
    // Before the generic POST /api/v1/incidents/:number/:action route, which would claim "room".
    warRoomRouter({ warRooms: deps.warRooms.service, authenticators }),
    // PATCH /api/v1/sources/:name: each feature owns its keys (Alertmanager's first: its checks need the source's kind).
    sourceSettingsRouter({ settings: deps.sourceSettings, findSource: (name) => findSourceByName(deps.db, name), authenticators, db: deps.db }),
    // Before the incidents router: it refuses /incidents/:number/silence as an unknown action.
    alertmanagerRouter({ db: deps.db, ...deps.alertmanager, sources, members, authenticators }),
    incidentsRouter({
      incidents,
      members,
      sources,
      authenticators,
      db: deps.db,
      pages: (n) => pagesOf(deps.db, n),
      teamSources: async (name) => {
        const team = await findTeamByName(deps.db, name);
        return team ? sourcesOfTeam(deps.db, team.id) : null;
      },
    }),
    sourcesRouter({ sources, authenticators, db: deps.db }),
    membersRouter({ members, authenticators }),
    chatsRouter({ chats: deps.chats, authenticators, db: deps.db }),
    maintenanceRouter({ maintenance: deps.maintenance, authenticators, db: deps.db }),
    tokensRouter({ tokens: deps.teams.tokens, authenticators }),
    teamsRouter({ db: deps.db, authenticators, oncall: deps.teams.oncall }),
    escalationRouter({ db: deps.db, authenticators }),
    insightsRouter({ insights: deps.insights, authenticators }),
    configRouter({ config: deps.configFile, authenticators }),
    pagingRouter({ paging: deps.paging, authenticators, members }),
    ...webRouters(deps.web, deps.chats, authenticators, webTakeOver(schedules), deps.paging, {
      sources: async () => (await sources.list()).map((src) => src.name),
      open: async (source, req) => declareIncident(incidents, await sources.byName(source), { ...req, severity: req.severity as Severity | null }),
    }),
    schedulesRouter({ schedules, authenticators }),
    calendarRouter({ db: deps.db, schedules, clock, publicUrl: publicUrl.replace(/\/+$/, ''), state, logger }),
    createSchedulePageRouter({ schedules, auth, templates, clock, sessionSecret }),
    createTeamPageRouter({ db: deps.db, tokens: deps.teams.tokens, oncall: deps.teams.oncall, auth, templates, clock, sessionSecret }),
    createInsightsPageRouter({ db: deps.db, insights: deps.insights, auth, templates }),
    ...(deps.larkCallback ? [createLarkCallbackRouter(deps.larkCallback)] : []),
  ];
}

export type { Authenticator, Principal } from './auth.ts';
