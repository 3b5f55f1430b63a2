// The one doorway every transport calls (long connection and HTTP callback share the dispatcher in
// src/lark/receiver.ts): dedup → parse → command/action table → one error boundary per kind.
import { randomUUID } from 'node:crypto';
import { LarkApiError } from '../lark/client.ts';
import { menuPress } from './menu.ts';
import type { Logger } from '../log.ts';
import type { SharedState } from '../state/index.ts';
import { fromStored, handleCardAction, toStored, type ActionContext, type StoredAnswer } from './actions.ts';
import { Background } from './background.ts';
import { handleMessage, type Reply } from './commands.ts';
import { Dedup } from './dedup.ts';
import type { CardAction, CardActionAnswer, ChatMembership, EventHandler, InboundEvent, InboundMessage } from './events.ts';
import { say, toast } from './i18n.ts';
import { handleMembership } from './membership.ts';
import type { BotDeps } from './ports.ts';
import { stableUuid } from './uuid.ts';

/** How often a running command renews its claim in the database. */
export const COMMAND_CLAIM_RENEW_MS = 2_000;
/**
 * A redelivery takes over a command whose claim was not renewed for this long (its replica died);
 * shorter than Lark's first retry (15 s after a failed push), so that retry runs it.
 */
export const COMMAND_CLAIM_STALE_MS = 10_000;

/** How long a duplicate of an event still being handled waits for its outcome before Lark is asked to redeliver. */
const DUPLICATE_WAIT_MS = 1_500;

/** Lark gives a card callback 3 s (docs/lark-notes.md §1.10); answer well before, leaving room for the network. */
export const DEFAULT_CLICK_BUDGET_MS = 2_500;

export class BotRouter implements EventHandler {
  readonly background = new Background();
  private readonly dedup: Dedup;
  private readonly ctx: ActionContext;
  private readonly budgetMs: number;

  constructor(private readonly deps: BotDeps, state: SharedState = deps.state) {
    this.dedup = new Dedup(state);
    this.ctx = { deps, bg: this.background, now: () => deps.clock.now() };
    this.budgetMs = deps.clickBudgetMs ?? DEFAULT_CLICK_BUDGET_MS;
  }

  async handle(event: InboundEvent, log: Logger): Promise<CardActionAnswer | void> {
    switch (event.kind) {
      case 'card_action':
        return this.click(event, log);
      case 'message':
        return this.message(event, log);
      case 'membership':
        return this.membership(event, log);
      case 'menu': {
        // At-least-once delivery: one press answers once (the replies' uuids derive from the event id too).
        const claim = await this.dedup.claim(`evt:${event.eventId}`, 0);
        if (!claim.first) return;
        return menuPress(event, log, this.ctx);
      }
      case 'read':
        // Idempotent in the database (a page is marked seen once), so a redelivery changes nothing.
        await this.deps.seen.read(event.readerOpenId, event.messageIds, event.readAt);
        return;
    }
  }

  /** Waits for work started after answers (tests, graceful stop). */
  drain(): Promise<void> {
    return this.background.drain();
  }

  private async click(ev: CardAction, log: Logger): Promise<CardActionAnswer> {
    const started = Date.now();
    // A duplicate of a click still being handled waits for its answer, within the same budget.
    const claim = ev.eventId ? await this.dedup.claim<StoredAnswer>(`evt:${ev.eventId}`, this.budgetMs) : null;
    if (claim && !claim.first) {
      log.info({ answered: claim.answer !== undefined }, 'duplicate card callback; answering as before');
      return claim.answer ? fromStored(claim.answer, log, this.ctx) : { toast: toast('info', say.busy()) };
    }
    // Redis down or stalled: answer the click anyway (Lark does not push a click twice, and the
    // incident's transitions in the database make a repeated one a no-op).
    if (claim?.unguarded) log.warn('shared state unavailable; handling the card callback without de-duplication');
    const work = handleCardAction(ev, log, this.ctx).then(
      (result) => {
        // Stored after the answer is on its way (a Redis round trip less on the click path); a
        // redelivery meanwhile finds the claim pending and waits for this answer.
        if (claim) {
          this.background.run(log, 'store card answer', async () => {
            await new Promise((r) => setImmediate(r)); // after the SDK has sent the answer
            await claim.finish(toStored(result));
          });
        }
        return result.answer;
      },
      async (err) => {
        await claim?.abandon().catch(() => undefined);
        log.error({ err }, 'card action failed');
        return { toast: toast('error', say.failed()) } satisfies CardActionAnswer;
      },
    );
    const left = Math.max(0, this.budgetMs - (Date.now() - started));
    const answer = await withDeadline(work, left);
    if (answer === TIMED_OUT) {
      // Late: Lark would show the clicker an error. Say it is in hand; the change still lands and
      // the outbox updates every copy of the card, the clicked one too, since this answer has no card.
      this.background.run(log, 'late card action', async () => {
        await work;
        if (ev.messageId) await this.deps.cardMessages.refresh(ev.messageId);
      });
      log.warn({ ms: Date.now() - started }, 'card action exceeded its answer budget');
      return { toast: toast('info', say.busy()) };
    }
    return answer;
  }

  private async message(msg: InboundMessage, log: Logger): Promise<void> {
    // Lark's receive doc says to dedup messages by message_id, not event_id (docs/lark-notes.md §3.1).
    // The claim and the outcome are one row in the database, not in Redis: a stalled Redis cannot
    // leave a claim behind that swallows Lark's redelivery, and exactly one delivery runs the command.
    const owner = randomUUID();
    const outcomes = this.deps.commandOutcomes;
    const claim = await outcomes.claim(msg.messageId, owner, COMMAND_CLAIM_STALE_MS);
    if (claim.kind === 'busy') {
      // Not acknowledged: Lark redelivers it later, and the redelivery finds the outcome (or takes
      // over a claim its owner stopped renewing).
      log.info('message being handled by another delivery; Lark will redeliver it');
      throw new Error(`message ${msg.messageId} is being handled by another delivery`);
    }
    let replies: Reply[];
    if (claim.kind === 'done') {
      replies = claim.outcome as Reply[];
      log.info({ replies: replies.length }, 'redelivered command; replaying its recorded replies, not the command');
    } else {
      if (claim.tookOver) log.warn('took over a command whose delivery stopped renewing its claim (its replica died?)');
      const renew = setInterval(() => void outcomes.renew(msg.messageId, owner).catch(() => undefined), COMMAND_CLAIM_RENEW_MS);
      try {
        const produced = await handleMessage(msg, log, this.ctx);
        // Chatter Hark ignores is recorded too (no replies), so a redelivery does not parse it again.
        replies = (await outcomes.finish(msg.messageId, produced)) as Reply[];
      } catch (err) {
        // Let Lark redeliver (the receiver acks 500): the redelivery runs the command afresh.
        await outcomes.abandon(msg.messageId, owner).catch(() => undefined);
        throw err;
      } finally {
        clearInterval(renew);
      }
    }
    // The replies carry uuids derived from the message id, so a reply already sent is not sent twice;
    // if one fails, the redelivery finds the outcome and sends the replies again.
    for (let i = 0; i < replies.length; i++) await this.send(msg, replies[i], i);
  }

  private async membership(ev: ChatMembership, log: Logger): Promise<void> {
    // A duplicate waits a little for the first delivery to finish (Lark allows 3 s per push).
    const claim = ev.eventId ? await this.dedup.claim<true>(`evt:${ev.eventId}`, DUPLICATE_WAIT_MS) : null;
    if (claim && !claim.first) {
      // A pending claim is not an answer: its delivery may have failed (a stalled Redis, a replica
      // that died). Not acknowledged, so Lark redelivers it once the claim is finished or expired.
      if (claim.answer === undefined) throw new Error(`membership event ${ev.eventId} is being handled by another delivery`);
      log.info('duplicate membership event; already handled');
      return;
    }
    if (claim?.unguarded) log.warn('shared state unavailable; handling the membership event without de-duplication');
    try {
      await handleMembership(ev, log, this.ctx);
      await claim?.finish(true);
    } catch (err) {
      await claim?.abandon().catch(() => undefined);
      throw err;
    }
  }

  private async send(msg: InboundMessage, reply: Reply, index: number): Promise<void> {
    const uuid = stableUuid(`r${index}`, msg.messageId);
    const { lark } = this.deps;
    const once = () => {
      if (reply.to === 'sender') {
        return reply.kind === 'card'
          ? lark.sendCard('open_id', msg.senderOpenId, reply.card, uuid)
          : lark.sendText('open_id', msg.senderOpenId, reply.text, uuid);
      }
      return reply.kind === 'card' ? lark.replyCard(msg.messageId, reply.card, uuid) : lark.replyText(msg.messageId, reply.text, uuid);
    };
    let sent: { messageId: string };
    try {
      sent = await once();
    } catch (err) {
      // One patient retry for a per-chat rate limit (5 QPS per group, docs/lark-notes.md §6); the uuid makes it safe.
      if (!(err instanceof LarkApiError && err.kind !== 'permanent')) throw err;
      await new Promise((r) => setTimeout(r, Math.min(err.retryAfterMs ?? 200, 2_000)));
      sent = await once();
    }
    // An `oncall` card's Take over buttons are honoured on this message only (issue 29).
    if (reply.kind === 'card') await this.deps.scheduleCards.bind(sent.messageId, reply.card);
  }
}

const TIMED_OUT = Symbol('timed out');

async function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
