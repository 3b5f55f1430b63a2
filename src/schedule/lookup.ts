import type { Kysely } from 'kysely';
import { findSchedule, overridesOf, rosterByEmail, type RosterEntry, type ScheduleRecord } from '../store/schedule-repo.ts';
import type { DB } from '../store/schema.ts';
import { oncallAt, type OnCall } from './engine.ts';
import { layersOf, type ScheduleSpec } from './spec.ts';
import type { ScheduleModel } from './types.ts';

// Reading a stored schedule into the engine's model: shared by the schedule service, escalation
// (who to page when a level targets a schedule) and the handoff notices.

/** The engine's model of a stored schedule with its overrides that end after `from` (and start before `to`). */
export async function loadModel(db: Kysely<DB>, s: ScheduleRecord, from: number, to?: number): Promise<ScheduleModel> {
  const spec = JSON.parse(s.spec) as ScheduleSpec;
  const overrides = await overridesOf(db, Number(s.id), from, to);
  return {
    timeZone: spec.time_zone,
    layers: layersOf(spec),
    overrides: overrides.map((o) => ({ id: Number(o.id), member: o.member_email, start: Number(o.start_at), end: Number(o.end_at), replaces: o.replaces_email })),
  };
}

export interface OnCallPeople {
  readonly schedule: string;
  readonly oncall: OnCall;
  /** Roster entries of those on call now (someone who left the roster is missing here). */
  readonly members: readonly (RosterEntry | { email: string; name: string; id: null; openId: null })[];
}

/** Who is on call in the schedule named `name` at `at`; null when there is no such schedule. */
export async function onCallNow(db: Kysely<DB>, name: string, at: number): Promise<OnCallPeople | null> {
  const s = await findSchedule(db, name);
  if (!s) return null;
  const oncall = oncallAt(await loadModel(db, s, at), at);
  const roster = await rosterByEmail(db, oncall.members);
  return {
    schedule: s.name,
    oncall,
    members: oncall.members.map((email) => roster.get(email) ?? { email, name: email, id: null, openId: null }),
  };
}
