import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { oncallAt, segments, shifts } from '../../src/schedule/engine.ts';
import { layerPieces } from '../../src/schedule/rotation.ts';
import { layersOf, scheduleSchema } from '../../src/schedule/spec.ts';
import type { Override, ScheduleModel } from '../../src/schedule/types.ts';

const ZONES = ['America/New_York', 'Australia/Sydney', 'Europe/London', 'Asia/Shanghai', 'UTC', 'Asia/Kolkata'];
const PEOPLE = ['a@x.io', 'b@x.io', 'c@x.io', 'd@x.io'];
const DAY = 86_400_000;
const BASE = Date.parse('2026-01-01T00:00:00Z');

const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45)).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const date = fc.integer({ min: 0, max: 360 }).map((d) => new Date(BASE + d * DAY).toISOString().slice(0, 10));
const restriction = fc.record(
  {
    days: fc.subarray(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], { minLength: 1 }),
    from: hhmm,
    to: hhmm,
  },
  { requiredKeys: ['from', 'to'] },
);
const layer = fc.record(
  {
    members: fc.subarray(PEOPLE, { minLength: 1 }),
    rotation: fc.record({ every: fc.constantFrom('1d', '2d', '1w', '8h', '12h', '5h', '2w'), handoff: hhmm, start: date }),
    restrictions: fc.array(restriction, { maxLength: 2 }),
  },
  { requiredKeys: ['members', 'rotation'] },
);
const schedule = fc.record({ time_zone: fc.constantFrom(...ZONES), layers: fc.array(layer, { minLength: 1, maxLength: 3 }) });
const override = fc
  .record({
    member: fc.constantFrom(...PEOPLE, 'z@x.io'),
    startDay: fc.integer({ min: 0, max: 380 * 24 }),
    hours: fc.integer({ min: 1, max: 72 }),
    replaces: fc.option(fc.constantFrom(...PEOPLE), { nil: null }),
  })
  .map(({ member, startDay, hours, replaces }) => ({ member, start: BASE + startDay * 3_600_000, end: BASE + (startDay + hours) * 3_600_000, replaces }));
const windowArb = fc.tuple(fc.integer({ min: 0, max: 380 * 24 }), fc.integer({ min: 1, max: 21 * 24 })).map(([h, len]) => ({ from: BASE + h * 3_600_000, to: BASE + (h + len) * 3_600_000 }));

function build(spec: unknown, overrides: Omit<Override, 'id'>[]): ScheduleModel {
  const s = scheduleSchema.parse(spec);
  return { timeZone: s.time_zone, layers: layersOf(s), overrides: overrides.map((o, i) => ({ ...o, id: i + 1 })) };
}

describe('the final result, for any schedule', () => {
  it('partitions the window: contiguous, no overlaps, nobody missing where a layer has someone', () => {
    fc.assert(
      fc.property(schedule, fc.array(override, { maxLength: 4 }), windowArb, (spec, ovs, { from, to }) => {
        const m = build(spec, ovs);
        const segs = segments(m, from, to);
        expect(segs[0].start).toBe(from);
        expect(segs[segs.length - 1].end).toBe(to);
        for (let i = 0; i < segs.length; i++) {
          expect(segs[i].start).toBeLessThan(segs[i].end);
          if (i > 0) expect(segs[i].start).toBe(segs[i - 1].end);
        }
        // Wherever any layer has someone, or an override runs, somebody is on call.
        const covered = m.layers.flatMap((l) => layerPieces(l, m.timeZone, from, to));
        for (const p of covered) {
          for (const s of segs.filter((s) => s.start < p.end && s.end > p.start)) expect(s.members.length).toBeGreaterThan(0);
        }
        for (const o of m.overrides.filter((o) => o.replaces === null && o.start < to && o.end > from)) {
          for (const s of segs.filter((s) => s.start < o.end && s.end > o.start)) expect(s.members.length).toBe(1);
        }
        // Each person's shifts never overlap, and they add up to the segments they are in.
        const list = shifts(m, from, to);
        for (const who of new Set(list.map((s) => s.member))) {
          const mine = list.filter((s) => s.member === who);
          for (let i = 1; i < mine.length; i++) expect(mine[i].start).toBeGreaterThanOrEqual(mine[i - 1].end);
          const total = mine.reduce((n, s) => n + (s.end - s.start), 0);
          const inSegs = segs.filter((s) => s.members.includes(who)).reduce((n, s) => n + (s.end - s.start), 0);
          expect(total).toBe(inSegs);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('agrees with itself: oncallAt at any instant is the segment that contains it', () => {
    fc.assert(
      fc.property(schedule, fc.array(override, { maxLength: 3 }), windowArb, (spec, ovs, { from, to }) => {
        const m = build(spec, ovs);
        const segs = segments(m, from, to);
        const probe = from + Math.floor((to - from) / 3);
        const seg = segs.find((s) => s.start <= probe && probe < s.end)!;
        const now = oncallAt(m, probe);
        expect([...now.members].sort()).toEqual([...seg.members].sort());
        if (seg.end < to) expect(now.until).toBe(seg.end);
      }),
      { numRuns: 100 },
    );
  });
});
