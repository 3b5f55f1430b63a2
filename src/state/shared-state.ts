/**
 * Shared state for Hark replicas: dedup keys, locks and rate-limit buckets.
 * One interface, two stores: in-process (one replica) and Redis (several replicas).
 */
import { MemorySharedState } from './memory-state.ts';
import { RedisSharedState } from './redis-state.ts';

/** A held lock. Check `fence` at the resource you protect: a stale holder carries a lower one. */
export interface Lock {
  readonly key: string;
  /**
   * Strictly increasing across acquisitions of the same key (not necessarily consecutive:
   * one counter serves all keys, so the store keeps a single fence key instead of one per lock).
   */
  readonly fence: number;
  /** Deletes the lock if this holder still owns it; a no-op once it expired or was taken over. */
  release(): Promise<void>;
  /** Resets the lock's TTL to ttlMs from now; false when this holder no longer owns it. */
  extend(ttlMs: number): Promise<boolean>;
}

export interface RateLimitResult {
  allowed: boolean;
  /** When refused: how long until the window resets. When allowed: time left in the window. */
  msBeforeNext: number;
  remaining: number;
}

export interface RateLimiter {
  /** Resolves `allowed: false` when limited; rejects only when the store itself fails. */
  consume(key: string, points?: number): Promise<RateLimitResult>;
}

export interface RateLimiterOptions {
  /** Names the bucket family; part of the stored key. */
  name: string;
  /** Points allowed per window. */
  points: number;
  /** Window length; rounded up to whole seconds (the granularity of rate-limiter-flexible). */
  durationMs: number;
}

export interface SharedState {
  readonly kind: 'memory' | 'redis';
  /** Stores value under key for ttlMs only if absent; true when this call stored it (first claim). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** null when someone else holds the lock. */
  acquireLock(key: string, ttlMs: number): Promise<Lock | null>;
  rateLimiter(opts: RateLimiterOptions): RateLimiter;
  /** true when the store answers; never rejects (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface SharedStateOptions {
  /** Redis when set (REDIS_URL), in-process otherwise. */
  redisUrl?: string;
  /** Key prefix (HARK_REDIS_PREFIX) so several deployments can share one Redis. */
  prefix?: string;
  /** Milliseconds since the epoch; the memory store's TTLs follow it (tests pass a fake). */
  clock?: () => number;
  /** Upper bound for one Redis command, so a dead connection rejects instead of hanging. */
  commandTimeoutMs?: number;
  /** Called with Redis connection errors (ioredis emits them as events; log them here). */
  onError?: (err: Error) => void;
}

export const DEFAULT_PREFIX = 'hark:';

export function createSharedState(opts: SharedStateOptions = {}): SharedState {
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  if (opts.redisUrl) {
    return new RedisSharedState({
      url: opts.redisUrl,
      prefix,
      commandTimeoutMs: opts.commandTimeoutMs,
      onError: opts.onError,
    });
  }
  return new MemorySharedState({ prefix, clock: opts.clock ?? Date.now });
}
