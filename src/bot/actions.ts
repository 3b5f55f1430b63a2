// Card buttons (`card.action.trigger`, docs/lark-notes.md §3.5): versioned value → incident service → the
// answer Lark shows to the clicker (a toast and the refreshed card for the clicked copy, §1.8).
// Other copies of the card are patched by the delivery outbox, which the service's listener feeds
// in the same transaction as the change. Anything slow (a private link card) runs after the answer.
import { parseCardButtonValue, renderHelpCard, renderIncidentCard, renderIncidentListCard, renderLinkCard } from '../render/index.ts';
import { takeOverButton } from './take-over.ts';
import type { Logger } from '../log.ts';
import type { Background } from './background.ts';
import type { CardAction, CardActionAnswer } from './events.ts';
import { say, toast } from './i18n.ts';
import { authorize, operate, refusal } from './operate.ts';
import type { BotDeps, IncidentOp } from './ports.ts';
import { pagingClick } from './paging.ts';
import { roomButton } from './war-room.ts';
import { isSilenceValue, silenceClick, silenceIncident } from './silence.ts';
import { isReportSilence, reportSilenceClick } from './report.ts';
import { isReminderOp, reminderClick } from './ack-reminder.ts';
import { declareClick } from './declare.ts';

/**
 * A click's answer, and the incident whose current card it carries. A redelivered click is answered
 * from what is stored (see router.ts): the same toast, and that incident's card rendered again, so
 * the store keeps a line instead of a 5 KB card, and a redelivery hours later shows the incident as
 * it is then rather than rolling the clicked copy back to an old state.
 */
export interface ClickResult {
  answer: CardActionAnswer;
  cardOf?: number;
}

/** The stored form of a ClickResult. */
export interface StoredAnswer {
  toast?: CardActionAnswer['toast'];
  card?: CardActionAnswer['card'];
  cardOf?: number;
}

export function toStored(r: ClickResult): StoredAnswer {
  return r.cardOf !== undefined ? { toast: r.answer.toast, cardOf: r.cardOf } : r.answer;
}

/** The answer to a redelivery of a click that was answered with `stored`. */
export async function fromStored(stored: StoredAnswer, log: Logger, ctx: ActionContext): Promise<CardActionAnswer> {
  const answer: CardActionAnswer = stored.toast ? { toast: stored.toast } : {};
  if (stored.card) answer.card = stored.card;
  if (stored.cardOf !== undefined) {
    const card = await currentCard(ctx, stored.cardOf, log);
    if (card) answer.card = card;
  }
  return answer;
}

export interface ActionContext {
  readonly deps: BotDeps;
  readonly bg: Background;
  now(): number;
}

/** A custom snooze duration may come from a select (`option`) or a form input named `duration`. */
function customDuration(ev: CardAction): string | undefined {
  if (typeof ev.option === 'string' && ev.option) return ev.option;
  const d = ev.formValue?.duration;
  return typeof d === 'string' && d.trim() ? d.trim() : undefined;
}

export async function handleCardAction(ev: CardAction, log: Logger, ctx: ActionContext): Promise<ClickResult> {
  const { deps } = ctx;
  if (isReportSilence(ev.value)) return reportSilenceClick(ev, log, ctx);
  if (isSilenceValue(ev.value)) {
    const n = silenceIncident(ev.value);
    const bound = await cardIncident(ev, ctx);
    return bound === n ? silenceClick(ev, log, ctx) : notThisCard(ev, log, (ev.value as { op: string }).op, n, bound);
  }
  const value = parseCardButtonValue(ev.value, customDuration(ev));
  if (!value) return unknownButton(ev, log);
  // Issue 25's buttons are bound to their card too: a reminder's to the reminder card Hark sent the
  // acker (reminderClick then acts for the acker only), a declare button to its declare card.
  if (isReminderOp(value.op) || value.op === 'declare') {
    const key = value.op === 'declare' ? `declare:${value.source}` : `reminder:${value.incident}`;
    if (!(await cardBoundTo(ev, key, ctx))) {
      log.warn({ op: value.op, key, messageId: ev.messageId }, 'card action refused: no such button on the clicked card');
      return { answer: { toast: toast('warning', say.notThisCard()) } };
    }
    return value.op === 'declare' ? declareClick(ev, value, log, ctx) : reminderClick(ev, value, log, ctx);
  }

  // Every operation acts only through the card it was pressed on (issue 29): an incident's
  // buttons on that incident's card, Take over on an `oncall` or handoff card of that schedule.
  if (value.op === 'take_over' && !(await scheduleCardHas(ev, value.schedule!, ctx))) {
    log.warn({ op: value.op, schedule: value.schedule, messageId: ev.messageId }, 'card action refused: no such Take over button on the clicked card');
    return { answer: { toast: toast('warning', say.notThisCard()) } };
  }
  if (value.op === 'escalate' || value.op === 'page' || value.op === 'room') {
    const bound = await cardIncident(ev, ctx);
    if (bound !== value.incident) return notThisCard(ev, log, value.op, value.incident!, bound);
  }

  switch (value.op) {
    case 'help':
      ctx.bg.run(log, 'private help card', () => deps.privately.card(ev.operatorOpenId, renderHelpCard({ lang: 'both' })));
      return { answer: { toast: toast('info', say.sentPrivately('help')) } };
    case 'link':
      ctx.bg.run(log, 'private link card', () => sendLinkCard(ctx, ev.operatorOpenId, null));
      return { answer: { toast: toast('info', say.sentPrivately('link')) } };
    case 'list':
      return { answer: await listButton(ev, value.scope ?? (ev.chatId ? 'group' : 'mine'), log, ctx) };
    case 'take_over':
      return { answer: await takeOverButton(ev, value.schedule!, log, ctx) };
    case 'escalate':
    case 'page':
      return pagingClick(ev, value, log, ctx);
    case 'room':
      return roomButton(ev, value.incident!, log, ctx);
  }

  const op = value.op as IncidentOp;
  const number = value.incident!;
  // A button acts only on the incident whose card was clicked: Hark stored each card copy's message
  // id when it sent it (incident_messages). A forged or misplaced value (another incident, a welcome
  // card) gets a toast, which only the clicker sees, and nothing else: no change, no card, no data.
  const [bound, member] = await Promise.all([cardIncident(ev, ctx), deps.members.byOpenId(ev.operatorOpenId)]);
  if (bound !== number) return notThisCard(ev, log, op, number, bound);
  const auth = authorize(member, 'change_incident');
  if (!auth.ok) {
    log.info({ why: auth.why, op, incident: number }, 'card action refused');
    if (auth.why === 'unlinked') {
      // "Link, then finish": remember the press, then send the link card privately (after the answer).
      ctx.bg.run(log, 'remember pending action and send link card', async () => {
        await deps.pending.remember(ev.operatorOpenId, { op, incident: number, ...(value.duration ? { duration: value.duration } : {}) });
        await sendLinkCard(ctx, ev.operatorOpenId, say.pendingAction(op, number, value.duration));
      });
      return { answer: { toast: toast('warning', refusal('unlinked')) } };
    }
    return { answer: { toast: toast('error', refusal(auth.why)) } };
  }

  const now = ctx.now();
  const outcome = await operate(
    deps.incidents,
    {
      op,
      incident: number,
      duration: value.duration,
      actor: { id: auth.member.id, name: auth.member.name, via: 'card', chatId: ev.chatId ?? null },
      clickedMessageId: ev.messageId,
    },
    now,
  );
  log.info({ op, incident: number, outcome: outcome.kind, member: auth.member.id }, 'card action');
  if (outcome.kind === 'failed') {
    log.error({ err: outcome.err }, 'card action failed');
    return { answer: { toast: toast('error', outcome.text) } };
  }
  const tone = outcome.kind === 'done' ? 'success' : outcome.kind === 'already' ? 'info' : outcome.kind === 'conflict' ? 'warning' : 'error';
  const answer: CardActionAnswer = { toast: toast(tone, outcome.text) };
  // A refusal is the toast alone: the clicked card stays as it is (nothing changed, nothing new shown).
  if (outcome.kind !== 'not_found' && outcome.kind !== 'refused') {
    // The clicked copy shows the incident as it is now, whether or not this click changed it.
    const card = await currentCard(ctx, number, log);
    if (card) {
      answer.card = card;
      return { answer, cardOf: number };
    }
  }
  return { answer };
}

/**
 * How long a click waits for its card's binding to be recorded. The delivery outbox stores a copy's
 * message id in the transaction right after Lark answers the send, so a click in the first moments
 * (or while a takeover re-sends the same uuid) can find no binding yet; past this it is refused.
 */
export const BINDING_WAIT_MS = 2_000;

/** The incident whose card is the clicked message, waiting (with backoff) for a copy just sent. */
async function cardIncident(ev: CardAction, ctx: ActionContext): Promise<number | null> {
  const messageId = ev.messageId;
  if (!messageId) return null;
  return waitForBinding(() => ctx.deps.cardMessages.incidentOf(messageId), (n) => n !== null, null);
}

/** Whether the clicked message is a card Hark sent with this schedule's Take over button. */
const scheduleCardHas = (ev: CardAction, schedule: string, ctx: ActionContext): Promise<boolean> => cardBoundTo(ev, schedule, ctx);

/** Whether the clicked message is a card Hark sent bound to `key` (a schedule, `reminder:42`, `declare:payments`). */
async function cardBoundTo(ev: CardAction, key: string, ctx: ActionContext): Promise<boolean> {
  const { messageId } = ev;
  const port = ctx.deps.scheduleCards;
  if (!messageId) return false;
  // An incident card never carries Take over: no need to wait for a binding that cannot come.
  if ((await ctx.deps.cardMessages.incidentOf(messageId)) !== null) return false;
  const names = await waitForBinding(() => port.schedulesOf(messageId), (s) => s.length > 0, []);
  return names.includes(key);
}

async function waitForBinding<T>(read: () => Promise<T>, found: (t: T) => boolean, none: T): Promise<T> {
  const deadline = Date.now() + BINDING_WAIT_MS;
  for (let pause = 25; ; pause *= 2) {
    const t = await read();
    if (found(t)) return t;
    const left = deadline - Date.now();
    if (left <= 0) return none;
    await new Promise((r) => setTimeout(r, Math.min(pause, left)));
  }
}

/**
 * A value that names another incident than the clicked card's (or a card that is no incident's):
 * a toast only the clicker sees, and nothing else: no change, no card redrawn, no incident data.
 */
function notThisCard(ev: CardAction, log: Logger, op: string, incident: number, card: number | null): ClickResult {
  log.warn({ op, incident, card, messageId: ev.messageId }, 'card action refused: the value does not belong to the clicked card');
  return { answer: { toast: toast('warning', say.notThisCard()) } };
}

export async function currentCard(ctx: ActionContext, number: number, log: Logger): Promise<CardActionAnswer['card'] | undefined> {
  const view = await ctx.deps.incidents.view(number);
  if (!view) return undefined;
  try {
    // 'both': the answer replaces the copy everyone in the chat sees (update_multi), so it keeps both languages.
    return { type: 'raw', data: renderIncidentCard(view, { lang: 'both', now: ctx.now() }) };
  } catch (err) {
    log.error({ err, incident: number }, 'incident card did not render');
    return undefined;
  }
}

/**
 * A value Hark does not understand: from an older card, another app, or forged. The toast only (the
 * clicker alone sees it): a value names no incident Hark may trust, so no card is drawn from it.
 */
function unknownButton(ev: CardAction, log: Logger): ClickResult {
  log.warn({ value: ev.value }, 'card action with an unknown value');
  return { answer: { toast: toast('warning', say.unknownButton()) } };
}

async function listButton(ev: CardAction, scope: 'group' | 'mine', log: Logger, ctx: ActionContext): Promise<CardActionAnswer> {
  const { deps } = ctx;
  if (scope === 'group' && ev.chatId) {
    const chatId = ev.chatId;
    ctx.bg.run(log, 'group incident list', async () => {
      const open = await deps.incidents.openForChat(chatId);
      await deps.lark.sendCard('chat_id', chatId, renderIncidentListCard(open.items, { scope: 'group', total: open.total, lang: 'both', now: ctx.now() }));
    });
    return { toast: toast('info', say.postedList()) };
  }
  const member = await deps.members.byOpenId(ev.operatorOpenId);
  if (!member) {
    ctx.bg.run(log, 'private link card', () => sendLinkCard(ctx, ev.operatorOpenId, null));
    return { toast: toast('warning', say.notLinked()) };
  }
  ctx.bg.run(log, 'private incident list', async () => {
    const open = await deps.incidents.openForMember(member);
    await deps.lark.sendCard('open_id', ev.operatorOpenId, renderIncidentListCard(open.items, { scope: 'mine', total: open.total, lang: 'both', now: ctx.now() }));
  });
  return { toast: toast('info', say.sentPrivately('list')) };
}

export async function sendLinkCard(ctx: ActionContext, openId: string, pendingAction: string | null): Promise<void> {
  const card = renderLinkCard({ linkUrl: ctx.deps.linkUrl, pendingAction }, { lang: 'both', now: ctx.now() });
  await ctx.deps.privately.card(openId, card);
}
