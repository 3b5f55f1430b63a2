import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SharedState } from '../../src/state/index.ts';
import { waitFor } from '../helpers/wait.ts';
import { memoryHarness, redisHarness, REDIS_URL, type Harness } from './harness.ts';

const harnesses: Harness[] = [memoryHarness(), redisHarness(REDIS_URL)];

if (!REDIS_URL) {
  console.warn('shared-state: HARK_TEST_REDIS_URL is not set, skipping the Redis suite (e.g. HARK_TEST_REDIS_URL=redis://127.0.0.1:6379)');
}

describe.each(harnesses)('SharedState ($name)', (h) => {
  describe.skipIf(!h.enabled)(h.enabled ? 'behaviour' : 'behaviour (skipped: set HARK_TEST_REDIS_URL)', () => {
    afterEach(() => h.closeAll());
    afterAll(() => h.cleanup());

    const open = (): SharedState => h.open(h.freshPrefix());

    it('reports its kind and answers ping until closed', async () => {
      const s = open();
      expect(s.kind).toBe(h.name);
      expect(await s.ping()).toBe(true);
      await s.close();
      expect(await s.ping()).toBe(false);
    });

    it('setIfAbsent: exactly one of 50 concurrent claims wins', async () => {
      const s = open();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => s.setIfAbsent('event:1', `claimer-${i}`, 60_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await s.get('event:1')).toBe(`claimer-${results.indexOf(true)}`);
      expect(await s.setIfAbsent('event:1', 'late', 60_000)).toBe(false);
    });

    it('setIfAbsent: the claim expires, then the key can be claimed again', async () => {
      const s = open();
      expect(await s.setIfAbsent('dedup', 'a', h.shortTtl)).toBe(true);
      expect(await s.setIfAbsent('dedup', 'b', h.shortTtl)).toBe(false);
      await h.elapse(h.shortTtl, async () => (await s.get('dedup')) === null, 'dedup key to expire');
      expect(await s.setIfAbsent('dedup', 'c', 60_000)).toBe(true);
      expect(await s.get('dedup')).toBe('c');
    });

    it('get/set/delete', async () => {
      const s = open();
      expect(await s.get('missing')).toBeNull();
      await s.set('k', 'one', 60_000);
      expect(await s.get('k')).toBe('one');
      await s.set('k', 'two', 60_000);
      expect(await s.get('k')).toBe('two');
      await s.delete('k');
      expect(await s.get('k')).toBeNull();
      await s.delete('k'); // deleting a missing key is fine
      expect(await s.setIfAbsent('k', 'three', 60_000)).toBe(true);
    });

    it('set: the value expires after its TTL', async () => {
      const s = open();
      await s.set('short', 'v', h.shortTtl);
      expect(await s.get('short')).toBe('v');
      await h.elapse(h.shortTtl, async () => (await s.get('short')) === null, 'value to expire');
    });

    it('rejects TTLs that are not positive', async () => {
      const s = open();
      await expect(s.set('k', 'v', 0)).rejects.toThrow(RangeError);
      await expect(s.setIfAbsent('k', 'v', -1)).rejects.toThrow(RangeError);
      await expect(s.acquireLock('k', Number.NaN)).rejects.toThrow(RangeError);
    });

    it('lock: one winner among concurrent acquirers', async () => {
      const s = open();
      const locks = await Promise.all(Array.from({ length: 20 }, () => s.acquireLock('escalate:42', 60_000)));
      const held = locks.filter((l) => l !== null);
      expect(held).toHaveLength(1);
      expect(held[0]?.key).toBe('escalate:42');
      expect(held[0]?.fence).toBeGreaterThan(0);
    });

    it('lock: release frees it; a later holder gets a higher fence', async () => {
      const s = open();
      const a = await s.acquireLock('l', 60_000);
      expect(a).not.toBeNull();
      await a!.release();
      const b = await s.acquireLock('l', 60_000);
      expect(b).not.toBeNull();
      expect(b!.fence).toBeGreaterThan(a!.fence);
      await a!.release(); // a stale second release must not free b's lock
      expect(await s.acquireLock('l', 60_000)).toBeNull();
    });

    it('lock: after expiry another takes it with a higher fence; the old holder cannot release or extend it', async () => {
      const s = open();
      const a = await s.acquireLock('l', h.shortTtl);
      expect(a).not.toBeNull();
      expect(await s.acquireLock('l', 60_000)).toBeNull();
      let b: Awaited<ReturnType<SharedState['acquireLock']>> = null;
      await h.elapse(h.shortTtl, async () => (b = await s.acquireLock('l', 60_000)) !== null, 'lock to expire');
      expect(b!.fence).toBeGreaterThan(a!.fence);
      await a!.release();
      expect(await a!.extend(60_000)).toBe(false);
      expect(await s.acquireLock('l', 60_000)).toBeNull();
      await b!.release();
      expect(await s.acquireLock('l', 60_000)).not.toBeNull();
    });

    it('lock: extend keeps it past its original TTL', async () => {
      const s = open();
      const lock = await s.acquireLock('l', h.shortTtl);
      // A value written with the same TTL marks when the original lock TTL would have run out.
      await s.set('marker', 'x', h.shortTtl);
      expect(await lock!.extend(60_000)).toBe(true);
      await h.elapse(h.shortTtl, async () => (await s.get('marker')) === null, 'marker to expire');
      expect(await s.acquireLock('l', 60_000)).toBeNull();
      expect(await lock!.extend(60_000)).toBe(true);
    });

    it('locks and values with the same key do not interfere', async () => {
      const s = open();
      await s.set('same', 'value', 60_000);
      expect(await s.acquireLock('same', 60_000)).not.toBeNull();
      expect(await s.get('same')).toBe('value');
    });

    it('rate limiter: allows N per window, then refuses with msBeforeNext > 0', async () => {
      const s = open();
      const rl = s.rateLimiter({ name: 'lark-send', points: 3, durationMs: 60_000 });
      const first = await rl.consume('chat-1');
      expect(first).toMatchObject({ allowed: true, remaining: 2 });
      expect(await rl.consume('chat-1')).toMatchObject({ allowed: true, remaining: 1 });
      expect(await rl.consume('chat-1')).toMatchObject({ allowed: true, remaining: 0 });
      const refused = await rl.consume('chat-1');
      expect(refused.allowed).toBe(false);
      expect(refused.remaining).toBe(0);
      expect(refused.msBeforeNext).toBeGreaterThan(0);
      expect(refused.msBeforeNext).toBeLessThanOrEqual(60_000);
      // Buckets are per key.
      expect(await rl.consume('chat-2')).toMatchObject({ allowed: true, remaining: 2 });
      // Several points at once.
      expect(await rl.consume('chat-3', 2)).toMatchObject({ allowed: true, remaining: 1 });
      expect((await rl.consume('chat-3', 2)).allowed).toBe(false);
    });

    it('rate limiter: the window resets after its duration', async () => {
      // Rate-limit windows run on wall-clock time in both stores (rate-limiter-flexible's own).
      const s = open();
      const rl = s.rateLimiter({ name: 'reset', points: 1, durationMs: 1_000 });
      expect((await rl.consume('k')).allowed).toBe(true);
      const refused = await rl.consume('k');
      expect(refused.allowed).toBe(false);
      expect(refused.msBeforeNext).toBeLessThanOrEqual(1_000);
      await waitFor(async () => (await rl.consume('k')).allowed, { timeout: 4_000, message: 'window to reset' });
    });

    it('rate limiter: limiters with different names have separate buckets', async () => {
      const s = open();
      const a = s.rateLimiter({ name: 'a', points: 1, durationMs: 60_000 });
      const b = s.rateLimiter({ name: 'b', points: 1, durationMs: 60_000 });
      expect((await a.consume('k')).allowed).toBe(true);
      expect((await b.consume('k')).allowed).toBe(true);
      expect((await a.consume('k')).allowed).toBe(false);
    });

    it.runIf(h.shared)('two stores on the same prefix share keys, locks and rate limits (replicas)', async () => {
      const prefix = h.freshPrefix();
      const r1 = h.open(prefix);
      const r2 = h.open(prefix);

      expect(await r1.setIfAbsent('event:9', 'r1', 60_000)).toBe(true);
      expect(await r2.setIfAbsent('event:9', 'r2', 60_000)).toBe(false);
      expect(await r2.get('event:9')).toBe('r1');

      const lock = await r1.acquireLock('escalation', 60_000);
      expect(lock).not.toBeNull();
      expect(await r2.acquireLock('escalation', 60_000)).toBeNull();
      await lock!.release();
      const lock2 = await r2.acquireLock('escalation', 60_000);
      expect(lock2!.fence).toBeGreaterThan(lock!.fence);

      const opts = { name: 'lark-send', points: 3, durationMs: 60_000 };
      const l1 = r1.rateLimiter(opts);
      const l2 = r2.rateLimiter(opts);
      expect((await l1.consume('chat')).allowed).toBe(true);
      expect((await l1.consume('chat')).allowed).toBe(true);
      expect(await l2.consume('chat')).toMatchObject({ allowed: true, remaining: 0 });
      expect((await l2.consume('chat')).allowed).toBe(false);
      expect((await l1.consume('chat')).allowed).toBe(false);
    });

    it('different prefixes isolate keys, locks and rate limits', async () => {
      const a = open();
      const b = open();
      expect(await a.setIfAbsent('k', 'a', 60_000)).toBe(true);
      expect(await b.setIfAbsent('k', 'b', 60_000)).toBe(true);
      expect(await a.get('k')).toBe('a');
      expect(await b.get('k')).toBe('b');
      expect(await a.acquireLock('l', 60_000)).not.toBeNull();
      expect(await b.acquireLock('l', 60_000)).not.toBeNull();
      const opts = { name: 'n', points: 1, durationMs: 60_000 };
      expect((await a.rateLimiter(opts).consume('k')).allowed).toBe(true);
      expect((await b.rateLimiter(opts).consume('k')).allowed).toBe(true);
    });
  });
});
