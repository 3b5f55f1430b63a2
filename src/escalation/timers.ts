import type { Kysely } from 'kysely';
import { escalateTimerOf } from '../store/timer-repo.ts';
import type { DB } from '../store/schema.ts';
import type { Step } from './policy.ts';

// What an escalate timer's data means: the step it will notify (the timers table itself is
// store/timer-repo.ts).

/** What the card shows: the level the waiting escalation timer will notify, and when. */
export async function nextEscalationOf(db: Kysely<DB>, incidentNumber: number): Promise<{ level: number; at: number } | null> {
  const r = await escalateTimerOf(db, incidentNumber);
  return r ? nextEscalationFrom(r.due_at, r.data) : null;
}

/** The same from a waiting escalate timer's due_at and data (null when there is none). */
export function nextEscalationFrom(dueAt: number | string | null | undefined, data: string | null | undefined): { level: number; at: number } | null {
  if (dueAt === null || dueAt === undefined) return null;
  const step = parseStep(data ?? null);
  return step ? { level: step.level + 1, at: Number(dueAt) } : null;
}

export function parseStep(data: string | null): Step | null {
  if (!data) return null;
  try {
    const v = JSON.parse(data) as Partial<Step>;
    return Number.isInteger(v.level) && Number.isInteger(v.round) && v.level! >= 0 && v.round! >= 0
      ? { level: v.level!, round: v.round! }
      : null;
  } catch {
    return null;
  }
}

