import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { coveringAt, currentOrNext, nextOccurrence, occurrenceAt, oneOff, parseRecurring, type WindowSpan } from '../../src/maintenance/windows.ts';

// Window arithmetic (issue 26): recurring windows hold the wall clock of their zone across
// midnight and daylight-saving changes; overlapping windows cover until the last one ends.

const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();
const local = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat("ccc yyyy-MM-dd HH:mm");
const rec = (days: string[], from: string, to: string, time_zone: string): WindowSpan => ({
  kind: 'recurring',
  recurring: parseRecurring({ days, from, to, time_zone }),
});

describe('recurring maintenance windows', () => {
  it('every Tuesday 22:00–23:30 in Asia/Shanghai', () => {
    const w = rec(['tue'], '22:00', '23:30', 'Asia/Shanghai');
    const z = 'Asia/Shanghai';
    expect(occurrenceAt(w, at('2026-12-08T22:30', z))).toEqual({ start: at('2026-12-08T22:00', z), end: at('2026-12-08T23:30', z) });
    expect(occurrenceAt(w, at('2026-12-08T23:30', z))).toBeNull();
    expect(occurrenceAt(w, at('2026-12-09T22:30', z))).toBeNull();
    const next = nextOccurrence(w, at('2026-12-08T22:00', z))!;
    expect(local(next.start, z)).toBe('Tue 2026-12-15 22:00');
    expect(currentOrNext(w, at('2026-12-08T21:00', z))!.start).toBe(at('2026-12-08T22:00', z));
  });

  it('across midnight: Friday 23:00 to 02:00 on Saturday, found from either side of midnight', () => {
    const z = 'Europe/Berlin';
    const w = rec(['fri'], '23:00', '02:00', z);
    const o = occurrenceAt(w, at('2026-12-12T01:30', z))!;
    expect(local(o.start, z)).toBe('Fri 2026-12-11 23:00');
    expect(local(o.end, z)).toBe('Sat 2026-12-12 02:00');
    expect(occurrenceAt(w, at('2026-12-11T23:10', z))).toEqual(o);
    expect(occurrenceAt(w, at('2026-12-12T02:00', z))).toBeNull();
  });

  it('across the spring DST change in Europe/Berlin the wall clock holds (a 2-hour span lasts 1 hour that night)', () => {
    const z = 'Europe/Berlin';
    const w = rec(['sun'], '01:00', '04:00', z);
    const o = occurrenceAt(w, at('2027-03-28T03:30', z))!; // 02:00 → 03:00 that night
    expect(local(o.start, z)).toBe('Sun 2027-03-28 01:00');
    expect(local(o.end, z)).toBe('Sun 2027-03-28 04:00');
    expect(o.end - o.start).toBe(2 * 3_600_000);
    // The next week is back to three hours, still 01:00–04:00 local.
    const n = nextOccurrence(w, o.start)!;
    expect(local(n.start, z)).toBe('Sun 2027-04-04 01:00');
    expect(n.end - n.start).toBe(3 * 3_600_000);
  });

  it('across the autumn DST change in America/New_York, and a start inside the spring gap moves forward', () => {
    const z = 'America/New_York';
    const w = rec(['sat', 'sun'], '22:00', '06:00', z);
    // Saturday 2026-10-31 22:00 → Sunday 06:00 spans the fall-back hour: 9 hours elapsed.
    const o = occurrenceAt(w, at('2026-11-01T05:00', z))!;
    expect(local(o.start, z)).toBe('Sat 2026-10-31 22:00');
    expect(local(o.end, z)).toBe('Sun 2026-11-01 06:00');
    expect(o.end - o.start).toBe(9 * 3_600_000);
    // Spring forward: 02:30 does not exist on 2027-03-14; the window starts at 03:30 (the gap's end).
    const g = rec(['sun'], '02:30', '05:00', z);
    const s = nextOccurrence(g, at('2027-03-13T12:00', z))!;
    expect(local(s.start, z)).toBe('Sun 2027-03-14 03:30');
    expect(local(s.end, z)).toBe('Sun 2027-03-14 05:00');
  });

  it('overlapping windows: the covering one is the one that ends last', () => {
    const z = 'Asia/Shanghai';
    const a = { id: 1, span: rec(['tue'], '22:00', '23:30', z) };
    const b = { id: 2, span: oneOff(at('2026-12-08T23:00', z), at('2026-12-09T01:00', z)) };
    expect(coveringAt([a, b], at('2026-12-08T22:10', z))!.window.id).toBe(1);
    const both = coveringAt([a, b], at('2026-12-08T23:10', z))!;
    expect(both.window.id).toBe(2);
    expect(both.occurrence.end).toBe(at('2026-12-09T01:00', z));
    expect(coveringAt([a, b], at('2026-12-09T01:00', z))).toBeNull();
  });

  it('bad input names the field', () => {
    expect(() => parseRecurring({ days: ['funday'], from: '22:00', to: '23:00', time_zone: 'UTC' })).toThrow(/recurring.days: "funday"/);
    expect(() => parseRecurring({ days: ['tue'], from: '25:00', to: '23:00', time_zone: 'UTC' })).toThrow(/recurring.from/);
    expect(() => parseRecurring({ days: ['tue'], from: '22:00', to: '22:00', time_zone: 'UTC' })).toThrow(/same time/);
    expect(() => parseRecurring({ days: ['tue'], from: '22:00', to: '23:00', time_zone: 'Mars/Base' })).toThrow(/time_zone: "Mars\/Base"/);
    expect(() => oneOff(2, 1)).toThrow(/end: must be after start/);
  });
});
