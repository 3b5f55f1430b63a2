// The one doorway every transport calls (long connection and HTTP callback share the dispatcher in
// src/lark/receiver.ts): dedup → parse → command/action table → one error boundary per kind.
import { LarkApiError } from '../lark/client.ts';
import { systemClock } from '../incident/ports.ts';
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

/** Lark gives a card callback 3 s (docs/lark-notes.md §1.10); answer well before, leaving room for the network. */
export const DEFAULT_CLICK_BUDGET_MS = 2_500;

export class BotRouter implements EventHandler {
  readonly background = new Background();
  private readonly dedup: Dedup;
  private readonly ctx: ActionContext;
  private readonly budgetMs: number;

  constructor(private readonly deps: BotDeps, state: SharedState = deps.state) {
    this.dedup = new Dedup(state);
    const clock = deps.clock ?? systemClock;
    this.ctx = { deps, bg: this.background, now: () => clock.now() };
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
    // Lark's receive doc says to dedup messages by message_id, not event_id (docs/lark-notes.md §3.1). The
    // SharedState claim keeps concurrent deliveries apart; the outcome recorded in the store is what
    // makes a command run once: a redelivery (the reply failed, Lark retried) replays it.
    const claim = await this.dedup.claim<{ replies: number }>(`msg:${msg.messageId}`, 0);
    if (!claim.first) {
      log.info('duplicate message; already handled');
      return;
    }
    try {
      const recorded = (await this.deps.commandOutcomes.find(msg.messageId)) as Reply[] | null;
      let replies: Reply[];
      if (recorded) {
        log.info({ replies: recorded.length }, 'redelivered command; replaying its recorded replies, not the command');
        replies = recorded;
      } else {
        const produced = await handleMessage(msg, log, this.ctx);
        // Nothing to record for chatter Hark ignores (no replies means no command ran).
        replies = produced.length ? ((await this.deps.commandOutcomes.record(msg.messageId, produced)) as Reply[]) : produced;
      }
      // The replies carry uuids derived from the message id, so a reply already sent is not sent twice.
      for (let i = 0; i < replies.length; i++) await this.send(msg, replies[i], i);
      await claim.finish({ replies: replies.length });
    } catch (err) {
      // Let Lark redeliver (the receiver acks 500): the redelivery finds the recorded outcome, if
      // there is one, and only sends the replies again.
      await claim.abandon().catch(() => undefined);
      throw err;
    }
  }

  private async membership(ev: ChatMembership, log: Logger): Promise<void> {
    const claim = ev.eventId ? await this.dedup.claim<true>(`evt:${ev.eventId}`, 0) : null;
    if (claim && !claim.first) {
      log.info('duplicate membership event; already handled');
      return;
    }
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
    try {
      await once();
    } catch (err) {
      // One patient retry for a per-chat rate limit (5 QPS per group, docs/lark-notes.md §6); the uuid makes it safe.
      if (err instanceof LarkApiError && err.kind !== 'permanent') {
        await new Promise((r) => setTimeout(r, Math.min(err.retryAfterMs ?? 200, 2_000)));
        await once();
        return;
      }
      throw err;
    }
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
