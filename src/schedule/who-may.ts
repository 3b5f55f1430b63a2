// Who may take over a schedule (issue 29), in one place for every way in (the card button, the web
// app, "finish what you started" after linking). Teams do not exist yet: when they come, the team
// rule ("the schedule's team may take it over") is added here.
import type { Member } from '../incident/types.ts';
import type { ScheduleSpec } from './spec.ts';

/** The people on the schedule (any layer) and admins. */
export function mayTakeOver(person: Pick<Member, 'email' | 'role'>, spec: ScheduleSpec): boolean {
  if (person.role === 'admin') return true;
  if (person.role === 'viewer' || !person.email) return false;
  const email = person.email.toLowerCase();
  return spec.layers.some((l) => l.members.some((m) => m.toLowerCase() === email));
}
