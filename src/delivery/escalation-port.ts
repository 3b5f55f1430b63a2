import type { EscalationDelivery } from '../escalation/ports.ts';
import type { Clock } from '../incident/ports.ts';
import { chatsWithCard } from '../store/card-repo.ts';
import { refreshAllCopies } from './copies.ts';
import { priorityOf } from './dispatch.ts';
import { enqueueFeedCard, insertUrgent, UNSEEN_SUBJECT } from '../store/outbox-repo.ts';
import type { DeliveryListener } from './listener.ts';
import type { Sending } from './outbound.ts';

// Escalation's port into delivery: private cards through the listener's notifyMember (which
// records "not linked: …" for members who never opened Hark), group cards and card updates as
// outbox rows in the caller's transaction. The worker sends them (leases, uuid, pacing).
// Escalation never reads delivery's tables; it asks here.

export function deliveryEscalationPort(delivery: { listener: Pick<DeliveryListener, 'notifyMember'>; notify(): void; outbox: Sending }, clock: Clock): EscalationDelivery {
  return {
    notifyMember: (db, req) =>
      delivery.listener.notifyMember(db, { member: req.member, incidentNumber: req.incidentNumber, severity: req.severity, urgent: req.urgent ?? null }),
    privateCard: (db, req) => delivery.listener.notifyMember(db, { member: req.member, incidentNumber: req.incidentNumber, card: req.card }),
    async notifyChat(db, req) {
      await delivery.outbox.send(db, { to: { type: 'chat_id', id: req.chatId, name: req.chatName }, kind: 'incident', incident: req.incidentNumber, severity: req.severity });
    },
    async chatHasCard(db, incidentNumber, chatId) {
      return (await chatsWithCard(db, incidentNumber, { chatId })).has(chatId);
    },
    refreshCards: (db, incidentNumber) => refreshAllCopies(db, incidentNumber, clock.now()),
    wake: () => delivery.notify(),
    async feedCard(db, req) {
      await enqueueFeedCard(db, { ...req, priority: priorityOf('info', 'send') }, clock.now());
    },
    async buzz(db, req) {
      const send = { incident_number: req.incidentNumber, target_id: req.openId, target_name: req.name, priority: priorityOf(req.severity, 'page'), urgent: req.kind };
      await insertUrgent(db, send, req.messageId, clock.now(), UNSEEN_SUBJECT);
    },
  };
}
