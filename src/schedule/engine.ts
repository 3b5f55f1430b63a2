import { layerPieces, shiftClock, shiftIndexAt, type LayerPiece } from './rotation.ts';
import { runNow, type Steps } from './steps.ts';
import type { ScheduleModel, Segment, Shift } from './types.ts';

// The final result of a schedule over a window: layers stacked (a later layer wins where it has
// someone), then overrides on top (without `replaces` the override's member is the only one on
// call; with it, that one person is swapped and the others stay). Pure: no I/O, no clock.
//
// Zone arithmetic is luxon's (rotation.ts): the IANA rules change every year, and a maintained
// library that reads them from the platform's ICU data gets DST transitions, gaps and repeated
// hours right where offsets computed by hand do not.

/** How far ahead `oncallAt` looks for the next change before answering "until: unknown". */
export const LOOKAHEAD_MS = 120 * 86_400_000;
/** A layer's pieces are worked out a week at a time, with a pause point after each (steps.ts). */
const CHUNK_MS = 7 * 86_400_000;
/** Pause points in the loops below: after this many stretches. */
const EVERY = 256;

/** The window [from, to) cut where anyone's time on call changes; adjacent equal stretches merged. */
export function segments(model: ScheduleModel, from: number, to: number): Segment[] {
  return runNow(segmentSteps(model, from, to));
}

/** segments() a piece at a time (steps.ts), so a long window can be computed without blocking. */
export function* segmentSteps(model: ScheduleModel, from: number, to: number): Steps<Segment[]> {
  if (!(from < to)) return [];
  const perLayer: LayerPiece[][] = [];
  for (const l of model.layers) {
    // Week by week: a shift cut at a week's edge becomes two pieces of the same member, and the
    // merging of equal stretches below joins them again.
    const pieces: LayerPiece[] = [];
    for (let a = from; a < to; a += CHUNK_MS) {
      pieces.push(...layerPieces(l, model.timeZone, a, Math.min(a + CHUNK_MS, to)));
      yield;
    }
    perLayer.push(pieces);
  }
  const overrides = model.overrides.filter((o) => o.start < to && o.end > from && o.start < o.end);
  const cuts = new Set<number>([from, to]);
  for (const pieces of perLayer) for (const p of pieces) cuts.add(p.start).add(p.end);
  for (const o of overrides) cuts.add(Math.max(o.start, from)).add(Math.min(o.end, to));
  const edges = [...cuts].sort((a, b) => a - b);
  const cursor = perLayer.map(() => 0);
  const out: Segment[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    if (i % EVERY === EVERY - 1) yield;
    const start = edges[i];
    const end = edges[i + 1];
    let members: string[] = [];
    // Topmost layer with someone at `start` wins.
    for (let l = perLayer.length - 1; l >= 0; l--) {
      const pieces = perLayer[l];
      while (cursor[l] < pieces.length && pieces[cursor[l]].end <= start) cursor[l]++;
      const p = pieces[cursor[l]];
      if (members.length === 0 && p && p.start <= start && start < p.end) members = [p.member];
    }
    let overridden: string[] = [];
    for (const o of overrides) {
      if (!(o.start <= start && start < o.end)) continue;
      if (o.replaces === null) {
        members = [o.member];
        overridden = [o.member];
      } else if (members.includes(o.replaces)) {
        members = unique(members.map((m) => (m === o.replaces ? o.member : m)));
        overridden = unique([...overridden.filter((m) => m !== o.replaces), o.member]);
      }
    }
    const last = out[out.length - 1];
    if (last && last.end === start && sameSet(last.members, members) && sameSet(last.overridden, overridden)) {
      out[out.length - 1] = { ...last, end };
    } else {
      out.push({ start, end, members, overridden });
    }
  }
  return out;
}

/** Each person's uninterrupted time on call in [from, to), by start time. */
export function shifts(model: ScheduleModel, from: number, to: number): Shift[] {
  return runNow(shiftSteps(model, from, to));
}

/** shifts() a piece at a time (steps.ts). */
export function* shiftSteps(model: ScheduleModel, from: number, to: number): Steps<Shift[]> {
  const open = new Map<string, Shift>();
  const done: Shift[] = [];
  const segs = yield* segmentSteps(model, from, to);
  for (const [i, seg] of segs.entries()) {
    if (i % EVERY === EVERY - 1) yield;
    for (const [member, s] of open) {
      const still = seg.members.includes(member) && seg.overridden.includes(member) === s.override && s.end === seg.start;
      if (still) open.set(member, { ...s, end: seg.end });
      else {
        done.push(s);
        open.delete(member);
      }
    }
    for (const m of seg.members) {
      if (!open.has(m)) open.set(m, { member: m, start: seg.start, end: seg.end, override: seg.overridden.includes(m) });
    }
  }
  done.push(...open.values());
  return done.sort((a, b) => a.start - b.start || a.member.localeCompare(b.member));
}

export interface OnCall {
  readonly at: number;
  readonly members: readonly string[];
  /** When the set of people on call next changes; null when it does not within LOOKAHEAD_MS. */
  readonly until: number | null;
  /** Who is on call from `until` (empty: nobody). */
  readonly next: readonly string[];
}

/** Who is on call at `at`, until when, and who comes next. */
export function oncallAt(model: ScheduleModel, at: number, lookahead = LOOKAHEAD_MS): OnCall {
  // Look two days ahead first, then further, so the usual answer costs a few shifts, not months.
  for (let span = Math.min(2 * 86_400_000, lookahead); ; span = Math.min(span * 4, lookahead)) {
    const segs = segments(model, at, at + span);
    const now = segs[0];
    if (!now) return { at, members: [], until: null, next: [] };
    const following = segs[1];
    if (following) return { at, members: now.members, until: now.end, next: following.members };
    if (span >= lookahead) return { at, members: now.members, until: null, next: [] };
  }
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** The next rotation handoff of any layer after `at` (a shift ends there even if the same person goes on). */
export function nextHandoff(model: ScheduleModel, at: number): number | null {
  let best: number | null = null;
  for (const l of model.layers) {
    const startOf = shiftClock(l.rotation, model.timeZone);
    const k = Math.max(-1, shiftIndexAt(l.rotation, model.timeZone, at, startOf));
    const t = startOf(k + 1);
    if (t > at && (best === null || t < best)) best = t;
  }
  return best;
}
