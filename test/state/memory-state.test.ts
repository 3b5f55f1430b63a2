import { describe, expect, it } from 'vitest';
import { MemorySharedState } from '../../src/state/index.ts';

describe('MemorySharedState', () => {
  it('expires exactly at the TTL on the injected clock', async () => {
    let now = 0;
    const s = new MemorySharedState({ prefix: 'hark:', clock: () => now });
    await s.set('k', 'v', 100);
    now = 99;
    expect(await s.get('k')).toBe('v');
    now = 100;
    expect(await s.get('k')).toBeNull();
  });

  it('sweeps expired entries lazily, so the map stays within twice the live entries', async () => {
    let now = 0;
    const s = new MemorySharedState({ prefix: 'hark:', clock: () => now });
    let largest = 0;
    // 40 rounds of 5,000 distinct keys that are never read again: only sweeping removes them.
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 5_000; i++) {
        await s.setIfAbsent(`event:${round}:${i}`, '1', 1_000);
        largest = Math.max(largest, s.size);
      }
      now += 1_000;
    }
    expect(largest).toBeLessThanOrEqual(10_000);
    expect(s.size).toBeLessThanOrEqual(10_000);
  });

  it('rejects every operation once closed', async () => {
    const s = new MemorySharedState({ prefix: 'hark:', clock: () => 0 });
    await s.close();
    await expect(s.get('k')).rejects.toThrow(/closed/);
    await expect(s.acquireLock('k', 1_000)).rejects.toThrow(/closed/);
  });
});
