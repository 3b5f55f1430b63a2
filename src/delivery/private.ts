import type { Kysely } from 'kysely';
import type { Severity } from '../incident/types.ts';
import { parseSeverity } from '../incident/severity.ts';
import { severityOf } from '../store/incident-repo.ts';
import { enqueueSend } from '../store/outbox-repo.ts';
import type { DB } from '../store/schema.ts';
import { priorityOf } from './dispatch.ts';
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
  /** Defaults to the incident's page priority (ahead of group traffic), or warning's. */
  priority?: number;
  /** The incident's severity when the caller has it (saves reading it again for the priority). */
  severity?: Severity;
  /** Raise this Lark urgent notice on the card once it is delivered (an escalation level's `urgent`). */
  urgent?: 'app' | 'sms' | 'phone' | null;
}

export type NotifyMemberResult = 'queued' | 'not_linked';

/** Queues the private card, in the caller's transaction; the caller wakes the worker on 'queued'. */
export async function queuePrivateCard(db: Kysely<DB>, req: NotifyMemberRequest, now: number): Promise<NotifyMemberResult> {
  if (!req.member.openId) {
    if (req.incidentNumber != null) {
      await addDeliveryNote(db, req.incidentNumber, now, `not linked: ${req.member.name} has never opened Hark in Lark`, {
        member: req.member.name,
      });
    }
    return 'not_linked';
  }
  let priority = req.priority;
  if (priority === undefined && req.incidentNumber != null) {
    const severity = req.severity ?? parseSeverity((await severityOf(db, req.incidentNumber)) ?? '') ?? 'warning';
    priority = priorityOf(severity, req.card ? 'send' : 'page');
  }
  await enqueueSend(
    db,
    {
      subject: req.card ? 'card' : 'incident',
      incidentNumber: req.incidentNumber ?? null,
      targetType: 'open_id',
      targetId: req.member.openId,
      targetName: req.member.name,
      card: req.card ?? null,
      priority: priority ?? priorityOf('warning', 'send'),
      urgent: req.card ? null : (req.urgent ?? null),
    },
    now,
  );
  return 'queued';
}
