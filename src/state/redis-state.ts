import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { checkTtl, SharedStateError } from './errors.ts';
import { limiterSettings, wrapLimiter } from './rate-limit.ts';
import type { Lock, RateLimiter, RateLimiterOptions, SharedState } from './shared-state.ts';
import { LOCK_SCRIPTS, type LockCommands } from './redis-scripts.ts';

export interface RedisSharedStateOptions {
  url: string;
  prefix: string;
  commandTimeoutMs?: number;
  onError?: (err: Error) => void;
}

/**
 * Redis store shared by every replica. Keys: `<prefix>kv:<key>`, `<prefix>lock:<key>`,
 * `<prefix>fence` (one counter for all locks) and `<prefix>rl:<name>:<key>`.
 */
export class RedisSharedState implements SharedState {
  readonly kind = 'redis' as const;
  readonly #prefix: string;
  readonly #client: Redis & LockCommands;
  /** host:port without credentials, for error messages. */
  readonly #where: string;
  #lastError: Error | undefined;

  constructor(opts: RedisSharedStateOptions) {
    this.#prefix = opts.prefix;
    this.#where = describeUrl(opts.url);
    const client = new Redis(opts.url, {
      // Connect on first use: constructing Hark's services must not start I/O.
      lazyConnect: true,
      connectTimeout: 5_000,
      // The backstop: a half-open socket never errors, so every command gets a deadline.
      commandTimeout: opts.commandTimeoutMs ?? 5_000,
      // Keep the offline queue so commands issued while (re)connecting still run, but fail them
      // after one reconnect attempt instead of ioredis' default of 20 (about a minute).
      enableOfflineQueue: true,
      maxRetriesPerRequest: 1,
      // Keep reconnecting for as long as it takes; individual commands fail fast meanwhile.
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    });
    client.defineCommand('harkAcquire', { numberOfKeys: 2, lua: LOCK_SCRIPTS.acquire });
    client.defineCommand('harkRelease', { numberOfKeys: 1, lua: LOCK_SCRIPTS.release });
    client.defineCommand('harkExtend', { numberOfKeys: 1, lua: LOCK_SCRIPTS.extend });
    // Without a listener ioredis prints "Unhandled error event" for every failed reconnect.
    client.on('error', (err: Error) => {
      this.#lastError = err;
      opts.onError?.(err);
    });
    this.#client = client as Redis & LockCommands;
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ms = checkTtl(ttlMs);
    const reply = await this.#run('SET NX', () => this.#client.set(this.#kv(key), value, 'PX', ms, 'NX'));
    return reply === 'OK';
  }

  async get(key: string): Promise<string | null> {
    return this.#run('GET', () => this.#client.get(this.#kv(key)));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const ms = checkTtl(ttlMs);
    await this.#run('SET', () => this.#client.set(this.#kv(key), value, 'PX', ms));
  }

  async delete(key: string): Promise<void> {
    await this.#run('DEL', () => this.#client.del(this.#kv(key)));
  }

  async acquireLock(key: string, ttlMs: number): Promise<Lock | null> {
    const ms = checkTtl(ttlMs);
    const lockKey = `${this.#prefix}lock:${key}`;
    const token = randomUUID();
    const fence = await this.#run('lock acquire', () =>
      this.#client.harkAcquire(lockKey, `${this.#prefix}fence`, token, ms),
    );
    if (fence === null) return null;
    return {
      key,
      fence: Number(fence),
      release: async () => {
        await this.#run('lock release', () => this.#client.harkRelease(lockKey, token));
      },
      extend: async (extendMs: number) => {
        const next = checkTtl(extendMs);
        const ok = await this.#run('lock extend', () => this.#client.harkExtend(lockKey, token, next));
        return ok === 1;
      },
    };
  }

  /**
   * RateLimiterRedis rather than a hand-written INCR script: its fixed-window Lua is atomic
   * across replicas, and RateLimiterMemory gives the in-process store the same algorithm.
   */
  rateLimiter(opts: RateLimiterOptions): RateLimiter {
    const limiter = new RateLimiterRedis({
      ...limiterSettings(opts),
      storeClient: this.#client,
      keyPrefix: `${this.#prefix}rl:${opts.name}`,
    });
    const wrapped = wrapLimiter(limiter, (err) => this.#error(`rate limiter ${opts.name}`, err));
    return {
      consume: (key, points) => this.#run(`rate limiter ${opts.name}`, () => wrapped.consume(key, points)),
    };
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.#run('PING', () => this.#client.ping())) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    // QUIT lets in-flight commands finish, but only a ready connection can carry it.
    if (this.#client.status !== 'ready') {
      this.#client.disconnect();
      return;
    }
    try {
      await this.#client.quit();
    } catch {
      // QUIT failed because the connection is already gone: drop it without waiting.
      this.#client.disconnect();
    }
  }

  #kv(key: string): string {
    return `${this.#prefix}kv:${key}`;
  }

  /**
   * While ioredis waits to reconnect, a queued command would sit until the next attempt fails
   * (seconds, growing with the backoff); refuse at once instead. Commands issued while it is
   * connecting (start-up, a reconnect attempt in flight) still queue for that one attempt.
   */
  #checkConnected(): void {
    const status = this.#client.status;
    if (status === 'reconnecting' || status === 'close') {
      throw new Error(`not connected, reconnecting${this.#lastError ? ` after: ${this.#lastError.message}` : ''}`);
    }
  }

  async #run<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      this.#checkConnected();
      return await fn();
    } catch (err) {
      throw this.#error(op, err);
    }
  }

  #error(op: string, err: unknown): SharedStateError {
    if (err instanceof SharedStateError) return err;
    const reason = err instanceof Error ? err.message : String(err);
    // "Reached the max retries" alone does not say why; the last connection error does.
    const last = this.#lastError && !reason.includes(this.#lastError.message) ? ` (last connection error: ${this.#lastError.message})` : '';
    return new SharedStateError(`Redis ${this.#where}: ${op} failed: ${reason}${last}`, { cause: err });
  }
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return '(unparsable REDIS_URL)';
  }
}
