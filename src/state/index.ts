export {
  createSharedState,
  DEFAULT_PREFIX,
  type Lock,
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimitResult,
  type SharedState,
  type SharedStateOptions,
} from './shared-state.ts';
export { SharedStateError } from './errors.ts';
export { MemorySharedState } from './memory-state.ts';
export { RedisSharedState } from './redis-state.ts';
