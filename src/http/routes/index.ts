import type Router from '@koa/router';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { Logger } from '../../log.ts';
import { MemberService } from '../../incident/member-service.ts';
import type { Clock, IncidentListener } from '../../incident/ports.ts';
import { IncidentService } from '../../incident/service.ts';
import { SourceService } from '../../incident/source-service.ts';
import type { DB } from '../../store/schema.ts';
import { incidentStore } from '../../store/incident-store.ts';
import type { CallbackOptions } from '../../lark/http-callback.ts';
import type { ChatDirectory } from '../../store/chat-repo.ts';
import type { Web } from '../../web/index.ts';
import { adminTokenAuthenticator, type Authenticator } from './auth.ts';
import { chatsRouter } from './chats.ts';
import { createLarkCallbackRouter } from './lark-callback.ts';
import { escalationRouter } from './escalation.ts';
import { webRouters } from './web.ts';
import { incidentsRouter } from './incidents.ts';
import { ingestRouter } from './ingest.ts';
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
  const withRepo = { ...deps, repo: incidentStore };
  return {
    incidents: new IncidentService(withRepo),
    sources: new SourceService(withRepo),
    members: new MemberService(withRepo),
  };
}

export interface ApiRoutersDeps extends IncidentModule {
  config: Pick<Config, 'adminToken'>;
  logger?: Logger;
  clock?: Clock;
  /** Tried after the admin token; the web session authenticator goes here. */
  authenticators?: readonly Authenticator[];
  ingest?: { bodyLimitBytes?: number; maxInFlight?: number; maxInFlightPerSource?: number; bodyTimeoutMs?: number };
}

/** Routers of alert ingest and the admin API (incidents, sources, members), for createApp({routers}). */
export function createApiRouters(deps: ApiRoutersDeps): Router[] {
  return apiRouters({ ...deps, authenticators: [adminTokenAuthenticator(deps.config.adminToken), ...(deps.authenticators ?? [])] });
}

function apiRouters(deps: IncidentModule & { clock?: Clock; authenticators: readonly Authenticator[]; ingest?: ApiRoutersDeps['ingest'] }): Router[] {
  const { authenticators } = deps;
  return [
    ingestRouter({ incidents: deps.incidents, sources: deps.sources, clock: deps.clock, ...deps.ingest }),
    incidentsRouter({ incidents: deps.incidents, members: deps.members, authenticators }),
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
  ingest?: ApiRoutersDeps['ingest'];
}

/** Every router Hark serves, for createApp({routers}). Only src/http builds routers. */
export function createRouters(deps: HarkRoutersDeps): Router[] {
  const { authenticators } = deps;
  const routers = [
    ...apiRouters({ ...deps.services, clock: deps.clock, authenticators, ingest: deps.ingest }),
    chatsRouter({ chats: deps.chats, authenticators }),
    escalationRouter({ db: deps.db, authenticators }),
    ...webRouters(deps.web, deps.chats, authenticators),
  ];
  if (deps.larkCallback) routers.push(createLarkCallbackRouter(deps.larkCallback));
  return routers;
}

export type { Authenticator, Principal } from './auth.ts';
