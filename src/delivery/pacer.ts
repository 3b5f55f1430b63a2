import type { SharedState } from '../state/index.ts';

// Paces calls to Lark under its per-second limits, across replicas.
//
// Lark counts in sliding windows (docs/lark-notes.md §6: 5/s per group, 50/s per app …), so a fixed-window
// counter that allows N per second lets 2N through across a window boundary and Lark refuses the
// excess. Instead each bucket is cut into slots of 1/rate seconds and a call must own a slot:
// `setIfAbsent` on the slot's key is the cross-replica claim, and a call starts at its slot's
// start, so no sliding second ever holds more than `rate` calls. The per-minute budget on top is
// a plain rate-limiter-flexible counter (SharedState.rateLimiter).

export interface Bucket {
  /** e.g. "chat:oc_1", "app:send". */
  key: string;
  perSecond: number;
  /** Fraction of the rate used; default PacerOptions.pacing. Lower leaves more room to line up with other buckets. */
  pacing?: number;
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

interface Held {
  bucket: string;
  slot: number;
  start: number;
  key: string;
}

export class SlotPacer {
  /** Slots this process holds per bucket: not worth probing again (other replicas' are probed). */
  private readonly mine = new Map<string, Map<number, number>>();

  constructor(private readonly o: PacerOptions) {}

  intervalOf(b: Bucket): number {
    return 1000 / (b.perSecond * (b.pacing ?? this.o.pacing));
  }

  /**
   * How late after its slot's start a call may go. With pacing p, slots leave (1/p − 1) s of
   * head-room per second (50 ms at 0.95, 250 ms at 0.8): half of it absorbs our lateness (lining
   * up with the other buckets), half network jitter.
   */
  toleranceOf(b: Bucket): number {
    return Math.max(1, ((1 / (b.pacing ?? this.o.pacing) - 1) * 1000) / 2);
  }

  /** Each bucket's slot grid is shifted by a hash of its key, so that groups do not all want the same instant. */
  private offsetOf(b: Bucket): number {
    let h = 0;
    for (let i = 0; i < b.key.length; i++) h = (h * 31 + b.key.charCodeAt(i)) >>> 0;
    return ((h % 1000) / 1000) * this.intervalOf(b);
  }

  /**
   * Books one slot in every bucket such that all of them start within the tolerance before one
   * common time T, and resolves T (when the call may start), or null when no such time exists
   * within the horizon, with the deadline by which the call must have started. A bucket whose slot
   * starts too early for T gives it back and books again.
   */
  async reserve(buckets: readonly Bucket[]): Promise<{ at: number; deadline: number } | null> {
    let target = this.o.clock();
    const held: (Held | null)[] = buckets.map(() => null);
    const fits = (i: number) => {
      const h = held[i];
      return h !== null && h.start >= target - this.toleranceOf(buckets[i]) && h.start <= target;
    };
    const giveBack = async (i: number) => {
      const h = held[i];
      held[i] = null;
      if (!h) return;
      this.mine.get(h.bucket)?.delete(h.slot);
      await this.o.state.delete(h.key).catch(() => undefined);
    };
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < buckets.length; i++) {
        if (fits(i)) continue;
        await giveBack(i);
        const got = await this.book(buckets[i], target - this.toleranceOf(buckets[i]));
        if (!got) {
          for (let j = 0; j < buckets.length; j++) await giveBack(j);
          return null;
        }
        held[i] = got;
        if (got.start > target) target = got.start;
      }
      if (buckets.every((_, i) => fits(i))) {
        // The call must start by the earliest "slot start + tolerance"; later, it could crowd the next slot.
        const deadline = Math.min(...held.map((h, i) => h!.start + this.toleranceOf(buckets[i])));
        return { at: target, deadline };
      }
    }
    for (let j = 0; j < buckets.length; j++) await giveBack(j);
    return null;
  }

  /** Waits until the booked time. */
  async waitUntil(at: number): Promise<void> {
    const delay = at - this.o.clock();
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  }

  /**
   * The first free slot of the bucket starting at or after `from` (and not before now − tolerance).
   * Earlier gaps are filled first, so slots given back or skipped are not wasted.
   */
  private async book(b: Bucket, from: number): Promise<Held | null> {
    const interval = this.intervalOf(b);
    const offset = this.offsetOf(b);
    const now = this.o.clock();
    let mine = this.mine.get(b.key);
    if (!mine) this.mine.set(b.key, (mine = new Map()));
    for (const [slot, start] of mine) if (start < now - 2000) mine.delete(slot);
    const first = Math.ceil((Math.max(from, now - this.toleranceOf(b)) - offset) / interval);
    const last = Math.floor((now + this.o.horizonMs - offset) / interval);
    for (let slot = first; slot <= last; slot++) {
      if (mine.has(slot)) continue;
      const start = slot * interval + offset;
      const key = `pace:${b.key}:${slot}`;
      const ttl = Math.max(1, Math.ceil(start - now + 2 * interval + 1000));
      if (await this.o.state.setIfAbsent(key, this.o.owner, ttl)) {
        mine.set(slot, start);
        return { bucket: b.key, slot, start, key };
      }
    }
    if (mine.size === 0) this.mine.delete(b.key);
    if (this.mine.size > 10_000) this.mine.clear();
    return null;
  }
}
