import type { Kysely, Transaction } from 'kysely';
import type { Incident } from '../incident/types.ts';
import { formatTime } from '../incident/incident.ts';
import { formatDuration } from '../incident/duration.ts';
import { renderAckReminderCard } from '../render/index.ts';
import { findMemberById } from '../store/member-repo.ts';
import type { DB } from '../store/schema.ts';
import { addHarkEntry } from '../store/timeline-repo.ts';
import { cancel, schedule, type Timer } from '../store/timer-repo.ts';
import { DEFAULT_ACK_GRACE_MS, loadPolicy, policyMs } from './policy.ts';
import type { AckHandBack, EscalationDelivery } from './ports.ts';

// The acknowledgement time box (issue 25), one durable timer per incident (kind "ack_end"):
//   phase "remind": the box ended → a private reminder card to the acker (Extend 30 m, Resolve,
//                   Hand back), and the same timer again after the policy's grace (ack_grace, 10m);
//   phase "grace":  still unanswered → the incident is handed back: triggered, the current level
//                   paged again (escalation/listener.ts), the timeline says why.
// Registered on the timer engine with escalation's kinds (timer-kinds.ts) and fired in the timer's
// transaction, so once across replicas and after a restart.

export const ACK_END_KIND = 'ack_end';
/** Timeline kind of the reminder entry. */
export const ACK_TIMEBOX_ENTRY = 'ack_timebox';

export interface AckEndDeps {
  delivery: EscalationDelivery;
  incidents: AckHandBack;
  /** Told the due time of the grace timer, so the local scanner wakes for it. */
  scheduled?: (dueAt: number) => void;
}

type Phase = 'remind' | 'grace';

/** Starts or moves the reminder of an acknowledgement whose box ends at `until` (in the change's transaction). */
export async function scheduleAckEnd(db: Kysely<DB>, number: number, until: number, now: number): Promise<void> {
  await schedule(db, { kind: ACK_END_KIND, incidentNumber: number, dueAt: until, data: { phase: 'remind' satisfies Phase } }, now);
}

export async function cancelAckEnd(db: Kysely<DB>, number: number, now: number): Promise<void> {
  await cancel(db, number, [ACK_END_KIND], now);
}

function phaseOf(data: string | null): Phase {
  try {
    return (JSON.parse(data ?? '{}') as { phase?: string }).phase === 'grace' ? 'grace' : 'remind';
  } catch {
    return 'remind';
  }
}

/** Fires one "ack_end" timer; `inc` is the timer's incident, locked by the scanner. */
export async function fireAckEnd(d: AckEndDeps, trx: Transaction<DB>, timer: Timer, now: number, inc: Incident | null): Promise<void> {
  // Unacknowledged, resolved or extended meanwhile: those changes cancel or move this timer, so
  // this is a race lost by a hair; nothing to do.
  if (!inc || inc.status !== 'acknowledged' || inc.ackedUntil == null || inc.ackedUntil > now || !inc.ackedBy) return;
  const policy = await loadPolicy(trx, inc.sourceId);
  const graceMs = policyMs(policy?.ack_grace) ?? DEFAULT_ACK_GRACE_MS;
  const acker = inc.ackedBy;
  if (phaseOf(timer.data) === 'grace') {
    await d.incidents.handBack(inc.number, null, { trx, timedOut: { acker: acker.name, graceMs } });
    return;
  }
  const member = acker.id === null ? null : await findMemberById(trx, acker.id);
  const handBackAt = now + graceMs;
  const card = renderAckReminderCard({ number: inc.number, title: inc.title, until: inc.ackedUntil, handBackAt }, { lang: 'both', now });
  const r = await d.delivery.privateCard(trx, { member: { name: acker.name, openId: member?.openId ?? null }, incidentNumber: inc.number, card });
  const how = r === 'queued' ? `reminded ${acker.name} privately` : `could not remind ${acker.name}`;
  await addHarkEntry(trx, {
    incidentNumber: inc.number,
    at: now,
    kind: ACK_TIMEBOX_ENTRY,
    message:
      `the acknowledgement by ${acker.name} ran out at ${formatTime(inc.ackedUntil, now)}; ${how}. ` +
      `Without an answer within ${formatDuration(graceMs)} the incident goes back to triggered`,
    data: { acker: acker.name, until: inc.ackedUntil, hand_back_at: handBackAt },
  });
  await schedule(trx, { kind: ACK_END_KIND, incidentNumber: inc.number, dueAt: handBackAt, data: { phase: 'grace' satisfies Phase } }, now);
  d.scheduled?.(handBackAt);
  d.delivery.wake();
}
