import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';

// Timeline entries Hark writes itself (via 'auto', actor "Hark"): delivery outcomes, escalation
// steps. The incident service's own entries go through incident-repo.ts insertTimeline.

export async function addHarkEntry(
  db: Kysely<DB>,
  e: { incidentNumber: number; at: number; kind: string; message: string; data?: unknown },
): Promise<void> {
  await db
    .insertInto('timeline')
    .values({
      incident_number: e.incidentNumber,
      at: e.at,
      kind: e.kind,
      via: 'auto',
      actor_id: null,
      actor_name: 'Hark',
      message: e.message,
      data: e.data === undefined || e.data === null ? null : JSON.stringify(e.data),
    })
    .execute();
}

