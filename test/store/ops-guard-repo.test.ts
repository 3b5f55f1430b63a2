import { afterEach, describe, expect, it } from 'vitest';
import {
  addUrgentUsage,
  bindScheduleCard,
  chatHasIncidentCard,
  lastBuzzQueued,
  lastManualEscalation,
  monthOf,
  schedulesOfCard,
  urgentSpent,
} from '../../src/store/ops-guard-repo.ts';
import { openPostgresTestStore, openSqliteTestStore, type TestStore } from '../helpers/store.ts';

// The reads and writes behind issue 29's guards (migration 012), on SQLite and on PostgreSQL.
const engines: [string, () => Promise<TestStore>][] = [['sqlite', openSqliteTestStore]];
if (process.env.HARK_TEST_DATABASE_URL) engines.push(['postgres', openPostgresTestStore]);

describe.each(engines)('ops guard repository (%s)', (_name, open) => {
  let store: TestStore | undefined;
  afterEach(async () => {
    await store?.cleanup();
    store = undefined;
  });

  it('binds Take over buttons to a card, counts urgent usage per month, and reads nothing for unknown ids', async () => {
    store = await open();
    const { db } = store;
    await bindScheduleCard(db, 'om_1', ['primary', 'db'], 1_000);
    await bindScheduleCard(db, 'om_1', ['primary'], 2_000); // again: no duplicate
    expect((await schedulesOfCard(db, 'om_1')).sort()).toEqual(['db', 'primary']);
    expect(await schedulesOfCard(db, 'om_2')).toEqual([]);

    const month = monthOf(Date.UTC(2026, 11, 7));
    expect(month).toBe('2026-12');
    expect(await urgentSpent(db, month)).toBe(0);
    await addUrgentUsage(db, month, 1);
    await addUrgentUsage(db, month, 2);
    expect(await urgentSpent(db, month)).toBe(3);
    expect(await urgentSpent(db, '2027-01')).toBe(0);

    expect(await lastManualEscalation(db, 1)).toBeNull();
    expect(await lastBuzzQueued(db, 1, 'ou_x')).toBeNull();
    expect(await chatHasIncidentCard(db, 1, 'oc_x')).toBe(false);
  });
});
