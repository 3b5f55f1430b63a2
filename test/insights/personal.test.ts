import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, startEscRig, type EscRig } from '../escalation/rig.ts';
import { testEngines } from '../helpers/store.ts';
import { waitFor } from '../helpers/wait.ts';
import { findTeamByName, setSourceTeam } from '../../src/store/team-repo.ts';
import { personalWeeks, unionMs } from '../../src/insights/personal.ts';

// The personal "your week on call" card: a generated week with known answers, sent with the team's
// weekly report (one durable timer, two replicas) through delivery to the emulator and the real SDK.
//
// Team payments in Europe/Berlin reports on Monday 7 December 2026 at 09:30 (08:30 UTC), over the
// week from Monday 30 November 08:30 UTC. Alice lives in Asia/Shanghai (UTC+8):
//   #1 Tue 1 Dec 15:00 UTC — 23:00 in Shanghai (night), 16:00 in Berlin; she acknowledges after 120 s and resolves
//   #2 Wed 2 Dec 03:00 UTC — 11:00 in Shanghai (day),   04:00 in Berlin (night there); she acknowledges after 300 s, Bob resolves
//   #3 Thu 3 Dec 20:00 UTC — 04:00 in Shanghai (night), 21:00 in Berlin; escalated to Carol, who never linked Hark
//   #4 Mon 30 Nov 08:00 UTC — before the week: not counted
// So: 3 pages, 2 at night in her zone (1 in the team's), median time to acknowledge 210 s, 2 acknowledged, 1 resolved.
// On call: a daily rotation Alice/Bob handing off at 09:30 Berlin from 30 November gives her 4 days
// (96 h) of the week, plus a 2 h override for Bob = 98 h; a schedule of no team is not counted.

const T = (iso: string) => Date.parse(iso);

const CONFIG = `
teams:
  - name: payments
    time_zone: Europe/Berlin
    home_chat: Payments on-call
    members: [{email: alice@example.com, role: lead}, {email: bob@example.com}, {email: carol@example.com}]
members:
  - {name: Alice, email: alice@example.com, role: responder, time_zone: Asia/Shanghai}
  - {name: Bob, email: bob@example.com, role: responder}
  - {name: Carol, email: carol@example.com, role: responder}
schedules:
  - name: payments-primary
    team: payments
    time_zone: Europe/Berlin
    layers:
      - members: [alice@example.com, bob@example.com]
        rotation: {every: 1d, handoff: "09:30", start: "2026-11-30"}
  - name: side-project
    time_zone: UTC
    layers:
      - members: [alice@example.com]
        rotation: {every: 1w, handoff: "00:00", start: "2026-11-23"}
`;

type Entry = { at: string; kind: string; actor?: number | null; message?: string; data?: unknown };

async function seedWeek(r: EscRig, open: { alice: string }) {
  const db = r.store.db;
  const id = async (email: string) => Number((await db.selectFrom('members').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id);
  const [alice, bob] = [await id('alice@example.com'), await id('bob@example.com')];
  const incident = async (opened: string, entries: Entry[]) => {
    const at = T(opened);
    const number = Number((await db.insertInto('incidents').values({
      source_id: r.source.id, group_key: `g-${opened}`, open_key: null, title: `Checkout errors ${opened}`, description: null, status: 'resolved', severity: 'critical',
      labels: '{}', links: '[]', snoozed_until: null, snoozed_by: null, snoozed_by_name: null, snoozed_at: null, acked_by: null, acked_by_name: null, acked_at: null,
      resolved_by: null, resolved_by_name: null, resolved_at: null, last_action: 'open', last_action_by: null, last_action_by_name: 'am',
      last_action_via: 'alertmanager', last_action_at: at, created_at: at, updated_at: at,
    }).returning('number').executeTakeFirstOrThrow()).number);
    const rows = [{ at: opened, kind: 'open' } as Entry, ...entries].map((e) => ({
      incident_number: number, at: T(e.at), kind: e.kind, via: e.actor ? 'card' : 'auto', actor_id: e.actor ?? null,
      actor_name: e.actor ? 'someone' : 'Hark', message: e.message ?? e.kind, data: e.data === undefined ? null : JSON.stringify(e.data),
    }));
    await db.insertInto('timeline').values(rows).execute();
  };
  const step = (at: string, level: number, targets: string[]): Entry => ({ at, kind: 'escalate', message: `escalated to level ${level + 1}`, data: { level, round: 0, targets } });
  const page = (at: string): Entry => ({ at, kind: 'delivery', message: 'card sent to Alice privately', data: { message_id: 'om_x', target_id: open.alice } });
  await incident('2026-12-01T15:00:00Z', [
    step('2026-12-01T15:00:00Z', 0, ['Alice']), page('2026-12-01T15:00:05Z'),
    { at: '2026-12-01T15:02:05Z', kind: 'ack', actor: alice }, { at: '2026-12-01T15:30:00Z', kind: 'resolve', actor: alice },
  ]);
  await incident('2026-12-02T03:00:00Z', [
    step('2026-12-02T03:00:00Z', 0, ['Alice']), page('2026-12-02T03:00:05Z'),
    { at: '2026-12-02T03:05:05Z', kind: 'ack', actor: alice }, { at: '2026-12-02T04:00:00Z', kind: 'resolve', actor: bob },
  ]);
  await incident('2026-12-03T20:00:00Z', [
    step('2026-12-03T20:00:00Z', 0, ['Alice']), page('2026-12-03T20:00:05Z'),
    { at: '2026-12-03T20:05:00Z', kind: 'delivery', message: 'not linked: Carol has never opened Hark in Lark', data: { member: 'Carol' } },
    { at: '2026-12-03T20:30:00Z', kind: 'auto_resolve' },
  ]);
  await incident('2026-11-30T08:00:00Z', [step('2026-11-30T08:00:00Z', 0, ['Alice']), page('2026-11-30T08:00:05Z')]);
}

for (const engine of testEngines) {
  describe.skipIf(engine.skip)(`personal week card (${engine.name})`, () => {
    let rig: EscRig | null = null;
    afterEach(async () => {
      await rig?.close();
      rig = null;
    });

    it('goes once, across two replicas, to each person paged that week, with their numbers in their own zone', async () => {
      // Monday 7 December 2026, 09:00 in Berlin.
      const clock = new FakeClock(T('2026-12-07T08:00:00Z'));
      rig = await startEscRig({ engine, clock, emulator: true });
      const r = rig;
      const emu = r.emu!;
      await r.member('Alice');
      await r.member('Bob');
      await r.member('Carol', { openId: null });
      const open = Object.fromEntries(
        (await r.store.db.selectFrom('members').select(['name', 'open_id']).execute()).map((m) => [m.name, m.open_id]),
      ) as Record<string, string | null>;
      expect(open.Carol).toBeNull();
      const { chat_id } = await emu.control('POST', '/__emulator/chats', { name: 'Payments on-call', members: [open.Alice, open.Bob], add_bot: true });
      await r.chat(chat_id, 'Payments on-call');
      await r.hark.configFile.apply(CONFIG);
      await setSourceTeam(r.store.db, r.source.id, (await findTeamByName(r.store.db, 'payments'))!.id);
      const ov = await r.admin('POST', '/api/v1/schedules/payments-primary/overrides', {
        member: 'alice@example.com', start: '2026-12-03T10:00:00Z', end: '2026-12-03T12:00:00Z', replaces: 'bob@example.com',
      });
      expect(ov.status).toBe(201);
      await seedWeek(r, { alice: open.Alice! });

      const b = await r.replica('t-b');
      await Promise.all([r.hark.reports.plan(), b.hark.reports.plan()]);
      clock.advance(30 * 60_000);
      // Both replicas scan at once; the report (and the rotation's handoff, due at the same minute) fire once.
      const fired = await Promise.all([r.escalation.scanner.runDue(), b.scanner.runDue()]);
      expect(fired[0] + fired[1]).toBe(2);
      const reports = await r.store.db.selectFrom('timers').select(['status']).where('kind', '=', 'insights_report').execute();
      expect(reports.map((t) => t.status).sort()).toEqual(['done', 'pending']);

      const dms = async (openId: string) =>
        ((await emu.control('GET', `/__emulator/messages?open_id=${openId}`)).items as { content: any }[]).filter((m) => JSON.stringify(m.content).includes('Your week on call'));
      const report = async () => ((await emu.control('GET', `/__emulator/messages?chat_id=${chat_id}`)).items as { content: any }[]).filter((m) => JSON.stringify(m.content).includes('On-call report'));
      await waitFor(async () => (await dms(open.Alice!)).length === 1 && (await report()).length === 1, { timeout: 15_000, message: "Alice's week and the team's report" });

      const card = (await dms(open.Alice!))[0].content;
      expect(card.header.title.i18n_content).toEqual({ en_us: 'Your week on call · payments', zh_cn: '你的值班周报 · payments' });
      expect(card.header.subtitle.i18n_content.en_us).toBe('30 Nov – 7 Dec 2026');
      const texts = card.body.elements.filter((e: any) => e.tag === 'markdown').map((e: any) => e.i18n_content.en_us);
      expect(texts).toEqual([
        // The zone is escaped for markdown like any name (Lark shows "Asia/Shanghai").
        'Paged **3** times · **2** at night (22:00–08:00, Asia&#47;Shanghai)',
        'On call for **98 h** in the schedules of payments',
        'Time to acknowledge, median: **3 m 30 s** · acknowledged **2**, resolved **1** incidents',
      ]);
      expect(card.body.elements.filter((e: any) => e.tag === 'markdown').map((e: any) => e.i18n_content.zh_cn)[1]).toBe('在 payments 的排班中值班 **98 小时**');
      const button = card.body.elements.find((e: any) => e.tag === 'button');
      expect(button.behaviors[0].default_url).toBe('http://localhost:3000/h5/insights?team=payments&member=alice%40example.com');

      // Bob was on call and resolved #2 but was never paged; Carol never linked: neither gets a card.
      expect(await dms(open.Bob!)).toHaveLength(0);
      const personal = await r.store.db.selectFrom('outbox').select(['target_id']).where('target_type', '=', 'open_id').where('card', 'like', '%Your week on call%').execute();
      expect(personal.map((p) => p.target_id)).toEqual([open.Alice]);

      // Firing again sends nothing more: the next report waits for next Monday.
      expect((await Promise.all([r.escalation.scanner.runDue(), b.scanner.runDue()])).reduce((a, x) => a + x, 0)).toBe(0);
      expect(await dms(open.Alice!)).toHaveLength(1);

      // The figures behind the card, including who could not be sent one.
      const team = (await findTeamByName(r.store.db, 'payments'))!;
      const weeks = await personalWeeks(r.store.db, team, T('2026-11-30T08:30:00Z'), T('2026-12-07T08:30:00Z'));
      expect(weeks.unlinked).toEqual(['Carol']);
      expect(weeks.people).toEqual([expect.objectContaining({ name: 'Alice', pages: 3, nightPages: 2, onCallMs: 98 * 3_600_000, ackP50S: 210, acked: 2, resolved: 1, timeZone: 'Asia/Shanghai' })]);
      // In the team's zone only one of her pages was at night: the zone is hers.
      await r.store.db.updateTable('members').set({ time_zone: null }).where('name', '=', 'Alice').execute();
      expect((await personalWeeks(r.store.db, team, T('2026-11-30T08:30:00Z'), T('2026-12-07T08:30:00Z'))).people[0]).toMatchObject({ nightPages: 1, timeZone: 'Europe/Berlin' });
    });
  });
}

describe('time on call', () => {
  it('counts overlapping shifts of several schedules once', () => {
    expect(unionMs([[0, 10], [5, 20], [30, 40], [40, 45], [50, 50]])).toBe(35);
    expect(unionMs([])).toBe(0);
  });
});
