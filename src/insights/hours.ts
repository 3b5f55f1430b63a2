import { DateTime } from 'luxon';
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
  if (zone && DateTime.now().setZone(zone).isValid) return zone;
  return DateTime.now().setZone(fallback).isValid ? fallback : 'UTC';
}

export function classifyHours(at: number, zone: string, rule: HoursRule): HoursClass {
  const t = DateTime.fromMillis(at, { zone });
  const min = t.hour * 60 + t.minute;
  if (within(min, rule.sleepFrom, rule.sleepTo)) return 'sleep';
  if (rule.workDays.has(t.weekday) && within(min, rule.workFrom, rule.workTo)) return 'work';
  return 'off';
}

/** The calendar day (YYYY-MM-DD) of an instant in a zone. */
export function dayOf(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).toISODate() ?? '';
}
