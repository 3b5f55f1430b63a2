import { randomUUID } from 'node:crypto';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { checkTtl, SharedStateError } from './errors.ts';
import { limiterSettings, wrapLimiter } from './rate-limit.ts';
import type { Lock, RateLimiter, RateLimiterOptions, SharedState } from './shared-state.ts';

interface Entry {
  value: string;
  expiresAt: number;
}

/** Below this many entries a full sweep is not worth doing. */
const MIN_SWEEP_SIZE = 1024;

/**
 * Single-process store. Entries expire by timestamp against the injected clock (no timers, so
 * tests can move time); expired entries are dropped when read, and a full sweep runs whenever
 * the map doubles since the last one, which keeps it within ~2x the live entries at O(1)
 * amortised cost per write.
 */
export class MemorySharedState implements SharedState {
  readonly kind = 'memory' as const;
  readonly #prefix: string;
  readonly #clock: () => number;
  readonly #entries = new Map<string, Entry>();
  #sweepAtSize = MIN_SWEEP_SIZE;
  /** One counter for every lock key: strictly increasing per key, as fencing needs. */
  #fence = 0;
  #closed = false;

  constructor(opts: { prefix: string; clock: () => number }) {
    this.#prefix = opts.prefix;
    this.#clock = opts.clock;
  }

  /** Entries held, including expired ones not yet swept (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.#claim(`kv:${key}`, value, checkTtl(ttlMs));
  }

  async get(key: string): Promise<string | null> {
    this.#open();
    return this.#live(`kv:${key}`)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#open();
    this.#put(`kv:${key}`, value, checkTtl(ttlMs));
  }

  async delete(key: string): Promise<void> {
    this.#open();
    this.#entries.delete(`kv:${key}`);
  }

  async acquireLock(key: string, ttlMs: number): Promise<Lock | null> {
    const token = randomUUID();
    const id = `lock:${key}`;
    if (!this.#claim(id, token, checkTtl(ttlMs))) return null;
    const fence = ++this.#fence;
    const owned = (): Entry | undefined => {
      const entry = this.#live(id);
      return entry?.value === token ? entry : undefined;
    };
    return {
      key,
      fence,
      release: async () => {
        if (owned()) this.#entries.delete(id);
      },
      extend: async (extendMs: number) => {
        const ms = checkTtl(extendMs);
        const entry = owned();
        if (entry) entry.expiresAt = this.#clock() + ms;
        return entry !== undefined;
      },
    };
  }

  /**
   * Rate-limit windows follow wall-clock time, not the injected clock: RateLimiterMemory keeps
   * its own timestamps. Using the library keeps memory and Redis limits the same algorithm.
   */
  rateLimiter(opts: RateLimiterOptions): RateLimiter {
    const limiter = new RateLimiterMemory({
      ...limiterSettings(opts),
      keyPrefix: `${this.#prefix}rl:${opts.name}`,
    });
    return wrapLimiter(limiter, (err) =>
      err instanceof Error ? err : new SharedStateError(`rate limiter ${opts.name} failed`),
    );
  }

  async ping(): Promise<boolean> {
    return !this.#closed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
  }

  #claim(id: string, value: string, ttlMs: number): boolean {
    this.#open();
    if (this.#live(id)) return false;
    this.#put(id, value, ttlMs);
    return true;
  }

  #put(id: string, value: string, ttlMs: number): void {
    this.#entries.set(id, { value, expiresAt: this.#clock() + ttlMs });
    if (this.#entries.size >= this.#sweepAtSize) this.#sweep();
  }

  #live(id: string): Entry | undefined {
    const entry = this.#entries.get(id);
    if (entry && entry.expiresAt <= this.#clock()) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry;
  }

  #sweep(): void {
    const now = this.#clock();
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(id);
    }
    this.#sweepAtSize = Math.max(MIN_SWEEP_SIZE, this.#entries.size * 2);
  }

  #open(): void {
    if (this.#closed) throw new SharedStateError('shared state is closed');
  }
}
