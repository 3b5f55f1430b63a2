import crypto from 'node:crypto';
import ical, { ICalAlarmType } from 'ical-generator';
import type { Kysely } from 'kysely';
import { HarkError } from '../errors.ts';
import { findFeed, findScheduleById, listSchedules, memberById, rosterByEmail } from '../store/schedule-repo.ts';
import type { DB } from '../store/schema.ts';
import type { ScheduleService } from './service.ts';

// The iCal feeds calendar apps subscribe to (Lark Calendar, Google Calendar, Outlook): one event
// per shift, UTC instants (so DST never shifts them), a reminder before each shift. Written with
// ical-generator, a maintained RFC 5545 writer (line folding, escaping, VALARM) rather than by hand.
// A shift's UID is a hash of its schedule, person and start, so a refresh that still has the shift
// updates the same event instead of adding a second one.

/** From a week back to two months ahead: enough to see what just happened and plan ahead. */
const PAST_MS = 7 * 86_400_000;
const AHEAD_MS = 62 * 86_400_000;
/** The reminder, before each shift. */
export const REMINDER_SECONDS = 15 * 60;

export function shiftUid(schedule: string, member: string, start: number): string {
  return `${crypto.createHash('sha256').update(`${schedule}\n${member}\n${start}`).digest('hex').slice(0, 32)}@hark`;
}

/** The feed behind a secret token, as iCalendar text; 404 for a token that is not one. */
export async function calendarFeed(db: Kysely<DB>, service: ScheduleService, token: string, now: number, publicUrl: string): Promise<string> {
  const feed = /^[A-Za-z0-9_-]{16,64}$/.test(token) ? await findFeed(db, token) : null;
  if (!feed) throw new HarkError('not_found', 'no calendar at this address; copy the ical_url again from Hark');
  const from = now - PAST_MS;
  const to = now + AHEAD_MS;
  let name: string;
  let schedules;
  let only: string | null = null;
  if (feed.scheduleId !== null) {
    const s = await findScheduleById(db, feed.scheduleId);
    if (!s) throw new HarkError('not_found', 'this schedule no longer exists');
    schedules = [s];
    name = `On call: ${s.name}`;
  } else {
    const m = await memberById(db, feed.memberId!);
    if (!m?.email) throw new HarkError('not_found', 'this member is no longer on the roster');
    only = m.email;
    schedules = await listSchedules(db);
    name = `My on-call shifts (${m.name})`;
  }
  const cal = ical({ name, prodId: { company: 'Hark', product: 'Hark on-call', language: 'EN' }, ttl: 3600 });
  for (const s of schedules) {
    // Shifts cut by the window's edges are left out: their cut start would change at every refresh
    // (and with it the UID); the next refresh has them whole.
    const shifts = (await service.shiftsOf(db, s, from, to)).filter((x) => x.start > from && x.end < to && (only === null || x.member === only));
    const roster = await rosterByEmail(db, shifts.map((x) => x.member));
    for (const x of shifts) {
      const who = roster.get(x.member)?.name ?? x.member;
      const event = cal.createEvent({
        id: shiftUid(s.name, x.member, x.start),
        start: new Date(x.start),
        end: new Date(x.end),
        stamp: new Date(now),
        summary: only === null ? `${who} on call (${s.name})` : `On call: ${s.name}`,
        description: `${who} is on call for ${s.name}${x.override ? ' (override)' : ''}.`,
        url: `${publicUrl}/h5/schedules`,
      });
      event.createAlarm({ type: ICalAlarmType.display, trigger: REMINDER_SECONDS, description: `On call for ${s.name} in 15 minutes` });
    }
  }
  return cal.toString();
}
