import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';
import { fixedLimit, param, prepare } from './prepared.ts';
import { keep } from './write-batch.ts';

// Timeline entries Hark writes itself (via 'auto', actor "Hark"): delivery outcomes, escalation
// steps. The incident service's own entries go through incident-repo.ts insertTimeline.

export async function addHarkEntry(
  db: Kysely<DB>,
  e: { incidentNumber: number; at: number; kind: string; message: string; data?: unknown },
): Promise<void> {
  // Every escalation step writes one (a thousand steps falling due at once): prepared.
  const data = e.data === undefined || e.data === null ? null : JSON.stringify(e.data);
  // In a group of timers fired together, written with the group's others (write-batch.ts).
  if (keep(db, 'timeline', harkEntryRow({ incidentNumber: e.incidentNumber, at: e.at, kind: e.kind, message: e.message, data }))) return;
  await insertHarkEntry.execute(db, { incidentNumber: e.incidentNumber, at: e.at, kind: e.kind, message: e.message, data });
}

const insertHarkEntry = prepare(
  'a timeline entry by Hark',
  { incidentNumber: param<number>(), at: param<number>(), kind: param<string>(), message: param<string>(), data: param<string | null>() },
  (db, p) => db.insertInto('timeline').values(harkEntryRow(p)),
);

function harkEntryRow(p: { incidentNumber: number; at: number; kind: string; message: string; data: string | null }) {
  return { incident_number: p.incidentNumber, at: p.at, kind: p.kind, via: 'auto', actor_id: null, actor_name: 'Hark', message: p.message, data: p.data };
}

/** Whether the incident's timeline has an entry of this kind (a sentence said once per incident). */
export async function hasTimelineKind(db: Kysely<DB>, incidentNumber: number, kind: string): Promise<boolean> {
  const r = await db.selectFrom('timeline').select('id').where('incident_number', '=', incidentNumber).where('kind', '=', kind).limit(fixedLimit(1)).executeTakeFirst();
  return r !== undefined;
}

/** The members named by "not linked: …" delivery notes (their data holds `member`). */
export function namesOfNotLinkedNotes(rows: readonly { data: string | null }[]): Set<string> {
  const names = new Set<string>();
  for (const r of rows) {
    try {
      const m = (JSON.parse(r.data ?? '{}') as { member?: unknown }).member;
      if (typeof m === 'string' && m) names.add(m);
    } catch {
      // a note without data names nobody
    }
  }
  return names;
}
