/**
 * Lua for locks: each runs atomically in Redis, so "check the token, then act" cannot
 * interleave with another replica taking the lock over.
 */
export const LOCK_SCRIPTS = {
  /** KEYS: lock, fence counter. ARGV: token, ttlMs. Returns the new fence, or nil when held. */
  acquire: `
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  return redis.call('INCR', KEYS[2])
end
return false`,
  /** KEYS: lock. ARGV: token. Deletes only the holder's own lock. */
  release: `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`,
  /** KEYS: lock. ARGV: token, ttlMs. Returns 1 when extended. */
  extend: `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`,
};

/** The commands registered with defineCommand, as ioredis exposes them. */
export interface LockCommands {
  harkAcquire(lockKey: string, fenceKey: string, token: string, ttlMs: number): Promise<number | null>;
  harkRelease(lockKey: string, token: string): Promise<number>;
  harkExtend(lockKey: string, token: string, ttlMs: number): Promise<number>;
}
