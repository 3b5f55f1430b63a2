import type { TimerPort } from '../timers/registry.ts';
import { addHarkEntry } from '../store/timeline-repo.ts';
import { ESCALATION_KIND, type Escalator } from './escalator.ts';
import { loadPolicy, type Step } from './policy.ts';
import type { AckHandBack, SnoozeEnder } from './ports.ts';
import { ACK_END_KIND, fireAckEnd } from './ack-timebox.ts';
import { parseStep } from './timers.ts';
import { fireUnseen, UNSEEN_KIND } from './seen.ts';
import type { PageGuard } from '../paging/index.ts';

// Escalation's durable timer kinds (src/timers/): the next escalation step, a snooze's end, an
// acknowledgement time box's end (ack_end, escalation/ack-timebox.ts) and a level's unseen_after
// (unseen, escalation/seen.ts).

export const SNOOZE_END_KIND = 'snooze_end';

/** Registers `escalate`, `snooze_end` and `ack_end`; `incidents` is the incident service built with escalation's listener. */
export function registerEscalationTimers(
  timers: Pick<TimerPort, 'register'>,
  d: { escalator: Escalator; incidents: SnoozeEnder & AckHandBack; guard: Pick<PageGuard, 'urgentByPolicy'> },
): void {
  const ackEnd = { delivery: d.escalator.delivery, incidents: d.incidents, scheduled: d.escalator.scheduled };
  // Issue 25: a level's unseen_after (escalation/seen.ts).
  timers.register(UNSEEN_KIND, (trx, timer, now, inc) => fireUnseen({ delivery: d.escalator.delivery, guard: d.guard }, trx, timer, now, inc));
  timers.register(ACK_END_KIND, (trx, timer, now, inc) => fireAckEnd(ackEnd, trx, timer, now, inc));
  timers.register(SNOOZE_END_KIND, async (trx, timer) => {
    await d.incidents.endSnooze(Number(timer.incident_number), { trx });
  });
  timers.register(ESCALATION_KIND, async (trx, timer, now, inc) => {
    const number = Number(timer.incident_number);
    // Acknowledged, resolved or snoozed meanwhile: those changes cancel the timer, so this is only
    // a race lost by a hair; nothing to do.
    if (!inc || inc.status !== 'triggered' || (inc.snoozedUntil !== null && inc.snoozedUntil > now)) return;
    const policy = await loadPolicy(trx, inc.sourceId);
    let step: Step | null = parseStep(timer.data);
    if (policy && step && step.level >= policy.levels.length) {
      // The policy got shorter since this step was scheduled.
      step = step.round < policy.repeat ? { level: 0, round: step.round + 1 } : null;
    }
    if (!policy || !step) {
      const why = policy ? 'the policy changed and has no further level' : 'the source has no escalation policy any more';
      await addHarkEntry(trx, { incidentNumber: number, at: now, kind: ESCALATION_KIND, message: `escalation ended: ${why}` });
      return;
    }
    await d.escalator.notify(trx, inc, policy, step, now, { timerWaiting: false });
  });
}
