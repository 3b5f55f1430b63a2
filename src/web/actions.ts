import { HarkError } from '../errors.ts';
import type { IncidentService, TransitionResult } from '../incident/service.ts';
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
  switch (op) {
    case 'ack':
      return incidents.ack(number, actor);
    case 'unack':
      return incidents.unack(number, actor);
    case 'snooze':
      return incidents.snooze(number, duration ?? '', actor);
    case 'resolve':
      return incidents.resolve(number, actor);
    case 'reopen':
      return incidents.reopen(number, actor);
  }
}
