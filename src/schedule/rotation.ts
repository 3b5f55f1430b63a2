import { DateTime } from 'luxon';
import type { Layer, Restriction, Rotation } from './types.ts';

// Rotation arithmetic for one layer, in the schedule's zone (luxon does the zone rules; see
// engine.ts for why a library and not offsets by hand):
// - the first shift starts on `start` at `handoff` local time, with the first member;
// - `every` in hours steps elapsed time (an 8 h rotation stays 8 h long across DST);
// - `every` in days or weeks steps the local date and keeps the handoff on the wall clock, so a
//   daily 09:00 handoff in New York is 14:00 UTC in January and 13:00 UTC in April;
// - restrictions mask the layer without pausing its turns: the member whose turn it is behind a
//   mask is simply not on call there.
// A handoff time that does not exist on a spring-forward day moves forward with the clock
// (02:30 → 03:30), as luxon resolves it; one that exists twice takes the first.

export interface Interval {
  readonly start: number;
  readonly end: number;
}

export interface LayerPiece extends Interval {
  readonly member: string;
}

const HOUR = 3_600_000;

/** `minutes` after the local midnight of `date` on the wall clock (1440 and more: the following days). */
const localAt = (date: DateTime, minutes: number): DateTime =>
  date
    .plus({ days: Math.floor(minutes / 1440) })
    .set({ hour: Math.floor((minutes % 1440) / 60), minute: minutes % 60, second: 0, millisecond: 0 });

/** When shift number k (0 = the first) of the rotation starts; the first day is worked out once. */
export function shiftClock(rotation: Rotation, zone: string): (k: number) => number {
  const day0 = DateTime.fromISO(rotation.start, { zone }).startOf('day');
  const { unit, n } = rotation.every;
  if (unit === 'h') {
    const t0 = localAt(day0, rotation.handoff).toMillis();
    return (k) => t0 + k * n * HOUR;
  }
  const stepDays = n * (unit === 'w' ? 7 : 1);
  return (k) => localAt(day0.plus({ days: k * stepDays }), rotation.handoff).toMillis();
}

export function shiftStart(rotation: Rotation, zone: string, k: number): number {
  return shiftClock(rotation, zone)(k);
}

/** The number of the shift running at instant t (negative before the first shift). */
export function shiftIndexAt(rotation: Rotation, zone: string, t: number, startOf = shiftClock(rotation, zone)): number {
  const t0 = startOf(0);
  const { unit, n } = rotation.every;
  const approxLen = n * (unit === 'h' ? HOUR : unit === 'd' ? 24 * HOUR : 7 * 24 * HOUR);
  let k = Math.floor((t - t0) / approxLen);
  // Days and weeks vary in length by an hour around DST; settle onto the exact shift.
  while (startOf(k) > t) k--;
  while (startOf(k + 1) <= t) k++;
  return k;
}

/** The rotation's shifts overlapping [from, to), each with its member (none before the first shift). */
export function rotationShifts(layer: Layer, zone: string, from: number, to: number): LayerPiece[] {
  const out: LayerPiece[] = [];
  if (layer.members.length === 0 || from >= to) return out;
  const startOf = shiftClock(layer.rotation, zone);
  let k = Math.max(0, shiftIndexAt(layer.rotation, zone, from, startOf));
  let start = startOf(k);
  while (start < to) {
    const end = startOf(k + 1);
    if (end > from) {
      out.push({ start: Math.max(start, from), end: Math.min(end, to), member: layer.members[k % layer.members.length] });
    }
    k++;
    start = end;
  }
  return out;
}

/** The windows of [from, to) the restrictions leave open, merged and sorted. */
export function restrictionWindows(restrictions: readonly Restriction[], zone: string, from: number, to: number): Interval[] {
  if (restrictions.length === 0) return [{ start: from, end: to }];
  const raw: Interval[] = [];
  // Start a day early: a window that spans midnight may begin the day before `from`.
  let day = DateTime.fromMillis(from, { zone }).startOf('day').minus({ days: 1 });
  const lastDay = DateTime.fromMillis(to, { zone }).startOf('day');
  while (day <= lastDay) {
    for (const r of restrictions) {
      if (r.days && !r.days.includes(day.weekday)) continue;
      const start = localAt(day, r.from).toMillis();
      const end = localAt(day, r.to > r.from ? r.to : r.to + 1440).toMillis();
      const s = Math.max(start, from);
      const e = Math.min(end, to);
      if (s < e) raw.push({ start: s, end: e });
    }
    day = day.plus({ days: 1 });
  }
  return mergeIntervals(raw);
}

export function mergeIntervals(list: Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) out[out.length - 1] = { start: last.start, end: Math.max(last.end, i.end) };
    else out.push({ ...i });
  }
  return out;
}

/** The layer's on-call pieces inside [from, to): its rotation, masked by its restrictions. */
export function layerPieces(layer: Layer, zone: string, from: number, to: number): LayerPiece[] {
  const shifts = rotationShifts(layer, zone, from, to);
  if (layer.restrictions.length === 0) return shifts;
  const open = restrictionWindows(layer.restrictions, zone, from, to);
  const out: LayerPiece[] = [];
  let j = 0;
  for (const s of shifts) {
    while (j < open.length && open[j].end <= s.start) j++;
    for (let i = j; i < open.length && open[i].start < s.end; i++) {
      const start = Math.max(s.start, open[i].start);
      const end = Math.min(s.end, open[i].end);
      if (start < end) out.push({ start, end, member: s.member });
    }
  }
  return out;
}
