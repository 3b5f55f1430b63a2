import type { TimerPort } from '../timers/registry.ts';
import { addHarkEntry } from '../store/timeline-repo.ts';
import { ESCALATION_KIND, type Escalator } from './escalator.ts';
import { loadPolicy, type Step } from './policy.ts';
import type { SnoozeEnder } from './ports.ts';
import { parseStep } from './timers.ts';

// Escalation's two durable timer kinds (src/timers/): the next escalation step and a snooze's end.

export const SNOOZE_END_KIND = 'snooze_end';

/** Registers `escalate` and `snooze_end`; `incidents` is the incident service built with escalation's listener. */
export function registerEscalationTimers(timers: Pick<TimerPort, 'register'>, d: { escalator: Escalator; incidents: SnoozeEnder }): void {
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
