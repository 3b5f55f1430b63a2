import type { Transaction } from 'kysely';
import type { Incident } from '../incident/types.ts';
import type { DB } from '../store/schema.ts';
import type { Timer } from '../store/timer-repo.ts';

// The kinds of durable timer and who fires each (docs/ARCHITECTURE.md "Where a new timer kind
// goes"). A feature registers its kinds when it is built; the scanner (scanner.ts) looks a due
// timer's kind up here and knows none of them by name.

/**
 * Fires one due timer inside the timer's transaction (marking it fired, the effect and any next
 * timer commit together). `incident` is the timer's incident, read and locked, or null for timers
 * of no incident (incident_number 0). Throwing rolls the fire back; it is retried with backoff.
 */
export type TimerHandler = (trx: Transaction<DB>, timer: Timer, now: number, incident: Incident | null) => Promise<void>;

/**
 * Optional, per kind: called once with the timers of that kind in a group fired together (more than
 * one), before their handlers, in the same transaction, so that the reads the handlers will make
 * can be made once for the group (a round trip, not the work, is most of a timer's cost).
 */
export type TimerGroupHook = (trx: Transaction<DB>, timers: readonly Timer[], incidents: ReadonlyMap<number, Incident>) => Promise<void>;

/** How a kind's timers fire when a group of them is fired in one transaction. */
export interface TimerGroupOptions {
  /** Reads made once for the group before its handlers run (see TimerGroupHook). */
  readAhead?: TimerGroupHook;
  /**
   * The handler's inserts of Hark's timeline entries, pages and private sends are kept and written
   * with the rest of the group's as one statement per table before the transaction commits
   * (src/store/write-batch.ts). Only for a handler that never reads those rows back itself.
   */
  deferWrites?: boolean;
}

/** What a feature needs of the timer engine: register its kinds, and say when it scheduled one. */
export interface TimerPort {
  /** Registers the handler of a kind (once per kind, while Hark is being built). */
  register(kind: string, handler: TimerHandler, group?: TimerGroupOptions): void;
  /** A timer due at `dueAt` was scheduled in this process: the local scanner wakes then, not at its next poll. */
  scheduled(dueAt: number): void;
}

export class TimerRegistry {
  private readonly handlers = new Map<string, TimerHandler>();
  private readonly groups = new Map<string, TimerGroupOptions>();

  register(kind: string, handler: TimerHandler, group: TimerGroupOptions = {}): void {
    if (this.handlers.has(kind)) throw new Error(`timer kind "${kind}" is registered twice`);
    this.handlers.set(kind, handler);
    this.groups.set(kind, group);
  }

  beforeGroupOf(kind: string): TimerGroupHook | undefined {
    return this.groups.get(kind)?.readAhead;
  }

  defersWrites(kind: string): boolean {
    return this.groups.get(kind)?.deferWrites === true;
  }

  handlerOf(kind: string): TimerHandler | undefined {
    return this.handlers.get(kind);
  }

  /** The registered kinds, sorted (tests, docs). */
  kinds(): string[] {
    return [...this.handlers.keys()].sort();
  }
}
