import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { createInsights } from '../../src/insights/index.ts';
import { silentLogger } from '../../src/log.ts';
import { buildRetention } from '../../src/retention/build.ts';
import { testEngines, type TestStore } from '../helpers/store.ts';
import { seedWeek, T, WINDOW } from './fixture.ts';

// Insights outlive retention (issue 27 item 7, issue 28 item 2): the generated week of
// test/insights/fixture.ts is pruned by the real pruner (HARK_RETENTION_DAYS 400, two incidents a
// batch so day rows are merged into), and the figures over that week answer exactly as before,
// from the kept day rows for the incidents that are gone and the live rows for the one still open.

const DAY = 86_400_000;
const FIGURES = ['incidents', 'mtta_p50_s', 'mtta_p90_s', 'mttr_p50_s', 'mttr_p90_s', 'acked_within_5m', 'escalated', 'pages', 'people', 'by_severity'] as const;
const pick = (r: Record<string, unknown>) => Object.fromEntries(FIGURES.map((k) => [k, r[k]]));

for (const engine of testEngines) {
  describe.skipIf(engine.skip)(`insights kept past retention (${engine.name})`, () => {
    let store: TestStore | null = null;
    afterEach(async () => {
      await store?.cleanup();
      store = null;
    });

    it('prunes the resolved incidents and the figures over their window stay the same', async () => {
      store = await engine.open();
      const db = store.db;
      const { now: seeded } = await seedWeek(db);
      // The fixture leaves resolved_at empty: the pruner picks incidents by it.
      await db.updateTable('incidents').set((eb) => ({ resolved_at: eb('created_at', '+', 3_600_000) })).where('status', '=', 'resolved').execute();
      const open = await db.selectFrom('incidents').select('number').where('status', '!=', 'resolved').execute();
      const resolved = Number((await db.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'resolved').executeTakeFirst())?.n);
      const insights = createInsights({ db, now: () => seeded });
      const queries = [WINDOW, { ...WINDOW, team: 'payments' }, { ...WINDOW, severity: 'warning' }, { ...WINDOW, source: 'web' }, { from: '2026-03-18T00:00:00Z', to: '2026-03-25T00:00:00Z' }];
      const before = await Promise.all(queries.map((q) => insights.report(q)));
      expect(before[0]).toMatchObject({ incidents: 9, mtta_p50_s: 245 });

      const later = T('2026-04-01T00:00:00Z') + 401 * DAY;
      const retention = buildRetention({ retentionDays: 400 } as Config, store, { clock: { now: () => later }, logger: silentLogger, config: { batch: 2, pauseMs: 0 } });
      const report = await retention.run({ now: later });
      const live = await db.selectFrom('incidents').select('status').execute();
      expect(live.length).toBe(open.length);
      expect(live.every((r) => r.status !== 'resolved')).toBe(true);
      expect(report.counts.incidents).toBe(resolved);
      const kept = await db.selectFrom('insight_days').selectAll().execute();
      expect(kept.reduce((s, r) => s + Number(r.opened), 0)).toBe(resolved);

      const after = await Promise.all(queries.map((q) => insights.report(q)));
      for (const [i, a] of after.entries()) {
        expect(pick(a as unknown as Record<string, unknown>)).toEqual(pick(before[i] as unknown as Record<string, unknown>));
        expect(pick(a.previous as unknown as Record<string, unknown>)).toEqual(pick(before[i]!.previous as unknown as Record<string, unknown>));
      }
      // Pruning again keeps the same rows (nothing is left to add).
      await retention.run({ now: later });
      expect((await insights.report(WINDOW)).incidents).toBe(9);
    });
  });
}
