import { isPostgresDb, isRetryableConflict, isTransientDbError, isUniqueViolation } from './db-errors.ts';
import * as incidentRepo from './incident-repo.ts';
import { findMemberByEmail, insertMember, listMembers } from './member-repo.ts';
import { groupChangesSince, lastOfGroup, setFlapping, setSourceNoise, sourceNoise } from './noise-repo.ts';
import { findSourceById, findSourceByName, findSourceByTokenHash, insertSource, listSources } from './source-repo.ts';

// What the incident services (src/incident) need of the database, as one object the composition
// root passes in: src/incident depends on this type only, never on the store at run time.
export const incidentStore = {
  ...incidentRepo,
  findSourceById,
  findSourceByName,
  findSourceByTokenHash,
  insertSource,
  listSources,
  findMemberByEmail,
  insertMember,
  listMembers,
  lastOfGroup,
  groupChangesSince,
  setFlapping,
  sourceNoise,
  setSourceNoise,
  isPostgresDb,
  isRetryableConflict,
  isTransientDbError,
  isUniqueViolation,
};

export type IncidentStore = typeof incidentStore;
export type { NewTimelineEntry } from './incident-repo.ts';
