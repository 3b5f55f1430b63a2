import type Router from '@koa/router';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { Logger } from '../../log.ts';
import { MemberService } from '../../incident/member-service.ts';
import type { Clock, IncidentListener } from '../../incident/ports.ts';
import { IncidentService } from '../../incident/service.ts';
import { SourceService } from '../../incident/source-service.ts';
import type { DB } from '../../store/schema.ts';
import { adminTokenAuthenticator, type Authenticator } from './auth.ts';
import { incidentsRouter } from './incidents.ts';
import { ingestRouter, type IngestRouterDeps } from './ingest.ts';
import { membersRouter } from './members.ts';
import { sourcesRouter } from './sources.ts';

export interface IncidentModule {
  incidents: IncidentService;
  sources: SourceService;
  members: MemberService;
}

/** The three services over one database, for main.ts and tests. */
export function createIncidentModule(deps: {
  db: Kysely<DB>;
  clock?: Clock;
  listener?: IncidentListener;
  logger?: Logger;
}): IncidentModule {
  return {
    incidents: new IncidentService(deps),
    sources: new SourceService(deps),
    members: new MemberService(deps),
  };
}

export interface ApiRoutersDeps extends IncidentModule {
  config: Pick<Config, 'adminToken'>;
  logger?: Logger;
  clock?: Clock;
  /** Tried after the admin token; the web session authenticator goes here. */
  authenticators?: readonly Authenticator[];
  ingest?: { bodyLimitBytes?: number; maxInFlight?: number };
  /** Alertmanager's Watchdog alert counts as a heartbeat ping (src/alertmanager). */
  heartbeats?: IngestRouterDeps['heartbeats'];
}

/** Routers of alert ingest and the admin API (incidents, sources, members), for createApp({routers}). */
export function createApiRouters(deps: ApiRoutersDeps): Router[] {
  const authenticators = [adminTokenAuthenticator(deps.config.adminToken), ...(deps.authenticators ?? [])];
  return [
    ingestRouter({ incidents: deps.incidents, sources: deps.sources, clock: deps.clock, heartbeats: deps.heartbeats, ...deps.ingest }),
    incidentsRouter({ incidents: deps.incidents, members: deps.members, authenticators }),
    sourcesRouter({ sources: deps.sources, authenticators }),
    membersRouter({ members: deps.members, authenticators }),
  ];
}

export type { Authenticator, Principal } from './auth.ts';
