import type { SharedState } from '../state/index.ts';

// Paces calls to Lark under its per-second limits, across replicas.
//
// Lark counts in sliding windows (LARK.md §6: 5/s per group, 50/s per app …), so a fixed-window
// counter that allows N per second lets 2N through across a window boundary and Lark refuses the
// excess. Instead each bucket is cut into slots of 1/rate seconds and a call must own a slot:
// `setIfAbsent` on the slot's key is the cross-replica claim, and a call starts at its slot's
// start, so no sliding second ever holds more than `rate` calls. The per-minute budget on top is
// a plain rate-limiter-flexible counter (SharedState.rateLimiter).

export interface Bucket {
  /** e.g. "chat:oc_1", "app:send". */
  key: string;
  perSecond: number;
}

export interface PacerOptions {
  state: SharedState;
  clock: () => number;
  /** Fraction of each rate actually used (jitter head-room). */
  pacing: number;
  /** How far ahead a slot may be booked; beyond it the caller retries later. */
  horizonMs: number;
  /** Identifies this worker in the slot keys' values (debugging). */
  owner: string;
}

export class SlotPacer {
  /** Next slot index worth probing per bucket: saves probing slots this process already took. */
  private readonly hint = new Map<string, number>();
  /** When this process last started a call per bucket (local guard for slot-to-send delays). */
  private readonly lastStart = new Map<string, number>();

  constructor(private readonly o: PacerOptions) {}

  intervalOf(b: Bucket): number {
    return 1000 / (b.perSecond * this.o.pacing);
  }

  /**
   * Books one slot in each bucket, in order, each no earlier than the previous one's; resolves
   * the time at which the call may start, or null when a bucket is booked beyond the horizon.
   */
  async reserve(buckets: readonly Bucket[]): Promise<number | null> {
    let at = this.o.clock();
    for (const b of buckets) {
      const t = await this.reserveOne(b, at);
      if (t === null) return null;
      at = Math.max(at, t);
    }
    return at;
  }

  /** Waits until `at`, then keeps each bucket's local spacing (a later bucket may have pushed this call back). */
  async waitAndMark(buckets: readonly Bucket[], at: number): Promise<void> {
    let start = at;
    for (const b of buckets) {
      const last = this.lastStart.get(b.key);
      if (last !== undefined) start = Math.max(start, last + this.intervalOf(b));
    }
    const delay = start - this.o.clock();
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const now = this.o.clock();
    for (const b of buckets) this.lastStart.set(b.key, now);
    if (this.lastStart.size > 50_000) this.lastStart.clear();
  }

  private async reserveOne(b: Bucket, notBefore: number): Promise<number | null> {
    const interval = this.intervalOf(b);
    const now = this.o.clock();
    let slot = Math.ceil(Math.max(now, notBefore) / interval);
    const hinted = this.hint.get(b.key);
    if (hinted !== undefined && hinted > slot) slot = hinted;
    const last = Math.floor((now + this.o.horizonMs) / interval);
    for (; slot <= last; slot++) {
      const ttl = Math.max(1, Math.ceil(slot * interval - now + 2 * interval + 1000));
      if (await this.o.state.setIfAbsent(`pace:${b.key}:${slot}`, this.o.owner, ttl)) {
        this.hint.set(b.key, slot + 1);
        if (this.hint.size > 50_000) this.hint.clear();
        return slot * interval;
      }
    }
    this.hint.set(b.key, slot);
    return null;
  }
}
