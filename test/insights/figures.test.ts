import { afterEach, describe, expect, it } from 'vitest';
import { testEngines, type TestStore } from '../helpers/store.ts';
import { createInsights } from '../../src/insights/index.ts';
import { classifyHours, hoursRule } from '../../src/insights/hours.ts';
import { seedWeek, T, WINDOW } from './fixture.ts';

// The figures of a generated week with known answers (test/insights/fixture.ts), on real SQLite
// and PostgreSQL: DST in Berlin on 2026-03-29 and a person in New York.
for (const engine of testEngines) {
  describe.skipIf(engine.skip)(`insights figures (${engine.name})`, () => {
    let store: TestStore | null = null;
    afterEach(async () => {
      await store?.cleanup();
      store = null;
    });

    it('computes counts, MTTA/MTTR, hours classes, noise and maintenance as defined in the README', async () => {
      store = await engine.open();
      const { now } = await seedWeek(store.db);
      const insights = createInsights({ db: store.db, now: () => now });

      const all = await insights.report(WINDOW);
      expect(all.incidents).toBe(9);
      expect([all.mtta_p50_s, all.mtta_p90_s]).toEqual([245, 528]);
      expect([all.mttr_p50_s, all.mttr_p90_s]).toEqual([300, 4680]);
      expect(all.acked_within_5m).toBe(0.222);
      expect(all.escalated).toBe(1);
      expect(all.pages).toEqual({ work: 2, off: 2, sleep: 2 });
      expect(all.people).toEqual([
        { member: 'Alice', email: 'alice@example.com', work: 2, off: 1, sleep: 1, total: 4 },
        { member: 'Bob', email: 'bob@example.com', work: 0, off: 1, sleep: 1, total: 2 },
      ]);
      expect(all.noisiest[0]).toMatchObject({ source: 'pay-am', group_key: 'alertname=DiskFull', count: 4, auto_resolved: 1, flapping: 1, silenceable: true });
      expect(all.noisiest[1]).toMatchObject({ group_key: 'alertname=Errors', count: 2, auto_resolved: 0, flapping: 0 });
      expect(all.maintenance_s).toBe(3 * 3600);
      expect(all.by_severity).toEqual({ critical: 3, warning: 5, info: 1 });

      const team = await insights.report({ ...WINDOW, team: 'payments' });
      expect(team.incidents).toBe(8);
      expect(team.time_zone).toBe('Europe/Berlin');
      expect(team.previous).toMatchObject({ incidents: 1, mtta_p50_s: 60, mttr_p50_s: 600, from: '2026-03-18T00:00:00.000Z' });
      const day = (d: string) => team.series.find((s) => s.day === d);
      expect(day('2026-03-28')).toMatchObject({ incidents: 1, by_severity: { critical: 1 }, mtta_p50_s: 600 });
      expect(day('2026-03-31')).toMatchObject({ incidents: 4, by_severity: { warning: 4 } });
      expect(team.series.reduce((s, x) => s + x.incidents, 0)).toBe(8);

      const bob = await insights.report({ ...WINDOW, member: 'bob@example.com' });
      expect(bob).toMatchObject({ incidents: 2, pages: { work: 0, off: 1, sleep: 1 }, escalated: 1 });
      expect((await insights.report({ ...WINDOW, severity: 'warning' })).incidents).toBe(5);
      expect((await insights.report({ ...WINDOW, source: 'web' })).mttr_p50_s).toBe(60);
      expect((await insights.report({ to: WINDOW.to, window: '1d', team: 'payments' })).incidents).toBe(4);
    });

    it('refuses unknown names and bad windows with the field named', async () => {
      store = await engine.open();
      const insights = createInsights({ db: store.db, now: () => T('2026-04-01T00:00:00Z') });
      await expect(insights.report({ team: 'nope' })).rejects.toThrow('team: no team named "nope"');
      await expect(insights.report({ window: '7w' })).rejects.toThrow('window: "7w" is not a number of days');
      await expect(insights.report({ from: 'yesterday' })).rejects.toThrow('from: "yesterday" is not a date');
      await expect(insights.report({ from: WINDOW.to, to: WINDOW.from })).rejects.toThrow('from: must be before to');
    });
  });
}

describe('hours classes', () => {
  it('follows the wall clock across a DST change and per-team settings', () => {
    const rule = hoursRule(undefined);
    // 06:30 UTC on the Sunday the clocks go forward is 08:30 in Berlin (off), the day before 07:30 (sleep).
    expect(classifyHours(T('2026-03-29T06:30:00Z'), 'Europe/Berlin', rule)).toBe('off');
    expect(classifyHours(T('2026-03-28T06:30:00Z'), 'Europe/Berlin', rule)).toBe('sleep');
    // Autumn: the clocks go back on 2026-10-25; on Monday the 26th 06:30 UTC is 07:30 CET (sleep; CEST would say 08:30)
    // and 08:30 UTC is 09:30 CET (work).
    expect(classifyHours(T('2026-10-26T08:30:00Z'), 'Europe/Berlin', rule)).toBe('work');
    expect(classifyHours(T('2026-10-26T06:30:00Z'), 'Europe/Berlin', rule)).toBe('sleep');
    const night = hoursRule({ work: { days: ['sat'], from: '10:00', to: '12:00' }, sleep: { from: '01:00', to: '06:00' } });
    expect(classifyHours(T('2026-03-28T10:30:00Z'), 'UTC', night)).toBe('work');
    expect(classifyHours(T('2026-03-27T10:30:00Z'), 'UTC', night)).toBe('off');
    expect(classifyHours(T('2026-03-27T23:30:00Z'), 'UTC', night)).toBe('off');
    expect(() => hoursRule({ work: { days: ['xyz'], from: '09:00', to: '18:00' } })).toThrow('work.days: "xyz"');
  });
});
