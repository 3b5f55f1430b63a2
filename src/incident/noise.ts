import { formatDuration } from './duration.ts';
import type { Incident } from './types.ts';

// Noise rules (README "Maintenance and noise"), pure: what a firing does when its group has no open
// incident. Within `reopenMs` of the group's last incident resolving by itself, or while the group
// flaps (it changed state `flapChanges` times within `flapMs`), the last incident reopens instead
// of a new one opening; a flapping reopen pages nobody again.

export interface NoiseSettings {
  readonly reopenMs: number;
  readonly flapChanges: number;
  readonly flapMs: number;
}

export const defaultNoise: NoiseSettings = { reopenMs: 10 * 60_000, flapChanges: 4, flapMs: 60 * 60_000 };

/** A source's own settings over the defaults: null keeps a default, 0 turns reopening or flapping off. */
export function noiseFor(
  defaults: NoiseSettings,
  own: { readonly reopenMinutes: number | null; readonly flapChanges: number | null; readonly flapMinutes: number | null },
): NoiseSettings {
  return {
    reopenMs: own.reopenMinutes === null ? defaults.reopenMs : own.reopenMinutes * 60_000,
    flapChanges: own.flapChanges ?? defaults.flapChanges,
    flapMs: own.flapMinutes === null ? defaults.flapMs : own.flapMinutes * 60_000,
  };
}

export type Refire =
  | { readonly reopen: false }
  | { readonly reopen: true; readonly message: string; readonly flapping: { readonly changes: number; readonly minutes: number } | null };

const ordinal = (n: number) => `${n}${n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;

/** `priorChanges`: the group's state changes within flapMs before this firing. */
export function refire(last: Incident | null, priorChanges: number, now: number, s: NoiseSettings = defaultNoise): Refire {
  if (!last || last.status !== 'resolved' || last.openKey !== null) return { reopen: false };
  const n = `#${last.number}`;
  if (s.flapChanges > 0 && s.flapMs > 0 && priorChanges >= s.flapChanges) {
    const minutes = Math.round(s.flapMs / 60_000);
    const changes = priorChanges + 1;
    return {
      reopen: true,
      flapping: { changes, minutes },
      message: `${n} reopened by the alert, ${ordinal(changes)} change in ${minutes} min; it is flapping, so nobody is paged again`,
    };
  }
  const resolvedAt = last.resolvedBy?.at ?? null;
  if (last.lastAction.kind === 'auto_resolve' && resolvedAt !== null && now - resolvedAt < s.reopenMs) {
    return { reopen: true, flapping: null, message: `${n} reopened by the alert: it fired again ${formatDuration(Math.max(1000, now - resolvedAt))} after resolving by itself` };
  }
  return { reopen: false };
}
