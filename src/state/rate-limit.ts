import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimiter, RateLimiterOptions, RateLimitResult } from './shared-state.ts';

/**
 * rate-limiter-flexible counts in whole seconds, and its Redis store treats a duration under
 * one second as "never expires"; round up so a short window can never become a permanent ban.
 */
export function limiterSettings(opts: RateLimiterOptions): { points: number; duration: number } {
  if (!Number.isInteger(opts.points) || opts.points <= 0) {
    throw new RangeError(`rate limiter ${opts.name}: points must be a positive integer`);
  }
  if (!Number.isFinite(opts.durationMs) || opts.durationMs <= 0) {
    throw new RangeError(`rate limiter ${opts.name}: durationMs must be positive`);
  }
  return { points: opts.points, duration: Math.max(1, Math.ceil(opts.durationMs / 1000)) };
}

/**
 * The library rejects with a RateLimiterRes when limited and with an Error when the store
 * fails; only the latter is an error for Hark, so "limited" becomes a plain result.
 */
export function wrapLimiter(
  limiter: RateLimiterAbstract,
  toError: (err: unknown) => Error,
): RateLimiter {
  return {
    async consume(key: string, points = 1): Promise<RateLimitResult> {
      try {
        return toResult(await limiter.consume(key, points), true);
      } catch (err) {
        if (err instanceof RateLimiterRes) return toResult(err, false);
        throw toError(err);
      }
    },
  };
}

function toResult(res: RateLimiterRes, allowed: boolean): RateLimitResult {
  return { allowed, msBeforeNext: Math.max(0, res.msBeforeNext), remaining: res.remainingPoints };
}
