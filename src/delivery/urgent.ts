import type { Kysely } from 'kysely';
import { LarkApiError, type LarkApi } from '../lark/client.ts';
import type { DB } from '../store/schema.ts';
import { insertUrgent, markDone, markStopped, UNSEEN_SUBJECT, type OutboxEntry } from '../store/outbox-repo.ts';
import { latestPageSeen } from '../store/page-repo.ts';
import { incidentPageState } from '../store/paging-repo.ts';
import { addUrgentUsage, monthOf } from '../store/ops-guard-repo.ts';
import { addDeliveryNote } from './timeline.ts';

// Lark's urgent notices (加急, docs/lark-notes.md "Urgent notices") on a private incident card.
// A send row that carries `urgent` queues, in the transaction that records the delivered card, an
// `urgent` outbox row naming the message; the worker raises the notice like any other Lark call
// (paced, retried, leased), so a crash between the card and the buzz loses neither. Lark cannot
// take a buzz back, so the incident is checked right before each one: once acknowledged, resolved
// or snoozed, nothing more rings. A refusal is written in words and never touches the card.

export type UrgentKind = 'app' | 'sms' | 'phone';

export const isUrgentKind = (s: unknown): s is UrgentKind => s === 'app' || s === 'sms' || s === 'phone';

/** Queues the buzz of a delivered private card (inside the delivery's transaction). */
export const enqueueUrgent = insertUrgent;

const DONE: Record<UrgentKind, (who: string) => string> = {
  app: (who) => `buzzed ${who} in Lark (urgent in-app notice)`,
  sms: (who) => `sent ${who} an urgent SMS through Lark`,
  phone: (who) => `phoned ${who} through Lark`,
};

const WHAT: Record<UrgentKind, string> = { app: 'in-app buzz', sms: 'SMS', phone: 'phone call' };

/** Why Lark refused a buzz, as a sentence fragment. */
export function explainUrgentRefusal(err: Pick<LarkApiError, 'code' | 'message'>, who: string, kind: UrgentKind): string {
  switch (err.code) {
    case 230024:
      return "the tenant's urgent quota is used up (230024)";
    case 230023:
      return `${who} already has 200 unread urgent notices (230023)`;
    case 230012:
      return 'Lark only lets a bot buzz messages it sent itself (230012)';
    case 230002:
      return 'the bot is not in that chat (230002)';
    case 230006:
      return "the app's bot capability is turned off (230006)";
    case 99991672:
    case 230027: {
      const scope = kind === 'app' ? 'im:message.urgent' : `im:message.urgent:${kind}`;
      return `the app lacks the permission ${scope}; add it in the Lark developer console (${err.code})`;
    }
    default:
      return err.message;
  }
}

export interface UrgentDeps {
  db: Kysely<DB>;
  lark: Pick<LarkApi, 'urgent'>;
  clock: () => number;
}

/**
 * Raises one buzz. Returns false when the row was left for later or handled as dropped; throws the
 * Lark error for the caller's retry policy (rate limits, transient failures).
 */
export async function deliverUrgent(d: UrgentDeps, row: OutboxEntry, pace: () => Promise<boolean>): Promise<void> {
  const kind = isUrgentKind(row.urgent) ? row.urgent : 'app';
  const who = row.target_name ?? row.target_id;
  const number = Number(row.incident_number);
  const inc = await incidentPageState(d.db, number);
  const now0 = d.clock();
  if (!inc || inc.status !== 'triggered' || (inc.snoozed_until !== null && Number(inc.snoozed_until) > now0)) {
    const why = !inc ? 'the incident is gone' : inc.status === 'triggered' ? 'it was snoozed' : `it was ${inc.status}`;
    if (await markStopped(d.db, row, 'dropped', why, now0)) {
      await addDeliveryNote(d.db, number, now0, `did not ${kind === 'phone' ? 'phone' : kind === 'sms' ? 'text' : 'buzz'} ${who}: ${why} first`);
    }
    return;
  }
  // The louder buzz of an unread page (issue 25) rings only while the page is still unread.
  if (row.subject === UNSEEN_SUBJECT && (await latestPageSeen(d.db, number, row.target_id))) {
    if (await markStopped(d.db, row, 'dropped', 'read first', now0)) {
      await addDeliveryNote(d.db, number, now0, `did not buzz ${who} louder: they read the page first`);
    }
    return;
  }
  if (!(await pace())) return;
  const res = await d.lark.urgent(String(row.message_id), kind, [row.target_id]);
  const now = d.clock();
  await d.db.transaction().execute(async (trx) => {
    if (!(await markDone(trx, row, now))) return;
    // SMS and phone notices spend the tenant's quota; pages by hand keep off its last part (issue 29).
    if (kind !== 'app' && !res.invalid.includes(row.target_id)) await addUrgentUsage(trx, monthOf(now), 1);
    const text = res.invalid.includes(row.target_id)
      ? `Lark did not ${kind === 'phone' ? 'phone' : 'buzz'} ${who}: Lark says ${who} is not in the chat of the card; the card was delivered`
      : DONE[kind](who);
    await addDeliveryNote(trx, number, now, text, { message_id: row.message_id, urgent: kind, target_id: row.target_id });
  });
}

/** A permanent refusal of a buzz: the timeline says so in words; the card itself was delivered. */
export async function urgentRefused(d: UrgentDeps, row: OutboxEntry, err: LarkApiError | string): Promise<void> {
  const kind = isUrgentKind(row.urgent) ? row.urgent : 'app';
  const who = row.target_name ?? row.target_id;
  const reason = typeof err === 'string' ? err : explainUrgentRefusal(err, who, kind);
  const now = d.clock();
  if (!(await markStopped(d.db, row, 'failed', reason, now))) return;
  await addDeliveryNote(d.db, Number(row.incident_number), now, `Lark refused the ${WHAT[kind]} to ${who}: ${reason}; the card was delivered`, {
    message_id: row.message_id,
    urgent: kind,
    code: typeof err === 'string' ? null : err.code,
  });
}

export { LarkApiError };
