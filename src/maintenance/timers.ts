import type { Transaction } from 'kysely';
import type { DB } from '../store/schema.ts';
import { findWindow, getRun } from '../store/maintenance-repo.ts';
import type { Runs } from './runs.ts';

// The two timer kinds of maintenance windows, fired by escalation's scanner in the timer's
// transaction (one replica fires each; one that fell due while Hark was down fires when it starts).
// Each kind is one function, so the scanner's registry can take it as it is.

interface TimerLike {
  readonly due_at: number;
  readonly data: string | null;
}

/** `maintenance_start`: an occurrence begins (data {window, start, end}). */
export async function fireMaintenanceStart(runs: Runs, trx: Transaction<DB>, timer: TimerLike, now: number): Promise<void> {
  const d = JSON.parse(timer.data ?? '{}') as { window?: number; start?: number; end?: number };
  if (typeof d.window !== 'number' || typeof d.start !== 'number' || typeof d.end !== 'number') return;
  await runs.start(trx, d.window, { start: d.start, end: d.end }, now);
}

/** `maintenance_end`: an occurrence is over (data {window, run}); a recurring window arms its next start. */
export async function fireMaintenanceEnd(runs: Runs, trx: Transaction<DB>, timer: TimerLike, now: number): Promise<void> {
  const d = JSON.parse(timer.data ?? '{}') as { window?: number; run?: number };
  if (typeof d.window !== 'number' || typeof d.run !== 'number') return;
  await runs.finish(trx, d.run, now, null);
  const w = await findWindow(trx, d.window);
  const run = await getRun(trx, d.run);
  if (w && w.deleted_at === null && w.recurring && run) {
    await runs.plan(trx, w, now, { start: Number(run.occurrence_start), end: Number(run.occurrence_end) });
  }
}

export const MAINTENANCE_TIMER_KINDS = ['maintenance_start', 'maintenance_end'] as const;
