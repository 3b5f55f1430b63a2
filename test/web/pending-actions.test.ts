import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PendingActions } from '../../src/auth/pending-actions.ts';
import { openSqliteTestStore, type TestStore } from '../helpers/store.ts';

describe('PendingActions', () => {
  let store: TestStore;
  let now = 1_000_000;
  const clock = { now: () => now };
  beforeEach(async () => {
    store = await openSqliteTestStore();
    now = 1_000_000;
  });
  afterEach(async () => {
    await store.cleanup();
  });

  it('remembers per open_id, refreshes a repeated press, forgets after 15 minutes', async () => {
    const p = new PendingActions(store.db, clock);
    await p.remember('ou_a', { op: 'ack', incident: 42 });
    now += 60_000;
    const again = await p.remember('ou_a', { op: 'ack', incident: 42 });
    await p.remember('ou_a', { op: 'snooze', incident: 42, duration: '30m' });
    await p.remember('ou_b', { op: 'resolve', incident: 7 });
    const list = await p.listFor('ou_a');
    expect(list.map((a) => [a.op, a.incident, a.duration])).toEqual([
      ['ack', 42, undefined],
      ['snooze', 42, '30m'],
    ]);
    expect(list[0].id).toBe(again.id);
    expect(list[0].expiresAt).toBe(now + 15 * 60_000);
    now += 15 * 60_000;
    expect(await p.listFor('ou_a')).toEqual([]);
    expect(await p.listFor('ou_b')).toEqual([]);
  });

  it('completes once, only for its owner', async () => {
    const p = new PendingActions(store.db, clock);
    const a = await p.remember('ou_a', { op: 'ack', incident: 1 });
    expect(await p.complete('ou_b', a.id)).toBe(false);
    expect(await p.complete('ou_a', a.id)).toBe(true);
    expect(await p.complete('ou_a', a.id)).toBe(false);
    const b = await p.remember('ou_a', { op: 'resolve', incident: 1 });
    expect(await p.discard('ou_a', b.id)).toBe(true);
    expect(await p.listFor('ou_a')).toEqual([]);
  });

  it('remembers a Take over with its schedule', async () => {
    const p = new PendingActions(store.db, clock);
    await p.remember('ou_a', { op: 'take_over', incident: 3, schedule: 'payments' });
    expect((await p.listFor('ou_a')).map((a) => [a.op, a.incident, a.schedule, a.duration])).toEqual([['take_over', 3, 'payments', undefined]]);
  });

  it('refuses what is not an incident action', async () => {
    const p = new PendingActions(store.db, clock);
    await expect(p.remember('ou_a', { op: 'drop_table' as never, incident: 1 })).rejects.toThrow(/not an incident action/);
    await expect(p.remember('ou_a', { op: 'ack', incident: -1 })).rejects.toThrow(/positive/);
  });
});
