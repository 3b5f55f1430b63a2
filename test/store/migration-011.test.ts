import { describe, expect, it } from 'vitest';
import * as m011 from '../../src/store/migrations/011-silence-attempts.ts';
import { testEngines } from '../helpers/store.ts';

// Issue 29: heartbeat_minutes is whole minutes now. A fraction an older Hark accepted (0.01 opened
// six paging incidents in 9 s) is rounded up by migration 011, never dropped; whole minutes and
// "off" stay as they were.

describe.each(testEngines)('migration 011 on $name', ({ skip, open }) => {
  it.skipIf(skip)('rounds heartbeat_minutes accepted as fractions up to whole minutes, at least 1', async () => {
    const store = await open();
    try {
      const db = store.db;
      // Back to before 011, with what the older Hark stored.
      await m011.down(db as any);
      const now = Date.now();
      for (const [name, minutes] of [['a', 0.01], ['b', 7.5], ['c', 5], ['d', null]] as const) {
        await db.insertInto('sources').values({ name, kind: 'alertmanager', token_hash: name, escalation: null, created_at: now, heartbeat_minutes: minutes } as any).execute();
      }
      await m011.up(db as any);
      const rows = await db.selectFrom('sources').select(['name', 'heartbeat_minutes', 'silence_labels']).orderBy('name').execute();
      expect(rows.map((r) => [r.name, r.heartbeat_minutes === null ? null : Number(r.heartbeat_minutes), r.silence_labels])).toEqual([
        ['a', 1, null],
        ['b', 8, null],
        ['c', 5, null],
        ['d', null, null],
      ]);
    } finally {
      await store.cleanup();
    }
  });
});
