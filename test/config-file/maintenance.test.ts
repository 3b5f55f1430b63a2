import { afterEach, describe, expect, it } from 'vitest';
import { ConfigFileError, formatProblem, loadConfigTexts } from '../../src/config-file/load.ts';
import { ConfigService } from '../../src/config-file/service.ts';
import { ChatDirectory } from '../../src/delivery/chats.ts';
import { noopListener } from '../../src/incident/ports.ts';
import { silentLogger } from '../../src/log.ts';
import { createMaintenance } from '../../src/maintenance/index.ts';
import { testEngines, type TestStore } from '../helpers/store.ts';

// Maintenance windows in the configuration file (issue 24): the `maintenance:` list takes the body
// of POST /api/v1/maintenance, is planned, applied (start timer planned, managed), exported as a
// round trip, pruned when gone; a managed window refuses `unmaintain`; a bad window has its position.

const clock = { now: () => Date.parse('2026-12-08T02:00:00Z') };
const SOURCES = 'sources:\n  - {name: pay, kind: generic}\n';
const WEEKLY = '  - {source: pay, recurring: {days: [tue], from: "22:00", to: "23:30", time_zone: Asia/Shanghai}, reason: weekly deploy}\n';
const ONCE = '  - {source: pay, labels: {env: prod}, start: "2026-12-09T01:00:00Z", duration: 2h, reason: db upgrade}\n';
const file = (...windows: string[]) => loadConfigTexts([{ file: 'hark.yaml', text: `${SOURCES}maintenance:\n${windows.join('')}` }]);
const show = (plan: { op: string; kind: string; name: string; fields?: readonly string[] }[]) => plan.map((c) => `${c.op} ${c.kind} ${c.name}${c.fields ? `: ${c.fields.join(', ')}` : ''}`);

function problems(text: string): string[] {
  try {
    loadConfigTexts([{ file: 'a.yaml', text }]);
  } catch (err) {
    if (err instanceof ConfigFileError) return err.problems.map(formatProblem);
    throw err;
  }
  throw new Error('the configuration was accepted');
}

describe('a bad maintenance window, at its position', () => {
  it('the API validator and the schema name the field', () => {
    expect(problems(`${SOURCES}maintenance:\n  - {source: pay, start: "2026-12-09T01:00:00Z", end: "2026-12-09T00:00:00Z"}\n`)).toEqual(['a.yaml:4:55: maintenance[0].end: must be after start']);
    expect(problems(`${SOURCES}maintenance:\n  - source: pay\n    recurring: {days: [tue], from: "22:00", to: "22:00", time_zone: UTC}\n`)).toEqual([
      'a.yaml:5:16: maintenance[0].recurring: from and to are the same time; a window needs a length',
    ]);
    expect(problems(`${SOURCES}maintenance:\n  - {source: pay, duration: 2h}\n`)[0]).toMatch(/^a\.yaml:4:5: maintenance\[0\]\.start: a one-off window in the file needs start/);
    expect(problems(`${SOURCES}maintenance:\n  - {source: pay, recurring: {days: [tue], from: "22:00", to: "23:00", time_zone: Mars/Olympus}}\n`)[0]).toMatch(/^a\.yaml:4:\d+: maintenance\[0\]\.recurring\.time_zone: "Mars\/Olympus" is not an IANA time zone/);
    expect(problems(`${SOURCES}maintenance:\n${WEEKLY}${WEEKLY}`)[0]).toMatch(/^a\.yaml:5:\d+: maintenance\[1\]\.source: "pay \(weekly deploy\)" is declared twice \(first at a\.yaml:4:\d+\)/);
  });
});

describe.each(testEngines)('maintenance windows in the configuration file on $name', (engine) => {
  let store: TestStore | undefined;
  afterEach(async () => {
    await store?.cleanup();
    store = undefined;
  });
  const open = async () => {
    store = await engine.open();
    const chats = new ChatDirectory(store.db);
    const maintenance = createMaintenance({ db: store.db, chats, inner: noopListener, wake: () => {}, scheduled: () => {}, clock, logger: silentLogger });
    const config = new ConfigService({
      db: store.db, clock, env: {},
      hooks: {
        windowCreated: (trx, id, now) => maintenance.service.createdIn(trx, id, now),
        windowRemoved: (trx, id, now, by) => maintenance.service.removeIn(trx, id, now, { id: null, name: by, via: 'api' }),
      },
    });
    return { config, maintenance };
  };
  const timers = () => store!.db.selectFrom('timers').select(['kind', 'due_at']).where('kind', 'like', 'maintenance%').where('done_at', 'is', null).orderBy('due_at').execute();

  it.skipIf(engine.skip)('plan → apply → no change; export round trip; a change replaces; prune removes', async () => {
    const { config, maintenance } = await open();
    expect(show(await config.plan(file(WEEKLY, ONCE)))).toEqual(['create source pay', 'create maintenance pay (db upgrade)', 'create maintenance pay (weekly deploy)']);
    await config.apply(file(WEEKLY, ONCE), { caller: { kind: 'admin_token', name: 'ci-token' } });
    expect(await config.plan(file(WEEKLY, ONCE))).toEqual([]);

    const listed = (await maintenance.service.list()).items;
    expect(listed.map((w) => `${w.reason}:${w.status}`).sort()).toEqual(['db upgrade:scheduled', 'weekly deploy:scheduled']);
    const rows = await store!.db.selectFrom('maintenance_windows').select(['managed_by', 'managed_at']).execute();
    expect(rows.map((r) => r.managed_by)).toEqual(['ci-token', 'ci-token']);
    // Each window's start is planned: Tuesday 22:00 Shanghai = 14:00Z; the one-off at 01:00Z.
    expect((await timers()).map((t) => `${t.kind}@${new Date(Number(t.due_at)).toISOString()}`)).toEqual([
      'maintenance_start@2026-12-08T14:00:00.000Z', 'maintenance_start@2026-12-09T01:00:00.000Z',
    ]);

    const exported = await config.export();
    expect(exported).toContain('reason: weekly deploy');
    expect(await config.plan(loadConfigTexts([{ file: 'export.yaml', text: exported }]))).toEqual([]);


    const later = WEEKLY.replace('"23:30"', '"23:45"');
    expect(show(await config.plan(file(later, ONCE)))).toEqual(['update maintenance pay (weekly deploy): recurring']);
    await config.apply(file(later, ONCE));
    expect(await config.plan(file(later, ONCE))).toEqual([]);
    expect((await maintenance.service.list()).items).toHaveLength(2);

    expect(show(await config.plan(file(later), { prune: true, caller: { kind: 'admin_token', name: 'admin' } }))).toEqual(['delete maintenance pay (db upgrade)']);
    await config.apply(file(later), { prune: true, caller: { kind: 'admin_token', name: 'admin' } });
    expect((await maintenance.service.list()).items.map((w) => w.reason)).toEqual(['weekly deploy']);
    expect(await timers()).toHaveLength(1);
  });
});
