import type { Kysely, Transaction } from 'kysely';
import type { IncidentChange, IncidentListener } from '../incident/ports.ts';
import type { Incident } from '../incident/types.ts';
import { chatsWithCard, copiesAndStorms, markCopyFresh } from '../store/card-repo.ts';
import type { ChatDirectory } from './chats.ts';
import { recentIncidentSends } from '../store/outbox-repo.ts';
import type { DB } from '../store/schema.ts';
import type { DeliveryConfig } from './config.ts';
import { patchCopy, refreshCopy } from './copies.ts';
import { chatsFor, type ChatTarget } from './dispatch.ts';
import type { Sending } from './outbound.ts';
import { queuePrivateCard, type NotifyMemberRequest, type NotifyMemberResult } from './private.ts';
import { collapseIntoStorm, refreshStorm } from './storm.ts';

export type { MemberTarget, NotifyMemberRequest, NotifyMemberResult } from './private.ts';
export { patchCopy } from './copies.ts';

// The delivery side of every incident change: outbox rows written inside the change's
// transaction (so a change and its notifications commit or roll back together), then a nudge to
// the worker. Nothing here talks to Lark. Storm cards: storm.ts; private cards: private.ts;
// updates of copies already posted: copies.ts.

export class DeliveryListener implements IncidentListener {
  constructor(
    private readonly chats: ChatDirectory,
    private readonly config: DeliveryConfig,
    private readonly clock: () => number,
    /** Wakes the local worker after queueing updates (new messages go through `outbox`, which wakes it). */
    private readonly notify: () => void,
    private readonly outbox: Sending,
  ) {}

  async onChange(trx: Transaction<DB>, change: IncidentChange): Promise<void> {
    const now = this.clock();
    const inc = change.incident;
    // Wake the worker only when there is something for it: a click on the only copy queues nothing.
    let queued = false;
    if (change.type === 'created') {
      const targets = await this.targets(trx, inc);
      for (const t of targets) await this.placeCard(trx, inc, t, now);
      queued = targets.length > 0;
    } else {
      queued = await this.patchCopies(trx, inc, now, change.type === 'state_changed' ? change.hints?.answeredCopy : undefined);
      // A severity that rose may now pass a group's minimum: post there too.
      if (change.type === 'alert_added' && change.previous.severity !== inc.severity) {
        await this.addMissingCopies(trx, inc, now);
        queued = true;
      }
    }
    if (queued) this.notify();
  }

  /**
   * Sends a card to a member privately, through the outbox (escalation, `link`). An unlinked
   * member gets a timeline sentence instead of a send.
   */
  async notifyMember(db: Kysely<DB>, req: NotifyMemberRequest): Promise<NotifyMemberResult> {
    return queuePrivateCard(db, req, this.clock(), this.outbox);
  }

  /** The clicked copy's answer went out without the card: it catches up through the outbox (copies.ts). */
  async refreshCopy(db: Kysely<DB>, messageId: string): Promise<void> {
    if (await refreshCopy(db, messageId, this.clock)) this.notify();
  }

  private async targets(db: Kysely<DB>, inc: Incident): Promise<ChatTarget[]> {
    return chatsFor(inc, await this.chats.subscribersOf(db, inc.sourceId));
  }

  /** A new card for the chat, unless the chat is over its per-minute budget: then the storm card counts it. */
  private async placeCard(db: Kysely<DB>, inc: Incident, chat: ChatTarget, now: number): Promise<void> {
    if ((await recentIncidentSends(db, chat.chatId, now - 60_000)) >= this.config.stormPerMinute) {
      return collapseIntoStorm(db, this.config, inc, chat, now);
    }
    await this.outbox.send(db, { to: { type: 'chat_id', id: chat.chatId, name: chat.name }, kind: 'incident', incident: inc.number, severity: inc.severity });
  }

  /**
   * Every live copy of the incident's card, and the storm cards that count it, get an update;
   * except `answered`, the copy whose card-callback answer shows this version (marked fresh, so a
   * pending update of it is skipped too). Returns whether anything was queued.
   */
  private async patchCopies(db: Kysely<DB>, inc: Incident, now: number, answered?: string): Promise<boolean> {
    let queued = false;
    // One statement reads both the live copies and the storms that count the incident (see
    // copiesAndStorms): copies first, in the order read, then the storms, as two queries did.
    const rows = await copiesAndStorms(db, inc.number);
    for (const c of rows) {
      if (c.storm_id !== null) continue;
      const copy = { message_id: c.message_id!, target_type: c.target_type, target_id: c.target_id, target_name: c.target_name };
      if (copy.message_id === answered) {
        // Only a pending update of this copy can be held back by the mark; without one (the usual
        // case) the answer is all the copy needs, and the change writes one row less.
        if (c.patch_pending) await markCopyFresh(db, copy.message_id, inc.version);
        continue;
      }
      queued = true;
      await patchCopy(db, inc.number, inc.severity, copy, now);
    }
    for (const r of rows) {
      if (r.storm_id === null) continue;
      const storm = { id: r.storm_id, chat_id: r.target_id, message_id: r.message_id, expired_at: r.expired_at };
      if (storm.message_id && storm.expired_at === null) {
        await refreshStorm(db, storm, now);
        queued = true;
      }
    }
    return queued;
  }

  /** Chats the incident now routes to that never saw it (no copy, no queued send, no storm card counting it). */
  private async addMissingCopies(db: Kysely<DB>, inc: Incident, now: number): Promise<void> {
    const targets = await this.targets(db, inc);
    if (!targets.length) return;
    const have = await chatsWithCard(db, inc.number, { orSeen: true });
    for (const t of targets) if (!have.has(t.chatId)) await this.placeCard(db, inc, t, now);
  }
}
