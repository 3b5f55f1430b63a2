import type { Kysely } from 'kysely';
import type { Logger } from '../log.ts';
import type { Incident } from '../incident/types.ts';
import type { DB } from '../store/schema.ts';
import { onCallNow } from '../schedule/lookup.ts';
import { nextStep, type EscalationPolicy, type Step, type UrgentKind } from './policy.ts';
import type { EscalationDelivery } from './ports.ts';
import { cancel, schedule } from '../store/timer-repo.ts';
import { addHarkEntry } from '../store/timeline-repo.ts';
import { recentEscalationData } from '../store/paging-repo.ts';
import { parseStep } from './timers.ts';
import { findChat } from '../store/chat-repo.ts';
import { findMemberByEmail } from '../store/member-repo.ts';
import { notePaged, scheduleUnseen, UNSEEN_KIND } from './seen.ts';

// One escalation step: notify a level's targets (outbox rows in the caller's transaction), write
// the timeline entry, and schedule the next step as a durable timer. A level nobody on it can be
// reached at (members who never linked, groups the bot left) is recorded and skipped at once, so
// the escalation never waits on someone unreachable.

export const ESCALATION_KIND = 'escalate';

type Reach = { name: string; reached: boolean };
/** The level being paged (1-based), when, and its buzz. */
type LevelAt = { level: number; now: number; urgent?: UrgentKind };

/** The level notify() reached someone at: its step, who, and whether it is the policy's last. */
export interface Paged extends Step {
  readonly reached: readonly string[];
  readonly last: boolean;
}

export interface EscalatorDeps {
  delivery: EscalationDelivery;
  log: Logger;
  /** Told the due time of every timer scheduled, so the local scanner can wake for it. */
  scheduled?: (dueAt: number) => void;
}

export class Escalator {
  constructor(private readonly d: EscalatorDeps) {}

  /** Delivery's port, for the timers fired beside escalation steps (the acknowledgement reminder). */
  get delivery(): EscalationDelivery {
    return this.d.delivery;
  }

  /** Tells the local scanner about a timer due at `dueAt`. */
  readonly scheduled = (dueAt: number): void => this.d.scheduled?.(dueAt);

  /**
   * Notifies the level of `step` now and schedules the next step after that level's wait. Moves
   * on at once past levels where nobody is reachable (bounded by the policy's length).
   */
  async notify(
    db: Kysely<DB>,
    inc: Pick<Incident, 'number' | 'severity'>,
    policy: EscalationPolicy,
    start: Step,
    now: number,
    /**
     * false when the caller knows no escalation timer of the incident is waiting: the scanner, which
     * just marked the incident's only one fired (one pending per incident). Saves the cancel at
     * the last level.
     */
    opts: {
      timerWaiting?: boolean;
      /** Escalate now (issue 29): without costlyUrgent, an SMS or phone level buzzes in-app instead. */
      byHand?: { costlyUrgent: boolean };
    } = {},
  ): Promise<Paged | null> {
    const waiting = opts.timerWaiting !== false;
    const cheap = opts.byHand?.costlyUrgent === false;
    let step: Step | null = start;
    let paged: Paged | null = null;
    for (let guard = policy.levels.length * (policy.repeat + 1); step && guard > 0; guard--) {
      const policyLevel = policy.levels[step.level];
      if (!policyLevel) break;
      const level = cheap && (policyLevel.urgent === 'sms' || policyLevel.urgent === 'phone') ? { ...policyLevel, urgent: 'app' as const } : policyLevel;
      const reach: Reach[] = [];
      const firstPass = step.round === 0;
      for (const target of level.targets) {
        const at = { level: step.level + 1, now, urgent: level.urgent };
        if ('schedule' in target) reach.push(...(await this.schedule(db, inc, target.schedule, at)));
        else reach.push('member' in target ? await this.member(db, inc, target.member, at) : await this.chat(db, inc, target.chat, firstPass, now));
      }
      const next = nextStep(policy, step);
      const reached = reach.filter((r) => r.reached).map((r) => r.name);
      const where = `level ${step.level + 1}${step.round > 0 ? ` (repeat ${step.round} of ${policy.repeat})` : ''}${next ? '' : ' (last level)'}`;
      if (reached.length) {
        await this.note(db, inc.number, now, `escalated to ${where}: ${reached.join(', ')}`, { ...step, targets: reached });
        paged = { ...step, reached, last: next === null };
        // Issue 25: whoever of this level has not read their page by its unseen_after is buzzed louder.
        const earlierMayWait = waiting || policy.levels.some((l) => l.unseen_after != null);
        const unseenAt = await scheduleUnseen(db, inc.number, policyLevel, step.level + 1, now, earlierMayWait);
        if (unseenAt !== null) this.d.scheduled?.(unseenAt);
        if (next) {
          const dueAt = now + Math.round(level.wait_minutes * 60_000);
          await schedule(db, { kind: 'escalate', incidentNumber: inc.number, dueAt, data: next }, now);
          this.d.scheduled?.(dueAt);
        } else if (waiting) {
          await cancel(db, inc.number, ['escalate'], now);
        }
        break;
      }
      const then = next ? `moving on to level ${next.level + 1} now` : 'the escalation ends here';
      await this.note(db, inc.number, now, `escalated to ${where}: nobody there can be reached; ${then}`, { ...step, targets: [] });
      if (!next && waiting) await cancel(db, inc.number, ['escalate'], now);
      step = next;
    }
    await this.d.delivery.refreshCards(db, inc.number);
    this.d.delivery.wake();
    return paged;
  }

  /**
   * Resumes the escalation of an incident its own alert reopened soon after it resolved by itself
   * (README "Maintenance and noise"): nobody is paged now; the level last paged waits its wait
   * again, then the next level is paged as usual. False when no level was ever paged (the caller
   * then starts from level 1).
   */
  async resume(db: Kysely<DB>, inc: Pick<Incident, 'number'>, policy: EscalationPolicy, now: number): Promise<boolean> {
    const step = parseStep((await recentEscalationData(db, inc.number, 1))[0] ?? null);
    const level = step ? policy.levels[step.level] : undefined;
    if (!step || !level) return false;
    const next = nextStep(policy, step);
    const at = `level ${step.level + 1}`;
    if (next) {
      const dueAt = now + Math.round(level.wait_minutes * 60_000);
      await schedule(db, { kind: 'escalate', incidentNumber: inc.number, dueAt, data: next }, now);
      this.d.scheduled?.(dueAt);
      await this.note(db, inc.number, now, `escalation resumed at ${at}, nobody paged again now; level ${next.level + 1} in ${level.wait_minutes} min unless acknowledged`, null);
    } else {
      await this.note(db, inc.number, now, `escalation resumed at ${at} (last level), nobody paged again`, null);
    }
    await this.d.delivery.refreshCards(db, inc.number);
    this.d.delivery.wake();
    return true;
  }

  /** Stops a running escalation (ack, resolve, snooze); the timeline says so when one was running. */
  async stop(db: Kysely<DB>, number: number, why: string, now: number): Promise<boolean> {
    const n = await cancel(db, number, ['escalate'], now);
    await cancel(db, number, [UNSEEN_KIND], now);
    if (n > 0) await this.note(db, number, now, `escalation stopped: ${why}`, null);
    return n > 0;
  }

  private async member(db: Kysely<DB>, inc: Pick<Incident, 'number' | 'severity'>, email: string, at: LevelAt): Promise<Reach> {
    const { now, urgent } = at;
    const m = await findMemberByEmail(db, email);
    if (!m) {
      await this.note(db, inc.number, now, `not notified: ${email} is no longer on the roster`, { member: email }, 'delivery');
      return { name: email, reached: false };
    }
    const r = await this.d.delivery.notifyMember(db, { member: { name: m.name, openId: m.openId }, incidentNumber: inc.number, severity: inc.severity, urgent });
    if (r === 'queued' && m.openId) await notePaged(db, { incidentNumber: inc.number, openId: m.openId, name: m.name, email: m.email, level: at.level, now });
    return { name: m.name, reached: r === 'queued' };
  }

  /** Whoever is on call in the schedule at this moment (not when the incident opened). */
  private async schedule(db: Kysely<DB>, inc: Pick<Incident, 'number' | 'severity'>, name: string, at: LevelAt): Promise<Reach[]> {
    const { now, urgent } = at;
    const who = await onCallNow(db, name, now);
    if (!who) {
      await this.note(db, inc.number, now, `not notified: schedule ${name} no longer exists`, { schedule: name }, 'delivery');
      return [{ name: `schedule ${name}`, reached: false }];
    }
    if (who.members.length === 0) {
      const until = who.oncall.until === null ? '' : ` (until ${new Date(who.oncall.until).toISOString()})`;
      await this.note(db, inc.number, now, `not notified: nobody is on call in schedule ${name} right now${until}`, { schedule: name }, 'delivery');
      return [{ name: `schedule ${name}`, reached: false }];
    }
    const out: Reach[] = [];
    for (const m of who.members) {
      const r = await this.d.delivery.notifyMember(db, { member: { name: m.name, openId: m.openId }, incidentNumber: inc.number, severity: inc.severity, urgent });
      if (r === 'queued' && m.openId) await notePaged(db, { incidentNumber: inc.number, openId: m.openId, name: m.name, email: m.email, level: at.level, now });
      out.push({ name: `${m.name} (on call in ${name})`, reached: r === 'queued' });
    }
    return out;
  }

  private async chat(db: Kysely<DB>, inc: Pick<Incident, 'number' | 'severity'>, chatId: string, firstPass: boolean, now: number): Promise<Reach> {
    const c = await findChat(db, chatId);
    const name = `#${c?.name ?? chatId}`;
    if (!c || c.status !== 'active') {
      await this.note(db, inc.number, now, `not notified: bot is not in group ${c?.name ?? chatId}`, { chat_id: chatId }, 'delivery');
      return { name, reached: false };
    }
    // On the first pass a group that already has the card (it subscribes to the source) is not
    // sent a second copy; repeats post again, since that is what a repeat is for.
    if (firstPass && (await this.d.delivery.chatHasCard(db, inc.number, chatId))) return { name, reached: true };
    await this.d.delivery.notifyChat(db, { chatId, chatName: c.name, incidentNumber: inc.number, severity: inc.severity });
    return { name, reached: true };
  }

  private async note(db: Kysely<DB>, number: number, at: number, message: string, data: unknown, kind = ESCALATION_KIND): Promise<void> {
    await addHarkEntry(db, { incidentNumber: number, at, kind, message, data });
  }
}
