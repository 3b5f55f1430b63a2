import type { Transaction } from 'kysely';
import type { DB } from '../store/schema.ts';
import type { ActionKind, Actor, Alert, Incident } from './types.ts';

// Ports the incident service talks through. Adapters live elsewhere: the delivery outbox
// implements IncidentListener, main.ts passes systemClock, tests pass a fake clock.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * What changed, announced once per change. `incident` is the incident after the change;
 * `previous` the one before (absent for `created`).
 */
/**
 * What a caller tells the listeners about one change, passed on untouched (the domain reads none of
 * it): delivery's `answeredCopy`, the card copy whose click answer already shows the change
 * (docs/lark-notes.md §1.8), so it is marked fresh instead of updated again.
 */
export type ChangeHints = Readonly<{ answeredCopy?: string }>;

export type IncidentChange =
  | { readonly type: 'created'; readonly incident: Incident; readonly alerts: readonly Alert[]; readonly actor: Actor }
  | {
      readonly type: 'alert_added';
      readonly incident: Incident;
      readonly previous: Incident;
      /** Alerts that started firing in this change (new, or firing again). */
      readonly alerts: readonly Alert[];
      readonly actor: Actor;
    }
  | {
      readonly type: 'alert_resolved';
      readonly incident: Incident;
      readonly previous: Incident;
      readonly alerts: readonly Alert[];
      readonly actor: Actor;
    }
  | {
      readonly type: 'state_changed';
      readonly incident: Incident;
      readonly previous: Incident;
      readonly action: ActionKind;
      readonly actor: Actor;
      /** The timeline sentence, e.g. "#42 acknowledged by Alice". */
      readonly message: string;
      /** What the caller told the listeners (TxOption.hints); the domain does not read it. */
      readonly hints?: ChangeHints;
      /** A reopen by a flapping alert (incident/noise.ts): nobody is paged again. */
      readonly flapping?: { readonly changes: number; readonly minutes: number };
      /** A reopen by the incident's own alert within reopen_minutes of resolving by itself: the escalation resumes, nobody is paged at once. */
      readonly resume?: true;
    };

/**
 * Told about every change inside the transaction that makes it, with that transaction's handle,
 * so the delivery outbox is written atomically with the change (no lost or phantom notifications).
 * Throwing rolls the change back.
 */
export interface IncidentListener {
  onChange(trx: Transaction<DB>, change: IncidentChange): Promise<void>;
}

export const noopListener: IncidentListener = { onChange: async () => {} };

/** Calls several listeners in order (e.g. the outbox and a metrics counter). */
export function listeners(...list: IncidentListener[]): IncidentListener {
  return {
    async onChange(trx, change) {
      for (const l of list) await l.onChange(trx, change);
    },
  };
}
