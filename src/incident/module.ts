import type { Kysely } from 'kysely';
import type { Logger } from '../log.ts';
import type { DB } from '../store/schema.ts';
import type { IncidentStore } from '../store/incident-store.ts';
import { MemberService } from './member-service.ts';
import type { Clock, IncidentListener } from './ports.ts';
import type { Actor } from './types.ts';
import { IncidentService } from './service.ts';
import { SourceService } from './source-service.ts';

// The incident domain's three services over one database, built by the composition root
// (src/app.ts buildHark), which hands in the repository (src/store/incident-store.ts).

export interface IncidentModule {
  incidents: IncidentService;
  sources: SourceService;
  members: MemberService;
}

export function createIncidentModule(deps: {
  db: Kysely<DB>;
  repo: IncidentStore;
  clock?: Clock;
  listener?: IncidentListener;
  logger?: Logger;
  /** An acknowledgement's default time box on a source (issue 25: the escalation policy's ack_timeout). */
  ackTimeoutOf?: (db: Kysely<DB>, sourceId: number) => Promise<number | null>;
  /** Who may act on an incident (issue 24, src/teams/access.ts). */
  mayAct: (actor: Actor, incidentNumber: number) => Promise<void>;
}): IncidentModule {
  return {
    incidents: new IncidentService(deps),
    sources: new SourceService(deps),
    members: new MemberService(deps),
  };
}
