import type { Kysely } from 'kysely';
import type { LarkApiError, LarkApi } from '../lark/client.ts';
import type { DB } from '../store/schema.ts';
import { insertUrgent, markDone, markStopped, UNSEEN_SUBJECT, type OutboxEntry } from '../store/outbox-repo.ts';
import { buzzHeldBack, buzzRang, buzzText, explainUrgentRefusal, isUrgentKind, type Buzz } from '../paging/index.ts';
import { addDeliveryNote } from './timeline.ts';

// The outbox side of Lark's urgent notices (加急): a send row that carries `urgent` queues, in the
// transaction that records the delivered card, an `urgent` outbox row naming the message; the
// worker raises the notice like any other Lark call (paced, retried, leased), so a crash between
// the card and the buzz loses neither. When a buzz may ring, what it spends and what the timeline
// says are paging's rules (src/paging/buzz.ts). A refusal is written in words and never touches the card.

/** Queues the buzz of a delivered private card (inside the delivery's transaction). */
export const enqueueUrgent = insertUrgent;

export interface UrgentDeps {
  db: Kysely<DB>;
  lark: Pick<LarkApi, 'urgent'>;
  clock: () => number;
}

const buzzOf = (row: OutboxEntry): Buzz => ({
  incident: Number(row.incident_number),
  openId: row.target_id,
  who: row.target_name ?? row.target_id,
  kind: isUrgentKind(row.urgent) ? row.urgent : 'app',
  louder: row.subject === UNSEEN_SUBJECT,
});

/**
 * Raises one buzz, or drops it when paging's rules hold it back. Throws the Lark error for the
 * caller's retry policy (rate limits, transient failures).
 */
export async function deliverUrgent(d: UrgentDeps, row: OutboxEntry, pace: () => Promise<boolean>): Promise<void> {
  const buzz = buzzOf(row);
  const now0 = d.clock();
  const held = await buzzHeldBack(d.db, buzz, now0);
  if (held) {
    if (await markStopped(d.db, row, 'dropped', held.why, now0)) await addDeliveryNote(d.db, buzz.incident, now0, held.text);
    return;
  }
  if (!(await pace())) return;
  const res = await d.lark.urgent(String(row.message_id), buzz.kind, [buzz.openId]);
  const now = d.clock();
  await d.db.transaction().execute(async (trx) => {
    if (!(await markDone(trx, row, now))) return;
    const notInChat = res.invalid.includes(buzz.openId);
    if (!notInChat) await buzzRang(trx, buzz.kind, now);
    const text = notInChat ? buzzText.notInChat(buzz.kind, buzz.who) : buzzText.rang(buzz.kind, buzz.who);
    await addDeliveryNote(trx, buzz.incident, now, text, { message_id: row.message_id, urgent: buzz.kind, target_id: buzz.openId });
  });
}

/** A permanent refusal of a buzz: the timeline says so in words; the card itself was delivered. */
export async function urgentRefused(d: UrgentDeps, row: OutboxEntry, err: LarkApiError | string): Promise<void> {
  const buzz = buzzOf(row);
  const reason = typeof err === 'string' ? err : explainUrgentRefusal(err, buzz.who, buzz.kind);
  const now = d.clock();
  if (!(await markStopped(d.db, row, 'failed', reason, now))) return;
  await addDeliveryNote(d.db, buzz.incident, now, buzzText.refused(buzz.kind, buzz.who, reason), {
    message_id: row.message_id,
    urgent: buzz.kind,
    code: typeof err === 'string' ? null : err.code,
  });
}
