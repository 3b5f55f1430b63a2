import { DateTime, IANAZone } from 'luxon';
import { HarkError } from '../errors.ts';

// Maintenance window arithmetic (README "Maintenance and noise"), pure: no clock, no store.
// A window is one-off (start–end, epoch ms) or recurring: days of the week and a local time span
// on the wall clock of an IANA zone ("every Tuesday 22:00–23:30 Asia/Shanghai"). A span whose `to`
// is not after `from` crosses midnight and ends on the next day. Wall-clock times are kept across
// daylight-saving changes, as for schedules: a local time that does not exist (spring forward)
// moves forward by the gap (luxon's rule), so an occurrence never vanishes.

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface Recurring {
  readonly days: readonly Weekday[];
  /** "HH:MM", local. */
  readonly from: string;
  readonly to: string;
  readonly timeZone: string;
}

export type WindowSpan =
  | { readonly kind: 'once'; readonly start: number; readonly end: number }
  | { readonly kind: 'recurring'; readonly recurring: Recurring };

/** One occurrence of a window: [start, end). */
export interface Occurrence {
  readonly start: number;
  readonly end: number;
}

const CLOCK_RE = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** "22:00" → minutes after midnight; throws a message naming the field. */
export function parseClockTime(text: unknown, field: string): number {
  const m = typeof text === 'string' ? CLOCK_RE.exec(text.trim()) : null;
  if (!m) throw new HarkError('invalid', `${field}: "${String(text)}" is not a local time like "22:00"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Validates a recurring spec from the API or the configuration file (`{days, from, to, time_zone}`). */
export function parseRecurring(input: unknown): Recurring {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new HarkError('invalid', 'recurring: must be an object {days, from, to, time_zone}');
  }
  const r = input as Record<string, unknown>;
  const days = r.days;
  if (!Array.isArray(days) || days.length === 0) throw new HarkError('invalid', `recurring.days: a list of ${WEEKDAYS.join(', ')}`);
  const out: Weekday[] = [];
  for (const d of days) {
    const day = typeof d === 'string' ? d.trim().toLowerCase().slice(0, 3) : '';
    if (!(WEEKDAYS as readonly string[]).includes(day)) throw new HarkError('invalid', `recurring.days: "${String(d)}" is not one of ${WEEKDAYS.join(', ')}`);
    if (!out.includes(day as Weekday)) out.push(day as Weekday);
  }
  const from = parseClockTime(r.from, 'recurring.from');
  const to = parseClockTime(r.to, 'recurring.to');
  if (from === to) throw new HarkError('invalid', 'recurring: from and to are the same time; a window needs a length');
  const timeZone = r.time_zone ?? r.timeZone;
  if (typeof timeZone !== 'string' || !IANAZone.isValidZone(timeZone)) {
    throw new HarkError('invalid', `recurring.time_zone: "${String(timeZone)}" is not an IANA time zone such as Asia/Shanghai`);
  }
  return { days: out.sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b)), from: String(r.from).trim(), to: String(r.to).trim(), timeZone };
}

/** The occurrence that starts on this local date (if the date's weekday is in the spec). */
function occurrenceOn(r: Recurring, date: DateTime): Occurrence | null {
  if (!r.days.includes(WEEKDAYS[date.weekday - 1])) return null;
  const from = parseClockTime(r.from, 'from');
  const to = parseClockTime(r.to, 'to');
  const at = (d: DateTime, minutes: number) =>
    DateTime.fromObject({ year: d.year, month: d.month, day: d.day, hour: Math.floor(minutes / 60), minute: minutes % 60 }, { zone: r.timeZone });
  const start = at(date, from);
  const end = at(to > from ? date : date.plus({ days: 1 }), to);
  return { start: start.toMillis(), end: end.toMillis() };
}

/** The occurrence in force at `t` (start ≤ t < end), or null. Overlapping occurrences: the one ending last. */
export function occurrenceAt(w: WindowSpan, t: number): Occurrence | null {
  if (w.kind === 'once') return w.start <= t && t < w.end ? { start: w.start, end: w.end } : null;
  const local = DateTime.fromMillis(t, { zone: w.recurring.timeZone }).startOf('day');
  let best: Occurrence | null = null;
  // An occurrence that crossed midnight started yesterday.
  for (const d of [local.minus({ days: 1 }), local]) {
    const o = occurrenceOn(w.recurring, d);
    if (o && o.start <= t && t < o.end && (!best || o.end > best.end)) best = o;
  }
  return best;
}

/** The first occurrence starting after `t` (strictly), or null (a one-off window that has started). */
export function nextOccurrence(w: WindowSpan, t: number): Occurrence | null {
  if (w.kind === 'once') return w.start > t ? { start: w.start, end: w.end } : null;
  let d = DateTime.fromMillis(t, { zone: w.recurring.timeZone }).startOf('day');
  for (let i = 0; i < 9; i++, d = d.plus({ days: 1 })) {
    const o = occurrenceOn(w.recurring, d);
    if (o && o.start > t) return o;
  }
  return null;
}

/** The occurrence in force at `t`, else the next one: what a window's start timer waits for. */
export function currentOrNext(w: WindowSpan, t: number): Occurrence | null {
  return occurrenceAt(w, t) ?? nextOccurrence(w, t);
}

/**
 * Of several windows (each with an id), the one that covers `t` and lasts longest, with its
 * occurrence: overlapping windows keep an incident quiet until the last of them ends.
 */
export function coveringAt<T extends { span: WindowSpan }>(windows: readonly T[], t: number): { window: T; occurrence: Occurrence } | null {
  let best: { window: T; occurrence: Occurrence } | null = null;
  for (const window of windows) {
    const occurrence = occurrenceAt(window.span, t);
    if (occurrence && (!best || occurrence.end > best.occurrence.end)) best = { window, occurrence };
  }
  return best;
}

/** A one-off span from the API: `start?` (default now) and `end` or `duration` (ms). */
export function oneOff(start: number, end: number): WindowSpan {
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new HarkError('invalid', 'start/end: not valid times');
  if (end <= start) throw new HarkError('invalid', 'end: must be after start');
  return { kind: 'once', start, end };
}
