import type { Kysely } from 'kysely';
import type { Delivery } from '../delivery/index.ts';
import { priorityOf } from '../delivery/dispatch.ts';
import { patchCopy } from '../delivery/listener.ts';
import { enqueueSend } from '../delivery/outbox.ts';
import type { Clock } from '../incident/ports.ts';
import type { Incident } from '../incident/types.ts';
import type { DB } from '../store/schema.ts';
import type { EscalationDelivery } from './ports.ts';

// Escalation's delivery port over src/delivery: private cards through the listener's notifyMember
// (which records "not linked: …" for members who never opened Hark), group cards and card updates
// as outbox rows in the caller's transaction. The worker sends them (leases, uuid, pacing).

export function deliveryEscalationPort(delivery: Pick<Delivery, 'listener' | 'notify'>, clock: Clock): EscalationDelivery {
  return {
    notifyMember: (db, req) =>
      delivery.listener.notifyMember(db, { member: req.member, incidentNumber: req.incidentNumber, urgent: req.urgent ?? null }),
    async notifyChat(db, req) {
      await enqueueSend(
        db,
        {
          subject: 'incident',
          incidentNumber: req.incidentNumber,
          targetType: 'chat_id',
          targetId: req.chatId,
          targetName: req.chatName,
          priority: priorityOf(req.severity, 'send'),
        },
        clock.now(),
      );
    },
    refreshCards: (db, incidentNumber) => refreshCards(db, incidentNumber, clock.now()),
    wake: () => delivery.notify(),
  };
}

/**
 * An update for every live copy of the incident's card (coalesced with any pending one). What
 * changed (the next escalation step) is not a new incident version, so a copy whose click answer
 * showed the current version is no longer up to date either: its mark (fresh_version) is dropped,
 * or the worker would skip redrawing it.
 */
async function refreshCards(db: Kysely<DB>, incidentNumber: number, now: number): Promise<void> {
  await db
    .updateTable('incident_messages')
    .set({ fresh_version: null })
    .where('incident_number', '=', incidentNumber)
    .where('expired_at', 'is', null)
    .where('fresh_version', 'is not', null)
    .execute();
  const copies = await db
    .selectFrom('incident_messages')
    .innerJoin('incidents', 'incidents.number', 'incident_messages.incident_number')
    .select(['incident_messages.message_id', 'incident_messages.target_type', 'incident_messages.target_id', 'incident_messages.target_name', 'incidents.severity'])
    .where('incident_messages.incident_number', '=', incidentNumber)
    .where('incident_messages.expired_at', 'is', null)
    .execute();
  for (const c of copies) await patchCopy(db, incidentNumber, c.severity as Incident['severity'], c, now);
}
