import type { TimerPort } from '../timers/registry.ts';
import { addHarkEntry } from '../store/timeline-repo.ts';
import { ESCALATION_KIND, type Escalator } from './escalator.ts';
import { loadPolicy, parseStoredPolicy, type Step } from './policy.ts';
import type { Transaction } from 'kysely';
import type { Incident } from '../incident/types.ts';
import type { DB } from '../store/schema.ts';
import type { Timer } from '../store/timer-repo.ts';
import { readEscalationsAhead, readStepsAhead } from '../store/read-ahead.ts';
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
  }, { readAhead: readAheadForSteps, deferWrites: true });
}

/**
 * Before a group of steps fires (issue 28): their sources' policies, the members their levels
 * page and their incidents' card copies, read in three queries instead of three per step.
 */
async function readAheadForSteps(trx: Transaction<DB>, group: readonly Timer[], incidents: ReadonlyMap<number, Incident>): Promise<void> {
  const live = group.map((t) => incidents.get(Number(t.incident_number))).filter((i): i is Incident => i !== undefined);
  const escalations = await readEscalationsAhead(trx, live.map((i) => i.sourceId));
  const emails: string[] = [];
  for (const t of group) {
    const inc = incidents.get(Number(t.incident_number));
    const policy = inc ? parseStoredPolicy(escalations.get(inc.sourceId) ?? null) : null;
    const step = parseStep(t.data);
    for (const target of (policy && step ? policy.levels[step.level]?.targets : undefined) ?? []) if ('member' in target) emails.push(target.member.toLowerCase());
  }
  await readStepsAhead(trx, emails, live.map((i) => i.number));
}
