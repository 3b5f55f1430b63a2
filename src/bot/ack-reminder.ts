// The acknowledgement reminder's buttons (issue 25): Extend 30 m, Resolve, Hand back. The reminder
// is a card Hark sent privately to the acker when their time box ran out (escalation/ack-timebox.ts),
// not a live incident card: actions.ts lets its buttons act only on the reminder card they were
// pressed on (bound as `reminder:<incident>` when it was sent), and here only for the person who
// holds the acknowledgement now.
import type { Logger } from '../log.ts';
import type { CardButtonValue } from '../render/index.ts';
import type { ActionContext, ClickResult } from './actions.ts';
import type { CardAction } from './events.ts';
import { say, toast } from './i18n.ts';
import { authorize, operate, refusal } from './operate.ts';

export const REMINDER_OPS = ['ack_extend', 'hand_back', 'reminder_resolve'] as const;
export const isReminderOp = (op: string): op is (typeof REMINDER_OPS)[number] => (REMINDER_OPS as readonly string[]).includes(op);

export async function reminderClick(ev: CardAction, value: CardButtonValue, log: Logger, ctx: ActionContext): Promise<ClickResult> {
  const { deps } = ctx;
  const number = value.incident!;
  const auth = authorize(await deps.members.byOpenId(ev.operatorOpenId), 'change_incident');
  if (!auth.ok) return { answer: { toast: toast(auth.why === 'unlinked' ? 'warning' : 'error', refusal(auth.why)) } };
  const acker = await deps.incidents.ackerOf(number);
  if (acker !== auth.member.id) {
    log.info({ op: value.op, incident: number, member: auth.member.id }, 'reminder button refused: not the acker');
    return {
      answer: {
        toast: toast('info', say.noLongerYours(number)),
      },
    };
  }
  const actor = { id: auth.member.id, name: auth.member.name, via: 'card' as const };
  if (value.op === 'reminder_resolve') {
    const outcome = await operate(deps.incidents, { op: 'resolve', incident: number, actor }, ctx.now());
    return { answer: { toast: toast(outcome.kind === 'done' ? 'success' : 'info', outcome.text) } };
  }
  try {
    const r =
      value.op === 'ack_extend'
        ? await deps.incidents.extendAck(number, value.duration ?? '30m', actor)
        : await deps.incidents.handBack(number, actor);
    log.info({ op: value.op, incident: number, member: auth.member.id }, 'reminder button');
    return { answer: { toast: toast('success', { en: r.message, zh: r.message }) } };
  } catch (err) {
    log.warn({ err, op: value.op, incident: number }, 'reminder button failed');
    return { answer: { toast: toast('error', { en: (err as Error).message, zh: (err as Error).message }) } };
  }
}
