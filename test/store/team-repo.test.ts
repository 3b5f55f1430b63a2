import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import {
  anyTeam,
  deleteTeam,
  findTeamByName,
  replaceTeamMembers,
  setSourceTeam,
  teamMembers,
  teamOfSource,
  teamsOfMember,
  upsertTeam,
} from '../../src/store/team-repo.ts';

// The team model of migration 020 as stored in real SQLite: a team, its members and the source it owns.
describe('team repository', () => {
  let store: Store | null = null;
  afterEach(async () => {
    await store?.close();
    store = null;
  });

  it('stores a team, its members and the source it owns, and forgets them on delete', async () => {
    store = openStore('sqlite::memory:');
    await migrateToLatest(store.db);
    const db = store.db;
    expect(await anyTeam(db)).toBe(false);
    const now = Date.now();
    const alice = await db.insertInto('members').values({ name: 'Alice', email: 'a@x', role: 'responder', open_id: null, union_id: null, created_at: now, linked_at: null }).returning('id').executeTakeFirstOrThrow();
    const source = await db.insertInto('sources').values({ name: 'pay', kind: 'generic', token_hash: 'h', escalation: null, created_at: now }).returning('id').executeTakeFirstOrThrow();
    const id = await upsertTeam(db, { name: 'payments', timeZone: 'Asia/Shanghai', homeChatId: null, openToAllResponders: false, settings: { sleep: { from: '23:00', to: '07:00' } } }, now);
    await replaceTeamMembers(db, id, [{ memberId: alice.id, role: 'lead' }], now);
    await setSourceTeam(db, source.id, id);

    expect(await anyTeam(db)).toBe(true);
    const team = await findTeamByName(db, 'payments');
    expect(team).toMatchObject({ id, timeZone: 'Asia/Shanghai', openToAllResponders: false, settings: { sleep: { from: '23:00', to: '07:00' } } });
    expect((await teamOfSource(db, source.id))?.name).toBe('payments');
    expect(await teamMembers(db, id)).toEqual([{ memberId: alice.id, name: 'Alice', email: 'a@x', openId: null, role: 'lead' }]);
    expect((await teamsOfMember(db, alice.id)).map((t) => [t.team.name, t.role])).toEqual([['payments', 'lead']]);

    // Upsert by name changes the same team.
    expect(await upsertTeam(db, { name: 'payments', timeZone: 'UTC', homeChatId: 'oc_1', openToAllResponders: true, settings: {} }, now)).toBe(id);
    expect(await findTeamByName(db, 'payments')).toMatchObject({ timeZone: 'UTC', homeChatId: 'oc_1', openToAllResponders: true, settings: {} });

    await deleteTeam(db, id);
    expect(await findTeamByName(db, 'payments')).toBeNull();
    expect(await teamOfSource(db, source.id)).toBeNull();
    expect(await teamsOfMember(db, alice.id)).toEqual([]);
  });
});
