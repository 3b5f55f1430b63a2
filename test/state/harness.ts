import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createSharedState, type SharedState } from '../../src/state/index.ts';
import { waitFor } from '../helpers/wait.ts';

export const REDIS_URL = process.env.HARK_TEST_REDIS_URL;

/** One store implementation as the behaviour suite sees it. */
export interface Harness {
  readonly name: 'memory' | 'redis';
  readonly enabled: boolean;
  /** Whether two stores opened with the same prefix see each other's data (several replicas). */
  readonly shared: boolean;
  /** A TTL long enough for the calls right after the write, short enough to wait out. */
  readonly shortTtl: number;
  /** A fresh prefix for one test, so tests never see each other's keys. */
  freshPrefix(): string;
  open(prefix: string): SharedState;
  /** Lets `ms` pass (fake clock, or real time on Redis), then requires `done` to hold. */
  elapse(ms: number, done: () => Promise<boolean>, what?: string): Promise<void>;
  /** Closes the stores opened by the test. */
  closeAll(): Promise<void>;
  /** Deletes everything the run wrote. */
  cleanup(): Promise<void>;
}

export function memoryHarness(): Harness {
  let now = 1_700_000_000_000;
  let n = 0;
  const opened: SharedState[] = [];
  return {
    name: 'memory',
    enabled: true,
    shared: false,
    shortTtl: 1_000,
    freshPrefix: () => `hark-test-${++n}:`,
    open(prefix) {
      const state = createSharedState({ prefix, clock: () => now });
      opened.push(state);
      return state;
    },
    async elapse(ms, done, what = 'condition') {
      now += ms;
      if (!(await done())) throw new Error(`${what} did not hold after advancing the clock ${ms} ms`);
    },
    async closeAll() {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    },
    async cleanup() {},
  };
}

export function redisHarness(url: string | undefined): Harness {
  const runPrefix = `hark-test-${randomBytes(4).toString('hex')}:`;
  let n = 0;
  const opened: SharedState[] = [];
  return {
    name: 'redis',
    enabled: url !== undefined && url !== '',
    shared: true,
    shortTtl: 300,
    freshPrefix: () => `${runPrefix}${++n}:`,
    open(prefix) {
      const state = createSharedState({ redisUrl: url, prefix });
      opened.push(state);
      return state;
    },
    async elapse(ms, done, what) {
      await waitFor(done, { timeout: ms + 3_000, message: what });
    },
    async closeAll() {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    },
    async cleanup() {
      if (!url) return;
      const redis = new Redis(url, { maxRetriesPerRequest: 1 });
      try {
        const keys: string[] = [];
        for await (const batch of redis.scanStream({ match: `${runPrefix}*`, count: 500 })) {
          keys.push(...(batch as string[]));
        }
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    },
  };
}
