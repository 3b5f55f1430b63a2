import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { historyBatch } from '../../bench/scale-history.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { appendHistory, lastIncidentNumber } from '../../src/store/history-repo.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { databaseBytes, freePages, runStoreUpkeep } from '../../src/store/upkeep.ts';
import { testEngines, type TestStore } from '../helpers/store.ts';

// Issue 28: SQLite files give the space of deleted rows back (auto_vacuum=INCREMENTAL and the
// periodic upkeep), on a new file and on one made before; and bulk history lands in the real schema.

async function seedWorld(store: Store) {
  const now = Date.now();
  const source = await store.db.insertInto('sources').values({ name: 'svc', kind: 'generic', token_hash: 'h', escalation: null, created_at: now }).returning('id').executeTakeFirstOrThrow();
  return { sourceIds: [Number(source.id)], members: [{ id: 1, name: 'Alice' }], chatIds: ['oc_1'], total: 200, now };
}

const autoVacuum = async (store: Store) => Number(Object.values((await sql`pragma auto_vacuum`.execute(store.db)).rows[0] as object)[0]);

describe('store upkeep on SQLite', () => {
  let dir = '';
  let store: Store | null = null;
  afterEach(async () => {
    await store?.close();
    store = null;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('deleting history then running the periodic job shrinks the file', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-upkeep-'));
    const file = path.join(dir, 'hark.db');
    store = openStore(`sqlite:${file}`);
    await migrateToLatest(store.db);
    expect(await autoVacuum(store)).toBe(2); // INCREMENTAL from the first table on
    const world = await seedWorld(store);
    await appendHistory(store.db, historyBatch(world, 1, 0, 200));
    await runStoreUpkeep(store);
    const full = fs.statSync(file).size;

    await store.db.deleteFrom('timeline').execute();
    await store.db.deleteFrom('alerts').execute();
    expect(await freePages(store)).toBeGreaterThan(0);
    await runStoreUpkeep(store);

    expect(await freePages(store)).toBe(0);
    expect(fs.statSync(file).size).toBeLessThan(full / 2);
    expect(Number((await store.db.selectFrom('incidents').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(200);
  });

  it('turns incremental vacuum on for a file made without it, keeping its rows', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-upkeep-'));
    const file = path.join(dir, 'old.db');
    const old = new Database(file);
    old.exec("create table kept (v text); insert into kept values ('a'), ('b');");
    expect(old.pragma('auto_vacuum', { simple: true })).toBe(0);
    old.close();

    store = openStore(`sqlite:${file}`);
    expect(await autoVacuum(store)).toBe(2);
    expect((await sql<{ v: string }>`select v from kept order by v`.execute(store.db)).rows.map((r) => r.v)).toEqual(['a', 'b']);
  });
});

describe.each(testEngines)('bulk history on $name', (engine) => {
  let store: TestStore | null = null;
  afterEach(async () => {
    await store?.cleanup();
    store = null;
  });

  it.skipIf(engine.skip)('writes incidents with their alerts, timeline and card copies; the next incident numbers after them', async () => {
    store = await engine.open();
    const world = await seedWorld(store);
    await appendHistory(store.db, historyBatch(world, 1, 0, 20));
    expect(await lastIncidentNumber(store.db)).toBe(20);
    const count = async (t: 'alerts' | 'timeline' | 'incident_messages') =>
      Number((await store!.db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect([await count('alerts'), await count('timeline'), await count('incident_messages')]).toEqual([200, 1000, 40]);
    const next = await store.db
      .insertInto('incidents')
      .values({ source_id: world.sourceIds[0], group_key: 'g', open_key: null, title: 't', description: null, status: 'triggered', severity: 'info', labels: '{}', links: '[]',
        snoozed_until: null, snoozed_by: null, snoozed_by_name: null, snoozed_at: null, acked_by: null, acked_by_name: null, acked_at: null, resolved_by: null,
        resolved_by_name: null, resolved_at: null, last_action: 'open', last_action_by: null, last_action_by_name: 'x', last_action_via: 'auto', last_action_at: 0, created_at: 0, updated_at: 0 })
      .returning('number')
      .executeTakeFirstOrThrow();
    expect(Number(next.number)).toBe(21);
    expect(await databaseBytes(store)).toBeGreaterThan(0);
  });
});
