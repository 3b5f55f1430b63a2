// One incident operation (ack, unack, snooze, resolve, reopen) and the sentence that reports it,
// shared by card buttons (actions.ts) and chat commands (commands.ts), so both say the same thing.
import { HarkError } from '../errors.ts';
import { canChangeIncidents, type Member } from '../incident/types.ts';
import { refusalOf, refusalText } from '../teams/access.ts';
import { say, type Text } from './i18n.ts';
import type { IncidentPort, OpRequest, OpResult } from './ports.ts';

export type OpOutcome =
  | { readonly kind: 'done' | 'already'; readonly result: OpResult; readonly text: Text }
  | { readonly kind: 'not_found' | 'conflict' | 'invalid' | 'refused' | 'failed'; readonly text: Text; readonly err?: unknown };

export async function operate(incidents: IncidentPort, req: OpRequest, now: number): Promise<OpOutcome> {
  try {
    const result = await incidents.apply(req);
    if (!result.changed) return { kind: 'already', result, text: say.already(req.op, req.incident, result.by, now) };
    const extra =
      req.op === 'snooze' && result.snoozedUntil !== null
        ? say.snoozeFor(req.duration ?? '', result.snoozedUntil, now)
        : req.op === 'ack' && result.ackedUntil
          ? say.ackUntil(result.ackedUntil, now)
          : null;
    return {
      kind: 'done',
      result,
      text: extra
        ? { en: say.done(req.op, req.incident, req.actor.name, extra.en).en, zh: say.done(req.op, req.incident, req.actor.name, extra.zh).zh }
        : say.done(req.op, req.incident, req.actor.name),
    };
  } catch (err) {
    // Not this person's incident (issue 24): the team and who is on call for it, nothing else.
    const refused = refusalOf(err);
    if (refused) return { kind: 'refused', text: refusalText(refused) };
    if (err instanceof HarkError) {
      if (err.code === 'not_found') return { kind: 'not_found', text: say.noIncident(req.incident) };
      if (err.code === 'conflict') {
        const status = err.reason === 'incident_resolved' ? 'resolved' : 'open';
        return { kind: 'conflict', text: say.conflict(req.op, req.incident, status, err.message) };
      }
      if (err.code === 'invalid') return { kind: 'invalid', text: say.invalid(err.message) };
    }
    return { kind: 'failed', text: say.failed(), err };
  }
}

/** Who may do what (README "Concepts", Member): viewers look, responders and admins act, admins manage groups. */
export type Permission = 'change_incident' | 'manage_chat';

export type Authorization =
  | { readonly ok: true; readonly member: Member }
  | { readonly ok: false; readonly why: 'unlinked' | 'viewer' | 'not_admin'; readonly member: Member | null };

export function authorize(member: Member | null, need: Permission): Authorization {
  if (!member) return { ok: false, why: 'unlinked', member: null };
  if (need === 'manage_chat') return member.role === 'admin' ? { ok: true, member } : { ok: false, why: 'not_admin', member };
  return canChangeIncidents(member.role) ? { ok: true, member } : { ok: false, why: 'viewer', member };
}

export const refusal = (why: 'unlinked' | 'viewer' | 'not_admin'): Text =>
  why === 'unlinked' ? say.notLinked() : why === 'viewer' ? say.viewer() : say.notAdmin();

export { isIncidentOp } from '../incident/types.ts';
