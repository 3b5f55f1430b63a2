import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigService } from '../../src/config-file/service.ts';
import { loadConfigPath, loadConfigTexts } from '../../src/config-file/load.ts';
import { ChatDirectory } from '../../src/delivery/chats.ts';
import { findSourceByName } from '../../src/store/source-repo.ts';
import { findTeamByName, listTeams, teamMembers } from '../../src/store/team-repo.ts';
import { testEngines, type TestStore } from '../helpers/store.ts';

// Configuration as code against a real database (SQLite and PostgreSQL): plan → apply → plan shows
// no change → export → the export plans as no change; an apply that fails half-way changes nothing;
// prune deletes only what a file made; two applies on two replicas take turns.

const EXAMPLE = 'examples/hark.yaml';
const clock = { now: () => Date.parse('2026-12-08T02:00:00Z') };

async function seedChats(store: TestStore) {
  const chats = new ChatDirectory(store.db);
  await chats.botAdded('oc_sre', 'SRE on-call');
  await chats.botAdded('oc_pay', 'Payments on-call');
}

describe.each(testEngines)('configuration as code on $name', (engine) => {
  let store: TestStore | undefined;
  afterEach(async () => {
    await store?.cleanup();
    store = undefined;
  });
  const open = async () => {
    store = await engine.open();
    await seedChats(store);
    return new ConfigService({ db: store.db, clock, env: {} });
  };

  it.skipIf(engine.skip)('plan → apply → no change; export plans as no change (round trip)', async () => {
    const config = await open();
    const plan = await config.plan(loadConfigPath(EXAMPLE));
    expect(plan.map((c) => `${c.op} ${c.kind} ${c.name}`)).toEqual([
      'create member alice@example.com', 'create member bob@example.com', 'create member carol@example.com',
      'create team payments', 'create team platform', 'create source demo', 'create source payments-am',
      'create schedule payments-primary', 'create schedule platform-primary', 'create maintenance payments-am (weekly deploy)',
    ]);
    const applied = await config.apply(loadConfigPath(EXAMPLE), { caller: { kind: 'admin_token', name: 'ci-token' } });
    expect(applied.changes).toEqual(plan);
    // New sources without token_env get a token, shown this once.
    expect(applied.tokens.map((t) => t.source).sort()).toEqual(['demo', 'payments-am']);
    expect(await config.plan(loadConfigPath(EXAMPLE))).toEqual([]);

    const team = (await findTeamByName(store!.db, 'payments'))!;
    expect(team).toMatchObject({ homeChatId: 'oc_pay', timeZone: 'Asia/Shanghai', managedBy: 'ci-token', settings: { report: { day: 'mon', at: '10:00' } } });
    expect((await teamMembers(store!.db, team.id)).map((m) => `${m.email}:${m.role}`)).toEqual(['bob@example.com:member', 'carol@example.com:lead']);
    const subs = await store!.db.selectFrom('subscriptions').selectAll().orderBy('chat_id').execute();
    expect(subs.map((s) => `${s.chat_id}:${s.min_severity}:${s.labels}:${s.managed_by}`)).toContain('oc_sre:critical:[{"name":"env","op":"=","value":"prod"}]:ci-token');

    const exported = await config.export();
    expect(exported).toContain('home_chat: Payments on-call');
    expect(await config.plan(loadConfigTexts([{ file: 'export.yaml', text: exported }]))).toEqual([]);
    const one = await config.export('payments');
    expect(one).not.toContain('name: platform-primary');
    expect(await config.plan(loadConfigTexts([{ file: 'payments.yaml', text: one }]))).toEqual([]);
  });

  it.skipIf(engine.skip)('a change shows its fields; prune deletes managed objects only', async () => {
    const config = await open();
    await config.apply(loadConfigPath(EXAMPLE));
    // An object made by hand is never pruned.
    await store!.db.insertInto('schedules').values({ name: 'by-hand', time_zone: 'UTC', spec: '{"time_zone":"UTC","layers":[]}', created_at: 1, updated_at: 1 }).execute();
    const text = fs.readFileSync(EXAMPLE, 'utf8').replace('wait_minutes: 5, urgent: app', 'wait_minutes: 7, urgent: app').replace(/\n {2}- name: payments-primary[\s\S]*$/, '\n');
    const changed = text.replace(/\{schedule: payments-primary\}/, '{member: carol@example.com}');
    const plan = await config.plan(loadConfigTexts([{ file: 'x.yaml', text: changed }]), { prune: true, caller: { kind: 'admin_token', name: 'admin' } });
    expect(plan).toEqual([
      { op: 'update', kind: 'source', name: 'demo', fields: ['escalation'] },
      { op: 'update', kind: 'source', name: 'payments-am', fields: ['escalation'] },
      { op: 'delete', kind: 'schedule', name: 'payments-primary' },
    ]);
    await config.apply(loadConfigTexts([{ file: 'x.yaml', text: changed }]), { prune: true, caller: { kind: 'admin_token', name: 'admin' } });
    const names = (await store!.db.selectFrom('schedules').select('name').orderBy('name').execute()).map((r) => r.name);
    expect(names).toEqual(['by-hand', 'platform-primary']);
  });

  it.skipIf(engine.skip)('an apply that fails half-way leaves nothing changed', async () => {
    store = await engine.open();
    await seedChats(store);
    // Two sources whose token_env hold the same secret: the second insert fails after members,
    // teams and the first source were written.
    const config = new ConfigService({ db: store.db, clock, env: { T1: 'same-secret', T2: 'same-secret' } });
    const text = fs.readFileSync(EXAMPLE, 'utf8')
      .replace('  - name: demo                          # the demo\'s sample alerts come from here\n    kind: generic\n', '  - name: demo\n    kind: generic\n    token_env: T1\n')
      .replace('# token_env: HARK_TOKEN_PAYMENTS_AM', 'token_env: T2');
    await expect(config.apply(loadConfigTexts([{ file: 'x.yaml', text }]))).rejects.toThrow(/nothing was applied: two sources would share one token/);
    expect(await listTeams(store.db)).toEqual([]);
    expect(await store.db.selectFrom('members').selectAll().execute()).toEqual([]);
    expect(await findSourceByName(store.db, 'demo')).toBeNull();
  });

  it.skipIf(engine.skip)('two applies on two replicas take turns: the second re-plans against the first', async () => {
    const first = await open();
    // PostgreSQL: a second pool over the same database, another replica. SQLite: one process holds
    // the file (better-sqlite3 waits for a lock synchronously, so a second connection in this
    // process could never let the first finish); its single connection serialises the writers.
    const { openStore } = await import('../../src/store/db.ts');
    const replica = engine.name === 'postgres' ? openStore(store!.url, { schema: store!.schema }) : { db: store!.db, close: async () => {} };
    try {
      const second = new ConfigService({ db: replica.db, clock, env: {} });
      const a = fs.readFileSync(EXAMPLE, 'utf8');
      const b = a.replace('time_zone: Asia/Shanghai\n    home_chat: SRE on-call', 'time_zone: Europe/Berlin\n    home_chat: SRE on-call');
      const [ra, rb] = await Promise.all([first.apply(loadConfigTexts([{ file: 'a.yaml', text: a }])), second.apply(loadConfigTexts([{ file: 'b.yaml', text: b }]))]);
      const [earlier, later] = ra.revision < rb.revision ? [ra, rb] : [rb, ra];
      // The first made everything; the second saw it made and changed only what differs.
      expect(earlier.changes.every((c) => c.op === 'create')).toBe(true);
      expect(later.changes).toEqual([{ op: 'update', kind: 'team', name: 'platform', fields: ['time_zone'] }]);
      const zone = (await findTeamByName(store!.db, 'platform'))!.timeZone;
      expect(zone).toBe(later === rb ? 'Europe/Berlin' : 'Asia/Shanghai');
    } finally {
      await replica.close();
    }
  });
});
