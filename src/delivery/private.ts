import type { Kysely } from 'kysely';
import type { Severity } from '../incident/types.ts';
import { parseSeverity } from '../incident/severity.ts';
import { severityOf } from '../store/incident-repo.ts';
import type { DB } from '../store/schema.ts';
import type { Sending } from './outbound.ts';
import { addDeliveryNote } from './timeline.ts';

// Cards sent to one person privately (escalation, the link card): through the outbox like every
// other card. A member who never linked a Lark identity gets a timeline sentence instead.

export interface MemberTarget {
  /** Member name, for timeline sentences. */
  name: string;
  /** Lark open_id once linked; null means never linked. */
  openId: string | null;
}

export interface NotifyMemberRequest {
  member: MemberTarget;
  /** The incident this message is about: its timeline records the outcome. */
  incidentNumber?: number | null;
  /** A card to send as is (e.g. the link card); omitted: the incident's live card, kept up to date. */
  card?: object | null;
  /** The incident's severity when the caller has it (saves reading it again for the priority). */
  severity?: Severity;
  /** Raise this Lark urgent notice on the card once it is delivered (an escalation level's `urgent`). */
  urgent?: 'app' | 'sms' | 'phone' | null;
}

export type NotifyMemberResult = 'queued' | 'not_linked';

/** Queues the private card in the caller's transaction (the outbox wakes the worker). */
export async function queuePrivateCard(db: Kysely<DB>, req: NotifyMemberRequest, now: number, outbox: Sending): Promise<NotifyMemberResult> {
  if (!req.member.openId) {
    if (req.incidentNumber != null) {
      await addDeliveryNote(db, req.incidentNumber, now, `not linked: ${req.member.name} has never opened Hark in Lark`, {
        member: req.member.name,
      });
    }
    return 'not_linked';
  }
  // A card given as is is personal; the incident's own card to a person is a page (pages first).
  const severity = req.incidentNumber != null ? (req.severity ?? parseSeverity((await severityOf(db, req.incidentNumber)) ?? '') ?? 'warning') : 'warning';
  await outbox.send(db, {
    to: { type: 'open_id', id: req.member.openId, name: req.member.name },
    kind: req.card ? 'personal' : 'page',
    incident: req.incidentNumber ?? null,
    card: req.card ?? null,
    severity,
    urgent: req.urgent ?? null,
  });
  return 'queued';
}
