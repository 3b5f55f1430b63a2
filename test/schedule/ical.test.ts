import ical from 'node-ical';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarFeed, REMINDER_SECONDS } from '../../src/schedule/ical.ts';
import { ScheduleService } from '../../src/schedule/service.ts';
import { startRig, type Rig } from '../helpers/hark.ts';
import { openSqliteTestStore } from '../helpers/store.ts';

// The iCal feeds, parsed back with node-ical (a maintained iCalendar parser), never by regex.

const events = (text: string) => Object.values(ical.sync.parseICS(text)).filter((c: any) => c.type === 'VEVENT') as any[];

describe('iCal feed over HTTP', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig();
    for (const name of ['Alice', 'Bob']) await rig.api('POST', '/api/v1/members', { name, email: `${name.toLowerCase()}@example.com`, role: 'responder' });
    await rig.api('PUT', '/api/v1/schedules/primary', {
      time_zone: 'Asia/Shanghai',
      layers: [{ members: ['alice@example.com', 'bob@example.com'], rotation: { every: '1d', handoff: '09:00', start: '2020-01-01' } }],
    });
  });
  afterAll(() => rig?.close());

  const path = (url: string) => new URL(url).pathname;

  it('serves the schedule feed at its secret URL: one event per shift, stable UIDs, a reminder before each', async () => {
    const url = (await rig.api('GET', '/api/v1/schedules/primary')).body.ical_url as string;
    const res = await fetch(rig.hark.url + path(url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const first = events(await res.text());
    // Nine weeks of daily shifts: a week back, two months ahead (less the two cut by the window).
    expect(first.length).toBeGreaterThanOrEqual(66);
    for (const e of first) {
      expect(e.end.getTime() - e.start.getTime()).toBe(24 * 3_600_000);
      // 09:00 in Shanghai is 01:00 UTC.
      expect(e.start.getUTCHours()).toBe(1);
      expect(e.summary).toMatch(/^(Alice|Bob) on call \(primary\)$/);
      const [alarm] = e.alarms;
      expect(alarm.action).toBe('DISPLAY');
      expect(alarm.trigger).toBe(`-PT${REMINDER_SECONDS / 60}M`);
    }
    const again = events(await (await fetch(rig.hark.url + path(url))).text());
    const byStart = new Map(again.map((e) => [e.start.getTime(), e.uid]));
    const common = first.filter((e) => byStart.has(e.start.getTime()));
    expect(common.length).toBeGreaterThan(60);
    for (const e of common) expect(byStart.get(e.start.getTime())).toBe(e.uid);
  });

  it("serves a member's own shifts, and refuses a wrong token", async () => {
    const mine = await rig.api('GET', '/api/v1/members/bob@example.com/ical');
    expect(mine.status).toBe(200);
    const list = events(await (await fetch(rig.hark.url + path(mine.body.ical_url))).text());
    expect(list.length).toBeGreaterThan(30);
    expect(list.every((e) => e.summary === 'On call: primary')).toBe(true);
    const wrong = await fetch(`${rig.hark.url}/ical/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics`);
    expect(wrong.status).toBe(404);
    expect((await wrong.json()).error.message).toBe('no calendar at this address; copy the ical_url again from Hark');
  });
});

describe('iCal instants across DST', () => {
  it('keeps a New York 09:00 handoff at 14:00 UTC before the March change and 13:00 UTC after', async () => {
    const store = await openSqliteTestStore();
    try {
      const now = Date.parse('2027-03-01T12:00:00Z');
      const schedules = new ScheduleService({ db: store.db, clock: { now: () => now }, publicUrl: 'http://hark.test' });
      const t = Date.now();
      for (const name of ['Alice', 'Bob']) {
        await store.db.insertInto('members').values({ name, email: `${name.toLowerCase()}@example.com`, role: 'responder', open_id: null, union_id: null, created_at: t, linked_at: null }).execute();
      }
      await schedules.put('ny', { time_zone: 'America/New_York', layers: [{ members: ['alice@example.com', 'bob@example.com'], rotation: { every: '1d', handoff: '09:00', start: '2027-01-01' } }] }, { name: 'admin', via: 'api' });
      const token = new URL((await schedules.view('ny')).ical_url as string).pathname.replace(/^\/ical\/|\.ics$/g, '');
      const list = events(await calendarFeed(store.db, schedules, token, now, 'http://hark.test'));
      const starts = list.map((e) => e.start.toISOString()).sort();
      expect(starts).toContain('2027-03-07T14:00:00.000Z');
      expect(starts).toContain('2027-03-08T14:00:00.000Z'); // 09:00 EST: DST begins at 02:00 on the 14th
      expect(starts).toContain('2027-03-14T13:00:00.000Z'); // 09:00 EDT
      const short = list.find((e) => e.start.toISOString() === '2027-03-13T14:00:00.000Z');
      expect(new Set(list.map((e) => e.uid)).size).toBe(list.length);
      expect(short.end.getTime() - short.start.getTime()).toBe(23 * 3_600_000);
    } finally {
      await store.cleanup();
    }
  });
});
