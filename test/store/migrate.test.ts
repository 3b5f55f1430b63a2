import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { pingStore } from '../../src/store/db.ts';
import { testEngines } from '../helpers/store.ts';

describe.each(testEngines)('migrations on $name', ({ skip, open }) => {
  it.skipIf(skip)('applies every migration once and answers queries', async () => {
    const store = await open();
    try {
      expect(await pingStore(store)).toBe(true);
      // A second run (another replica starting, or `hark migrate` twice) applies nothing.
      expect(await migrateToLatest(store.db)).toEqual([]);
      const now = Date.now();
      const src = await store.db
        .insertInto('sources')
        .values({ name: 'prom', kind: 'alertmanager', token_hash: 'x', escalation: null, created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      expect(typeof src.id).toBe('number');
      const row = await sql<{ n: number }>`select count(*) as n from sources`.execute(store.db);
      expect(Number(row.rows[0].n)).toBe(1);
    } finally {
      await store.cleanup();
    }
  });
});
