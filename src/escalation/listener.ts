import type { Transaction } from 'kysely';
import type { Clock, IncidentChange, IncidentListener } from '../incident/ports.ts';
import type { Incident } from '../incident/types.ts';
import type { DB } from '../store/schema.ts';
import type { Escalator } from './escalator.ts';
import { loadPolicy } from './policy.ts';
import { cancel, schedule } from '../store/timer-repo.ts';
import { recentEscalationData } from '../store/paging-repo.ts';
import { ACK_END_KIND, scheduleAckEnd } from './ack-timebox.ts';
import { parseStep } from './timers.ts';
import { stopWaiting } from './seen.ts';
import type { Step } from './policy.ts';

// Escalation's side of every incident change, inside the change's transaction (so a change and
// the timers it starts or stops commit together):
//   created                   → notify level 1 at once, schedule level 2
//   ack                       → stop the escalation (and its unseen check; paged people's chats
//                               leave the top of their Lark list: escalation/seen.ts)
//   resolve / auto_resolve    → stop the escalation and any snooze timer
//   snooze                    → stop the escalation; the snooze end becomes a timer
//   snooze_end, unack, reopen → the incident is nobody's again: start over from level 1, at once
//   ack with a time box, ack_extend → the reminder timer (escalation/ack-timebox.ts)
//   hand_back                 → the level paged last is paged again, and the escalation goes on from there
// Every change that ends a time-boxed acknowledgement cancels its reminder.
//   reopen by its own alert    → resume: the level last paged waits again, nobody paged at once
//   (within reopen_minutes)      (a flapping reopen: nothing at all)
// Pass it after the delivery listener (listeners(delivery.listener, escalation.listener)): level 1
// then sees the group cards delivery just queued and does not post a second copy.

export class EscalationListener implements IncidentListener {
  constructor(
    private readonly escalator: Escalator,
    private readonly clock: Clock,
    /** Told the due time of every snooze timer, so the local scanner can wake for it. */
    private readonly scheduled: (dueAt: number) => void,
  ) {}

  async onChange(trx: Transaction<DB>, change: IncidentChange): Promise<void> {
    const now = this.clock.now();
    const inc = change.incident;
    if (change.type === 'created') return this.start(trx, inc, now);
    if (change.type !== 'state_changed') return;
    const boxed = change.previous.ackedUntil != null;
    switch (change.action) {
      case 'ack':
        await this.escalator.stop(trx, inc.number, `acknowledged by ${change.actor.name}`, now);
        await stopWaiting(trx, this.escalator.delivery, inc.number, now);
        if (inc.ackedUntil != null) await this.remindAt(trx, inc.number, inc.ackedUntil, now);
        return;
      case 'ack_extend':
        if (inc.ackedUntil != null) await this.remindAt(trx, inc.number, inc.ackedUntil, now);
        return;
      case 'hand_back':
        await cancel(trx, inc.number, [ACK_END_KIND], now);
        return this.pageCurrentLevel(trx, inc, now);
      case 'resolve':
      case 'auto_resolve':
        await this.escalator.stop(trx, inc.number, 'resolved', now);
        await stopWaiting(trx, this.escalator.delivery, inc.number, now);
        await cancel(trx, inc.number, boxed ? ['snooze_end', ACK_END_KIND] : ['snooze_end'], now);
        return;
      case 'snooze':
        await this.escalator.stop(trx, inc.number, `snoozed by ${change.actor.name}`, now);
        await stopWaiting(trx, this.escalator.delivery, inc.number, now);
        if (inc.snoozedUntil !== null) {
          await schedule(trx, { kind: 'snooze_end', incidentNumber: inc.number, dueAt: inc.snoozedUntil }, now);
          this.scheduled(inc.snoozedUntil);
        }
        return;
      case 'reopen':
        if (boxed) await cancel(trx, inc.number, [ACK_END_KIND], now);
        // Reopened by a flapping alert: its card says so; paging again would be the noise itself.
        if (change.flapping) return;
        // Reopened by its own alert soon after resolving by itself: the escalation resumes.
        if (change.resume) return this.resume(trx, inc, now);
        return this.start(trx, inc, now);
      case 'snooze_end':
      case 'unack':
        if (boxed) await cancel(trx, inc.number, [ACK_END_KIND], now);
        return this.start(trx, inc, now);
      default:
        return;
    }
  }

  private async remindAt(trx: Transaction<DB>, number: number, until: number, now: number): Promise<void> {
    await scheduleAckEnd(trx, number, until, now);
    this.scheduled(until);
  }

  /** Hand-back: the level paged last (the timeline's latest escalation that reached someone), else level 1. */
  private async pageCurrentLevel(trx: Transaction<DB>, inc: Incident, now: number): Promise<void> {
    if (inc.status !== 'triggered') return;
    const policy = await loadPolicy(trx, inc.sourceId);
    if (!policy) return;
    let step: Step = { level: 0, round: 0 };
    for (const data of await recentEscalationData(trx, inc.number)) {
      const s = parseStep(data);
      const targets = (JSON.parse(data) as { targets?: unknown[] }).targets;
      if (s && Array.isArray(targets) && targets.length > 0) {
        step = s;
        break;
      }
    }
    if (step.level >= policy.levels.length) step = { level: 0, round: 0 };
    await this.escalator.notify(trx, inc, policy, step, now);
  }

  /** The level last paged waits its wait again; level 1 at once if no level was ever paged. */
  private async resume(trx: Transaction<DB>, inc: Incident, now: number): Promise<void> {
    if (inc.status !== 'triggered') return;
    const policy = await loadPolicy(trx, inc.sourceId);
    if (!policy) return;
    if (!(await this.escalator.resume(trx, inc, policy, now))) await this.escalator.notify(trx, inc, policy, { level: 0, round: 0 }, now);
  }

  /** Level 1 of the source's policy, if it has one and the incident waits for someone. */
  private async start(trx: Transaction<DB>, inc: Incident, now: number): Promise<void> {
    if (inc.status !== 'triggered' || (inc.snoozedUntil !== null && inc.snoozedUntil > now)) return;
    const policy = await loadPolicy(trx, inc.sourceId);
    if (!policy) return;
    await this.escalator.notify(trx, inc, policy, { level: 0, round: 0 }, now);
  }
}
