import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, startEscRig, type EscRig } from '../escalation/rig.ts';
import { waitFor } from '../helpers/wait.ts';
import { setSourceTeam, upsertTeam } from '../../src/store/team-repo.ts';
import { nextReportAt } from '../../src/insights/report.ts';

// The weekly report card: a durable timer per team, fired by one of two replicas over one store,
// posted once in the team's home group through delivery, its charts accepted by the emulator
// (which refuses a bad chart spec with 200550, so the card would never arrive).
describe('weekly insights report', () => {
  let rig: EscRig | null = null;
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });

  it('is posted once across two replicas at the team time, with charts and the noisiest alerts', async () => {
    // Monday 7 December 2026, 09:00 in Berlin.
    const clock = new FakeClock(Date.parse('2026-12-07T08:00:00Z'));
    rig = await startEscRig({ clock, emulator: true });
    const r = rig;
    const emu = r.emu!;
    const alice = (await emu.control('POST', '/__emulator/users', { name: 'Alice', email: 'alice@example.com' })).open_id;
    const { chat_id } = await emu.control('POST', '/__emulator/chats', { name: 'Payments on-call', members: [alice], add_bot: true });
    await r.chat(chat_id, 'Payments on-call');
    const team = await upsertTeam(r.store.db, { name: 'payments', timeZone: 'Europe/Berlin', homeChatId: chat_id, openToAllResponders: false, settings: {} }, clock.now());
    await setSourceTeam(r.store.db, r.source.id, team);
    clock.advance(-2 * 86_400_000);
    await r.fire('DiskFull', 'warning');
    clock.advance(2 * 86_400_000);

    const b = await r.replica('t-b');
    await Promise.all([r.hark.reports.plan(), b.hark.reports.plan()]);
    const waiting = await r.store.db.selectFrom('timers').select(['due_at']).where('kind', '=', 'insights_report').where('status', '=', 'pending').execute();
    expect(waiting.map((w) => new Date(Number(w.due_at)).toISOString())).toEqual(['2026-12-07T08:30:00.000Z']);

    clock.advance(31 * 60_000);
    const fired = await Promise.all([r.escalation.scanner.runDue(), b.scanner.runDue()]);
    expect(fired[0] + fired[1]).toBe(1);

    const cards = async () => ((await emu.control('GET', `/__emulator/messages?chat_id=${chat_id}`)).items as { content: any }[]).filter((m) => JSON.stringify(m.content).includes('On-call report'));
    await waitFor(async () => (await cards()).length === 1, { timeout: 15_000, message: 'the weekly card in the home group' });
    const card = (await cards())[0].content;
    expect(card.header.title.i18n_content.en_us).toBe('On-call report · payments');
    const charts = card.body.elements.filter((e: any) => e.tag === 'chart');
    expect(charts.map((c: any) => c.chart_spec.type)).toEqual(['bar', 'line']);
    // pay has no Alertmanager to silence at: its noisy alert offers Open.
    expect(JSON.stringify(card)).toContain('"default_url":"http://localhost:3000/h5/incidents/1"');
    expect(JSON.stringify(card)).toContain('DiskFull');

    // The next one waits for the Monday after; firing again now sends nothing more.
    const next = await r.store.db.selectFrom('timers').select(['due_at']).where('kind', '=', 'insights_report').where('status', '=', 'pending').execute();
    expect(next.map((w) => new Date(Number(w.due_at)).toISOString())).toEqual(['2026-12-14T08:30:00.000Z']);
    expect((await Promise.all([r.escalation.scanner.runDue(), b.scanner.runDue()])).reduce((a, x) => a + x, 0)).toBe(0);
    expect(await cards()).toHaveLength(1);
  });

  it('is planned when a configuration apply makes the team, without a restart, and moves when its time changes', async () => {
    const clock = new FakeClock(Date.parse('2026-12-07T08:00:00Z'));
    rig = await startEscRig({ clock });
    const r = rig;
    await r.chat('oc_storage', 'Storage on-call');
    const file = (at: string) => `teams:\n  - name: storage\n    time_zone: Asia/Shanghai\n    home_chat: Storage on-call\n    report: {day: tue, at: "${at}"}\n`;
    await r.hark.configFile.apply(file('10:00'));
    const due = async () =>
      (await r.store.db.selectFrom('timers').select(['due_at']).where('kind', '=', 'insights_report').where('status', '=', 'pending').execute()).map((w) => new Date(Number(w.due_at)).toISOString());
    // Tuesday 8 December, 10:00 in Shanghai.
    expect(await due()).toEqual(['2026-12-08T02:00:00.000Z']);
    await r.hark.configFile.apply(file('11:30'));
    expect(await due()).toEqual(['2026-12-08T03:30:00.000Z']);
  });

  it('follows the team day and time on its own wall clock, across DST', () => {
    const at = (iso: string) => new Date(nextReportAt({ day: 'fri', at: '17:00' }, 'Europe/Berlin', Date.parse(iso))!).toISOString();
    expect(at('2026-03-23T00:00:00Z')).toBe('2026-03-27T16:00:00.000Z');
    expect(at('2026-03-27T16:00:00Z')).toBe('2026-04-03T15:00:00.000Z');
    expect(nextReportAt(null, 'UTC', 0)).toBeNull();
    expect(new Date(nextReportAt(undefined, 'Asia/Shanghai', Date.parse('2026-12-07T02:00:00Z'))!).toISOString()).toBe('2026-12-14T01:30:00.000Z');
  });
});
