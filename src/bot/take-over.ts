// The Take over button on the `oncall` and handoff cards: the clicker becomes the one on call from
// now until the end of the current shift (an override the schedule's timeline records). The
// answer is a toast and the card redrawn with the change; someone who never linked gets the link
// card privately, and their press is remembered and finished once they have linked.
import { HarkError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { renderOncallCard, zonedTimes } from '../render/index.ts';
import { sendLinkCard, type ActionContext } from './actions.ts';
import type { CardAction, CardActionAnswer } from './events.ts';
import { say, toast } from './i18n.ts';
import { authorize, refusal } from './operate.ts';

export async function takeOverButton(ev: CardAction, schedule: string, log: Logger, ctx: ActionContext): Promise<CardActionAnswer> {
  const { deps } = ctx;
  const member = await deps.members.byOpenId(ev.operatorOpenId);
  const auth = authorize(member, 'change_incident');
  if (!auth.ok) {
    log.info({ why: auth.why, schedule }, 'take over refused');
    if (auth.why === 'unlinked') {
      ctx.bg.run(log, 'remember take over and send link card', async () => {
        await deps.schedulePending.rememberTakeOver(ev.operatorOpenId, schedule);
        await sendLinkCard(ctx, ev.operatorOpenId, say.pendingTakeOver(schedule));
      });
    }
    return { toast: toast(auth.why === 'unlinked' ? 'warning' : 'error', refusal(auth.why)) };
  }
  let r: Awaited<ReturnType<typeof deps.schedules.takeOver>>;
  try {
    r = await deps.schedules.takeOver(schedule, auth.member);
  } catch (err) {
    // Who may take over is the schedule's rule (src/schedule/who-may.ts): its people and admins.
    if (!(err instanceof HarkError && err.code === 'forbidden')) throw err;
    log.info({ schedule, member: auth.member.id }, 'take over refused: not on the schedule');
    return {
      toast: toast('error', say.mayNotTakeOver(schedule)),
    };
  }
  if (r.kind === 'not_found') return { toast: toast('error', say.noSuchSchedule(schedule)) };
  log.info({ schedule, member: auth.member.id, outcome: r.kind }, 'take over');
  const until = r.until === null ? null : zonedTimes(r.until, r.timeZone);
  const text = r.kind === 'already' ? say.alreadyOnCall(schedule) : say.tookOver(schedule, until?.en_us ?? '—', until?.zh_cn ?? '—');
  // Redraw the clicked card: the same schedules it showed (the group's, or this one), with the change.
  let board = await deps.schedules.board({ name: null, chatId: ev.chatId ?? null });
  if (!board.items.some((i) => i.name === schedule)) board = await deps.schedules.board({ name: schedule, chatId: null });
  const tookOver = r.kind === 'done' && r.until !== null ? { who: auth.member.name, schedule, until: r.until, timeZone: r.timeZone } : null;
  const card = renderOncallCard({ schedules: board.items, empty: board.empty, tookOver }, { lang: 'both', now: ctx.now() });
  // The redrawn card's Take over buttons are honoured on this message too.
  if (ev.messageId) await deps.scheduleCards.bind(ev.messageId, card);
  return { toast: toast(r.kind === 'done' ? 'success' : 'info', text), card: { type: 'raw', data: card } };
}
