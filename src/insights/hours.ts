import { DateTime, Info, type Zone } from 'luxon';
import type { TeamSettings } from '../store/team-repo.ts';

// Which part of a person's day a page fell in (README "Insights"): sleep hours first (default
// 22:00–08:00, wrapping midnight), then work hours (default Mon–Fri 09:00–18:00), else off hours.
// Wall-clock times in the person's zone through luxon, so a page at 23:30 is a night page on
// both sides of a daylight-saving change.

export type HoursClass = 'work' | 'off' | 'sleep';

export const HOURS_CLASSES: readonly HoursClass[] = ['work', 'off', 'sleep'];

const DAY_NUMBERS: Record<string, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

export interface HoursRule {
  /** ISO weekdays (1 = Monday) of work. */
  workDays: ReadonlySet<number>;
  workFrom: number;
  workTo: number;
  sleepFrom: number;
  sleepTo: number;
}

function minutesOf(hhmm: string, field: string): number {
  const m = /^([01]?\d|2[0-4]):([0-5]\d)$/.exec(hhmm.trim());
  if (!m) throw new Error(`${field}: "${hhmm}" is not a time of day (HH:MM)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** A team's work and sleep hours (settings of migration 020), defaults where unset. */
export function hoursRule(settings: TeamSettings | null | undefined): HoursRule {
  const work = settings?.work ?? { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' };
  const sleep = settings?.sleep ?? { from: '22:00', to: '08:00' };
  const days = new Set<number>();
  for (const d of work.days ?? []) {
    const n = DAY_NUMBERS[d.slice(0, 3).toLowerCase()];
    if (!n) throw new Error(`work.days: "${d}" is not a day (mon … sun)`);
    days.add(n);
  }
  return {
    workDays: days,
    workFrom: minutesOf(work.from ?? '09:00', 'work.from'),
    workTo: minutesOf(work.to ?? '18:00', 'work.to'),
    sleepFrom: minutesOf(sleep.from ?? '22:00', 'sleep.from'),
    sleepTo: minutesOf(sleep.to ?? '08:00', 'sleep.to'),
  };
}

/** [from, to) on the clock, wrapping midnight when from > to. */
function within(min: number, from: number, to: number): boolean {
  if (from === to) return false;
  return from < to ? min >= from && min < to : min >= from || min < to;
}

/** A valid IANA zone, else the fallback (a member's zone typed wrong must not hide their pages). */
export function zoneOr(zone: string | null | undefined, fallback: string): string {
  if (zone && isZone(zone)) return zone;
  return isZone(fallback) ? fallback : 'UTC';
}

// Whether luxon knows the zone, asked once per name (the figures ask for every page).
const known = new Map<string, boolean>();
function isZone(zone: string): boolean {
  let ok = known.get(zone);
  if (ok === undefined) {
    if (known.size >= 1_000) known.clear();
    ok = DateTime.now().setZone(zone).isValid;
    known.set(zone, ok);
  }
  return ok;
}

// The wall clock of an instant, as luxon computes it (DateTime.fromMillis: the zone's offset at the
// instant, then the UTC fields of instant + offset), with the offset looked up once per UTC day or
// hour instead of through Intl for every page: a report classes tens of thousands of pages. A day
// (else an hour) whose two ends have the same offset has it throughout, as no zone changes its
// offset twice within an hour; an hour with a change in it asks luxon for each instant.
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const CACHE_MAX = 50_000;
const zones = new Map<string, { zone: Zone; days: Map<number, number | null>; hours: Map<number, number | null> }>();

/** The zone's offset over the whole span (size) holding `at`, or null when it changes inside it. */
function steady(zone: Zone, at: number, size: number, cache: Map<number, number | null>): number | null {
  const k = Math.floor(at / size);
  let o = cache.get(k);
  if (o === undefined) {
    if (cache.size >= CACHE_MAX) cache.clear();
    const start = zone.offset(k * size);
    o = start === zone.offset(k * size + size - 1) ? start : null;
    cache.set(k, o);
  }
  return o;
}

function offsetOf(at: number, zoneName: string): number {
  let z = zones.get(zoneName);
  if (!z) {
    if (zones.size >= 1_000) zones.clear();
    z = { zone: Info.normalizeZone(zoneName), days: new Map(), hours: new Map() };
    zones.set(zoneName, z);
  }
  const { zone } = z;
  if (zone.isUniversal) return zone.offset(at);
  return steady(zone, at, DAY_MS, z.days) ?? steady(zone, at, HOUR_MS, z.hours) ?? zone.offset(at);
}

/** The instant's wall clock in the zone, as a Date whose UTC fields read it (luxon's own arithmetic). */
function wallClock(at: number, zone: string): Date {
  return new Date(at + offsetOf(at, zone) * 60 * 1000);
}

export function classifyHours(at: number, zone: string, rule: HoursRule): HoursClass {
  const t = wallClock(at, zone);
  const min = t.getUTCHours() * 60 + t.getUTCMinutes();
  if (within(min, rule.sleepFrom, rule.sleepTo)) return 'sleep';
  const weekday = t.getUTCDay() || 7;
  if (rule.workDays.has(weekday) && within(min, rule.workFrom, rule.workTo)) return 'work';
  return 'off';
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** The calendar day (YYYY-MM-DD) of an instant in a zone. */
export function dayOf(at: number, zone: string): string {
  const t = wallClock(at, zone);
  const year = t.getUTCFullYear();
  if (year >= 1000 && year <= 9999) return `${year}-${pad2(t.getUTCMonth() + 1)}-${pad2(t.getUTCDate())}`;
  return DateTime.fromMillis(at, { zone }).toISODate() ?? '';
}
