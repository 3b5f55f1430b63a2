import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';
import { fixedLimit } from './prepared.ts';

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


/** Whether the incident's timeline has an entry of this kind (a sentence said once per incident). */
export async function hasTimelineKind(db: Kysely<DB>, incidentNumber: number, kind: string): Promise<boolean> {
  const r = await db.selectFrom('timeline').select('id').where('incident_number', '=', incidentNumber).where('kind', '=', kind).limit(fixedLimit(1)).executeTakeFirst();
  return r !== undefined;
}
