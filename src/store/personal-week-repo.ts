import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';
import type { ScheduleRecord } from './schedule-repo.ts';
import { namesOfNotLinkedNotes } from './timeline-repo.ts';

// What the personal "your week on call" cards read besides the insight rows (README "Insights"):
// the schedules a team owns (their time on call) and the people its incidents of the week could
// not page because they never linked Hark (the timeline's "not linked: …" delivery notes).

/** The schedules a team owns, by name. */
export async function schedulesOfTeam(db: Kysely<DB>, teamId: number): Promise<ScheduleRecord[]> {
  return db.selectFrom('schedules').selectAll().where('team_id', '=', teamId).orderBy('name').execute();
}

/**
 * The names in "not linked: …" notes (data `{member}`) of the team's incidents opened in
 * [from, to), minus anyone of that name who has linked since.
 */
export async function unlinkedPagedOfTeam(db: Kysely<DB>, teamId: number, from: number, to: number): Promise<string[]> {
  const rows = await db
    .selectFrom('timeline')
    .innerJoin('incidents', 'incidents.number', 'timeline.incident_number')
    .innerJoin('sources', 'sources.id', 'incidents.source_id')
    .select('timeline.data')
    .where('sources.team_id', '=', teamId)
    .where('incidents.created_at', '>=', from)
    .where('incidents.created_at', '<', to)
    .where('timeline.kind', '=', 'delivery')
    .where('timeline.message', 'like', 'not linked:%')
    .execute();
  const names = namesOfNotLinkedNotes(rows);
  if (names.size === 0) return [];
  const linked = await db.selectFrom('members').select('name').where('name', 'in', [...names]).where('open_id', 'is not', null).execute();
  for (const l of linked) names.delete(l.name);
  return [...names].sort();
}
