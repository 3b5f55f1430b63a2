import { describe, expect, it } from 'vitest';
import { oncallAt, segments, shifts } from '../../src/schedule/engine.ts';
import { layerPieces, shiftStart } from '../../src/schedule/rotation.ts';
import { layersOf, scheduleSchema } from '../../src/schedule/spec.ts';
import type { Layer, Override, ScheduleModel } from '../../src/schedule/types.ts';

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

/** The engine's model from the API's own shape, so the tests read like the README's example. */
function model(time_zone: string, layers: unknown[], overrides: Override[] = []): ScheduleModel {
  const spec = scheduleSchema.parse({ time_zone, layers });
  return { timeZone: spec.time_zone, layers: layersOf(spec), overrides };
}

const daily = (members: string[], start: string, handoff = '09:00', extra: object = {}) => ({
  members,
  rotation: { every: '1d', handoff, start },
  ...extra,
});

describe('rotation arithmetic', () => {
  it('keeps a daily handoff on the wall clock in New York: 14:00 UTC in January, 13:00 UTC in April', () => {
    const m = model('America/New_York', [daily(['a@x.io', 'b@x.io'], '2026-01-05')]);
    const jan = shifts(m, at('2026-01-10T00:00:00Z'), at('2026-01-12T00:00:00Z'));
    expect(jan.map((s) => iso(s.start))).toContain('2026-01-10T14:00:00.000Z');
    const apr = shifts(m, at('2026-04-10T00:00:00Z'), at('2026-04-12T00:00:00Z'));
    expect(apr.map((s) => iso(s.start))).toContain('2026-04-10T13:00:00.000Z');
  });

  it('spans the spring-forward day with a 23-hour shift and the fall-back day with a 25-hour one (New York)', () => {
    const m = model('America/New_York', [daily(['a@x.io', 'b@x.io'], '2026-01-05')]);
    // DST began 2026-03-08 02:00 local; ended 2026-11-01 02:00 local.
    const spring = shifts(m, at('2026-03-07T14:00:00Z'), at('2026-03-09T13:00:00Z'));
    expect(spring.map((s) => [iso(s.start), (s.end - s.start) / H])).toEqual([
      ['2026-03-07T14:00:00.000Z', 23],
      ['2026-03-08T13:00:00.000Z', 24],
    ]);
    const fall = shifts(m, at('2026-10-31T13:00:00Z'), at('2026-11-02T14:00:00Z'));
    expect(fall.map((s) => [iso(s.start), (s.end - s.start) / H])).toEqual([
      ['2026-10-31T13:00:00.000Z', 25],
      ['2026-11-01T14:00:00.000Z', 24],
    ]);
    // Turns alternate one person a day whatever the length of the day.
    expect(new Set([spring[0].member, spring[1].member]).size).toBe(2);
  });

  it('does the same in the southern hemisphere (Sydney: DST ends in April, starts in October)', () => {
    const m = model('Australia/Sydney', [daily(['a@x.io', 'b@x.io'], '2026-01-01')]);
    // 09:00 AEDT (+11) = 22:00Z the day before; 09:00 AEST (+10) = 23:00Z the day before.
    const end = shifts(m, at('2026-04-03T22:00:00Z'), at('2026-04-05T23:00:00Z'));
    expect(end.map((s) => [iso(s.start), (s.end - s.start) / H])).toEqual([
      ['2026-04-03T22:00:00.000Z', 25], // 2026-04-05 03:00 → 02:00: the day has 25 hours
      ['2026-04-04T23:00:00.000Z', 24],
    ]);
    const start = shifts(m, at('2026-10-02T23:00:00Z'), at('2026-10-04T22:00:00Z'));
    expect(start.map((s) => [iso(s.start), (s.end - s.start) / H])).toEqual([
      ['2026-10-02T23:00:00.000Z', 23], // 2026-10-04 02:00 → 03:00
      ['2026-10-03T22:00:00.000Z', 24],
    ]);
  });

  it('steps elapsed time for hour rotations: 8-hour shifts stay 8 hours across DST', () => {
    const m = model('America/New_York', [{ members: ['a@x.io', 'b@x.io', 'c@x.io'], rotation: { every: '8h', handoff: '00:00', start: '2026-03-07' } }]);
    const list = shifts(m, at('2026-03-07T05:00:00Z'), at('2026-03-09T05:00:00Z'));
    expect(list.every((s) => s.end - s.start === 8 * H)).toBe(true);
    expect(list.map((s) => s.member).slice(0, 4)).toEqual(['a@x.io', 'b@x.io', 'c@x.io', 'a@x.io']);
    // After the change the handoffs fall at 01:00, 09:00, 17:00 local: elapsed time, not the wall clock.
    expect(iso(list[3].start)).toBe('2026-03-08T05:00:00.000Z');
    expect(iso(list[4].start)).toBe('2026-03-08T13:00:00.000Z');
  });

  it('moves a handoff that does not exist on the spring-forward day forward with the clock', () => {
    const layer = layersOf(scheduleSchema.parse({ time_zone: 'America/New_York', layers: [daily(['a@x.io'], '2026-03-07', '02:30')] }))[0];
    expect(iso(shiftStart(layer.rotation, 'America/New_York', 1))).toBe('2026-03-08T07:30:00.000Z'); // 03:30 EDT
    expect(iso(shiftStart(layer.rotation, 'America/New_York', 2))).toBe('2026-03-09T06:30:00.000Z'); // 02:30 EDT
  });

  it('rotates weekly in member order and has nobody before the first shift', () => {
    const m = model('Asia/Shanghai', [{ members: ['a@x.io', 'b@x.io', 'c@x.io'], rotation: { every: '1w', handoff: '10:00', start: '2026-12-07' } }]);
    const list = shifts(m, at('2026-12-01T00:00:00Z'), at('2027-01-04T02:00:00Z'));
    expect(iso(list[0].start)).toBe('2026-12-07T02:00:00.000Z');
    expect(list.map((s) => s.member)).toEqual(['a@x.io', 'b@x.io', 'c@x.io', 'a@x.io']);
    expect(segments(m, at('2026-12-01T00:00:00Z'), at('2026-12-07T02:00:00Z'))).toEqual([
      { start: at('2026-12-01T00:00:00Z'), end: at('2026-12-07T02:00:00Z'), members: [], overridden: [] },
    ]);
  });
});

describe('restrictions', () => {
  it('masks nights spanning midnight without pausing turns', () => {
    const m = model('Europe/Berlin', [daily(['a@x.io', 'b@x.io'], '2026-12-07', '09:00', { restrictions: [{ from: '22:00', to: '06:00' }] })]);
    const list = shifts(m, at('2026-12-07T00:00:00Z'), at('2026-12-10T00:00:00Z'));
    // Berlin is UTC+1 in December: 22:00–06:00 local = 21:00–05:00 UTC.
    expect(list.map((s) => [s.member, iso(s.start), iso(s.end)])).toEqual([
      ['a@x.io', '2026-12-07T21:00:00.000Z', '2026-12-08T05:00:00.000Z'],
      ['b@x.io', '2026-12-08T21:00:00.000Z', '2026-12-09T05:00:00.000Z'],
      ['a@x.io', '2026-12-09T21:00:00.000Z', '2026-12-10T00:00:00.000Z'],
    ]);
  });

  it('keeps a weekly rotation turning behind a weekdays-only mask', () => {
    const biz = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' };
    const m = model('UTC', [{ members: ['a@x.io', 'b@x.io'], rotation: { every: '1w', handoff: '09:00', start: '2026-12-07' }, restrictions: [biz] }]);
    const list = shifts(m, at('2026-12-07T00:00:00Z'), at('2026-12-21T00:00:00Z'));
    expect(list).toHaveLength(10);
    expect(list.slice(0, 5).every((s) => s.member === 'a@x.io')).toBe(true);
    expect(list.slice(5).every((s) => s.member === 'b@x.io')).toBe(true);
    expect(list.some((s) => [0, 6].includes(new Date(s.start).getUTCDay()))).toBe(false);
  });

  it('starts a spanning window on its named day only (Friday 18:00 → Saturday 09:00)', () => {
    const layer: Layer = layersOf(
      scheduleSchema.parse({ time_zone: 'UTC', layers: [daily(['a@x.io'], '2026-12-01', '00:00', { restrictions: [{ days: ['fri'], from: '18:00', to: '09:00' }] })] }),
    )[0];
    const pieces = layerPieces(layer, 'UTC', at('2026-12-07T00:00:00Z'), at('2026-12-14T00:00:00Z'));
    // 2026-12-11 is a Friday; the daily handoff at 00:00 cuts the night in two.
    expect(pieces.map((p) => [iso(p.start), iso(p.end)])).toEqual([
      ['2026-12-11T18:00:00.000Z', '2026-12-12T00:00:00.000Z'],
      ['2026-12-12T00:00:00.000Z', '2026-12-12T09:00:00.000Z'],
    ]);
  });
});

describe('layers and overrides', () => {
  const primary = daily(['a@x.io', 'b@x.io'], '2026-12-07');
  const business = { members: ['c@x.io'], rotation: { every: '1w', handoff: '09:00', start: '2026-12-07' }, restrictions: [{ from: '09:00', to: '18:00' }] };

  it('lets a later layer win where it has someone, and the one below fill the rest', () => {
    const m = model('UTC', [primary, business]);
    const segs = segments(m, at('2026-12-07T09:00:00Z'), at('2026-12-08T09:00:00Z'));
    expect(segs.map((s) => [iso(s.start), s.members])).toEqual([
      ['2026-12-07T09:00:00.000Z', ['c@x.io']],
      ['2026-12-07T18:00:00.000Z', ['a@x.io']],
    ]);
  });

  it('makes an override without `replaces` the only one on call, and marks the shift', () => {
    const o: Override = { id: 1, member: 'z@x.io', start: at('2026-12-07T12:00:00Z'), end: at('2026-12-07T20:00:00Z'), replaces: null };
    const m = model('UTC', [primary, business], [o]);
    const list = shifts(m, at('2026-12-07T09:00:00Z'), at('2026-12-08T09:00:00Z'));
    expect(list.map((s) => [s.member, iso(s.start), iso(s.end), s.override])).toEqual([
      ['c@x.io', '2026-12-07T09:00:00.000Z', '2026-12-07T12:00:00.000Z', false],
      ['z@x.io', '2026-12-07T12:00:00.000Z', '2026-12-07T20:00:00.000Z', true],
      ['a@x.io', '2026-12-07T20:00:00.000Z', '2026-12-08T09:00:00.000Z', false],
    ]);
  });

  it('swaps only the replaced person with `replaces`, and nothing where that person is not on call', () => {
    const o: Override = { id: 1, member: 'z@x.io', start: at('2026-12-07T00:00:00Z'), end: at('2026-12-09T09:00:00Z'), replaces: 'a@x.io' };
    const m = model('UTC', [primary], [o]);
    const list = shifts(m, at('2026-12-07T09:00:00Z'), at('2026-12-09T09:00:00Z'));
    expect(list.map((s) => [s.member, s.override])).toEqual([
      ['z@x.io', true],
      ['b@x.io', false],
    ]);
  });

  it('answers who is on call now, until when, and who is next', () => {
    const m = model('America/New_York', [primary]);
    const now = oncallAt(m, at('2026-12-08T20:00:00Z'));
    expect(now).toEqual({ at: at('2026-12-08T20:00:00Z'), members: ['b@x.io'], until: at('2026-12-09T14:00:00Z'), next: ['a@x.io'] });
    const before = oncallAt(m, at('2026-12-01T00:00:00Z'));
    expect(before.members).toEqual([]);
    expect(iso(before.until!)).toBe('2026-12-07T14:00:00.000Z');
    expect(before.next).toEqual(['a@x.io']);
  });

  it('says "until: unknown" when nothing changes within the look-ahead', () => {
    const m = model('UTC', [{ members: ['a@x.io'], rotation: { every: '1w', handoff: '09:00', start: '2026-01-05' } }]);
    expect(oncallAt(m, at('2026-12-08T00:00:00Z'))).toMatchObject({ members: ['a@x.io'], until: null, next: [] });
  });
});
