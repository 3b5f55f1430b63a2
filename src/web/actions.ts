import { HarkError } from '../errors.ts';
import type { IncidentService, TransitionResult } from '../incident/service.ts';
import { performOp } from '../incident/ops.ts';
import { canChangeIncidents, INCIDENT_OPS, isIncidentOp, type Actor, type IncidentOp, type Member } from '../incident/types.ts';

export type WebIncidents = Pick<IncidentService, 'ack' | 'unack' | 'snooze' | 'resolve' | 'reopen' | 'get' | 'list'>;

export const WEB_OPS = INCIDENT_OPS;
export type WebOp = IncidentOp;
export const isWebOp = isIncidentOp;

/** Viewers look; responders and admins act (incident/types.ts canChangeIncidents). */
export const canAct = (m: Member): boolean => canChangeIncidents(m.role);

/**
 * One incident action by a logged-in person through the web app, via IncidentService so the
 * timeline says "web" and the delivery listener updates the group cards.
 */
export async function performAction(incidents: WebIncidents, member: Member, op: WebOp, number: number, duration?: string): Promise<TransitionResult> {
  if (!canAct(member)) throw new HarkError('forbidden', 'viewers cannot change incidents; ask an admin to make you a responder');
  const actor: Actor = { id: member.id, name: member.name, via: 'web' };
  return performOp(incidents, op, number, actor, { duration: op === 'snooze' ? duration : undefined });
}

/** War rooms as the web app uses them (src/warroom): find the incident's room, or open it as this member. */
export interface WebWarRooms {
  find(incidentNumber: number): Promise<{ name: string; link: string } | null>;
  open(
    incidentNumber: number,
    asker: { openId: string | null; name: string; memberId: number | null; via: 'web' },
  ): Promise<{ name: string; link: string }>;
}
