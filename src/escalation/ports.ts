import type { Kysely, Transaction } from 'kysely';
import type { TxOption } from '../incident/service.ts';
import type { Severity } from '../incident/types.ts';
import type { DB } from '../store/schema.ts';

// What escalation needs from the rest of Hark, as narrow ports: delivery (outbox rows in the
// caller's transaction) and the incident service (to end a snooze). main.ts passes adapters
// (delivery-port.ts); tests may pass fakes.

export interface EscalationDelivery {
  /**
   * The incident's live card, privately to a member. An unlinked member (openId null) gets no send:
   * the timeline says "not linked: X has never opened Hark in Lark" and the result is 'not_linked'.
   */
  notifyMember(
    db: Kysely<DB>,
    req: {
      member: { name: string; openId: string | null };
      incidentNumber: number;
      /** The incident's severity when the caller has it (saves reading it again for the page's priority). */
      severity?: Severity;
      urgent?: 'app' | 'sms' | 'phone' | null;
    },
  ): Promise<'queued' | 'not_linked'>;
  /**
   * A card of its own (the acknowledgement reminder, issue 25), privately to a member, through the
   * outbox like a page; an unlinked member gets the "not linked" timeline sentence instead.
   */
  privateCard(db: Kysely<DB>, req: { member: { name: string; openId: string | null }; incidentNumber: number; card: object }): Promise<'queued' | 'not_linked'>;
  /** The incident's live card, posted in a group the bot is in. */
  notifyChat(db: Kysely<DB>, req: { chatId: string; chatName: string; incidentNumber: number; severity: Severity }): Promise<void>;
  /** Whether the group has a live copy of the incident's card or one queued (then a first pass sends none). */
  chatHasCard(db: Kysely<DB>, incidentNumber: number, chatId: string): Promise<boolean>;
  /** Every live copy of the incident's card gets an update (what happens next changed). */
  refreshCards(db: Kysely<DB>, incidentNumber: number): Promise<void>;
  /** Wakes the outbox worker (rows were written in a transaction about to commit). */
  wake(): void;
  /**
   * Issue 25: keep the bot's private chat with this person at the top of their Lark list while a
   * page waits on them, or stop; the outbox worker decides which from their pages when it runs.
   */
  feedCard(db: Kysely<DB>, req: { openId: string; name: string; incidentNumber: number }): Promise<void>;
  /** Issue 25: a buzz on a private card already delivered (an unseen page, one step louder); dropped if the page is read first. */
  buzz(
    db: Kysely<DB>,
    req: { incidentNumber: number; openId: string; name: string; messageId: string; kind: 'app' | 'sms' | 'phone'; severity: Severity },
  ): Promise<void>;
}

/** The one incident-service operation a timer needs: end one snooze in the timer's transaction. */
export interface SnoozeEnder {
  endSnooze(number: number, opts: TxOption & { trx: Transaction<DB> }): Promise<{ changed: boolean }>;
}

/** What an acknowledgement's end needs from the incident service (issue 25): hand the incident back. */
export interface AckHandBack {
  handBack(
    number: number,
    actor: null,
    opts: TxOption & { trx: Transaction<DB>; timedOut: { acker: string; graceMs: number } },
  ): Promise<{ changed: boolean }>;
}
