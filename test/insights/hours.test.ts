import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { classifyHours, dayOf, hoursRule, type HoursRule } from '../../src/insights/hours.ts';

// classifyHours and dayOf look a zone's offset up once per UTC day or hour (src/insights/hours.ts);
// they must answer what luxon answers for every instant: across daylight-saving changes, half- and
// quarter-hour zones, a 30-minute change (Lord Howe), offsets with seconds (Amsterdam until 1937),
// fixed offsets and UTC.

const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'Africa/Casablanca', 'Europe/Amsterdam', 'America/St_Johns', 'UTC', 'UTC+8'];
const RULES = [hoursRule(undefined), hoursRule({ work: { days: ['sat', 'sun'], from: '10:00', to: '12:30' }, sleep: { from: '01:15', to: '06:00' } })];

function byLuxon(at: number, zone: string, rule: HoursRule): string {
  const t = DateTime.fromMillis(at, { zone });
  const min = t.hour * 60 + t.minute;
  const within = (from: number, to: number) => (from === to ? false : from < to ? min >= from && min < to : min >= from || min < to);
  if (within(rule.sleepFrom, rule.sleepTo)) return 'sleep';
  if (rule.workDays.has(t.weekday) && within(rule.workFrom, rule.workTo)) return 'work';
  return 'off';
}

describe('hours classes and days by the cached offset', () => {
  it('agree with luxon at every instant tried', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const lo = Date.parse('1900-01-01T00:00:00Z');
    const hi = Date.parse('2100-01-01T00:00:00Z');
    let checked = 0;
    const wrong: string[] = [];
    for (const zone of ZONES) {
      const instants: number[] = [];
      for (let i = 0; i < 2_000; i++) instants.push(Math.floor(lo + random() * (hi - lo)));
      // Every offset change of 2026 (and Amsterdam's of 1937), swept every 7 minutes and 13 ms from 36 h before to 36 h after.
      for (const year of [1937, 2026]) {
        for (let day = Date.UTC(year, 0, 1); day < Date.UTC(year + 1, 0, 1); day += 86_400_000) {
          if (DateTime.fromMillis(day, { zone }).offset === DateTime.fromMillis(day + 86_400_000, { zone }).offset) continue;
          for (let t = day - 36 * 3_600_000; t < day + 60 * 3_600_000; t += 7 * 60_000 + 13) instants.push(t);
        }
      }
      for (const at of instants) {
        for (const rule of RULES) if (classifyHours(at, zone, rule) !== byLuxon(at, zone, rule)) wrong.push(`hours ${zone} ${new Date(at).toISOString()}`);
        if (dayOf(at, zone) !== DateTime.fromMillis(at, { zone }).toISODate()) wrong.push(`day ${zone} ${new Date(at).toISOString()}`);
        checked++;
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(30_000);
  });
});
