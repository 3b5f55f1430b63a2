import crypto from 'node:crypto';
import ical, { foldLines, ICalAlarmType, type ICalCalendar } from 'ical-generator';
import type { Kysely } from 'kysely';
import { HarkError } from '../errors.ts';
import type { Clock } from '../incident/ports.ts';
import { findFeed, findScheduleById, listSchedules, memberById, rosterByEmail, scheduleRevisions, type RosterEntry, type ScheduleRecord } from '../store/schedule-repo.ts';
import type { DB } from '../store/schema.ts';
import type { ScheduleService } from './service.ts';
import { runSliced, type Steps } from './steps.ts';
import type { Shift } from './types.ts';

// The iCal feeds calendar apps subscribe to (Lark Calendar, Google Calendar, Outlook): one event
// per shift, UTC instants (so DST never shifts them), a reminder before each shift. Written with
// ical-generator, a maintained RFC 5545 writer (line folding, escaping, VALARM) rather than by hand.
// A shift's UID is a hash of its schedule, person and start, so a refresh that still has the shift
// updates the same event instead of adding a second one.
//
// A feed of the largest schedule Hark accepts is a thousand events and about a second of work
// (issue 29, item 9), so it is computed in slices that let other requests run (steps.ts), and
// CalendarFeeds keeps each feed until its schedules change or its lifetime (FEED_TTL_MS) ends.

/** From a week back to two months ahead: enough to see what just happened and plan ahead. */
const PAST_MS = 7 * 86_400_000;
const AHEAD_MS = 62 * 86_400_000;
/** The reminder, before each shift. */
export const REMINDER_SECONDS = 15 * 60;
/** How long a computed feed is served again (the Cache-Control max-age of the feed route). */
export const FEED_TTL_MS = 5 * 60_000;
/** How many feeds are kept at most (the least recently made goes first). */
export const FEED_CACHE_ENTRIES = 200;

export function shiftUid(schedule: string, member: string, start: number): string {
  return `${crypto.createHash('sha256').update(`${schedule}\n${member}\n${start}`).digest('hex').slice(0, 32)}@hark`;
}

const NO_FEED = 'no calendar at this address; copy the ical_url again from Hark';

/** The feed behind a token, or 404 for a token that is not (or no longer) one. */
async function requireFeed(db: Kysely<DB>, token: string) {
  const feed = /^[A-Za-z0-9_-]{16,64}$/.test(token) ? await findFeed(db, token) : null;
  if (!feed) throw new HarkError('not_found', NO_FEED);
  return feed;
}

/** The feed behind a secret token, as iCalendar text; 404 for a token that is not one. */
export async function calendarFeed(db: Kysely<DB>, service: ScheduleService, token: string, now: number, publicUrl: string): Promise<string> {
  const feed = await requireFeed(db, token);
  const from = now - PAST_MS;
  const to = now + AHEAD_MS;
  let name: string;
  let schedules: ScheduleRecord[];
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
  // The calendar is written around its events rather than by cal.toString(): that folds the whole
  // text in one go (a second for a large feed); each event is folded on its own instead (folding
  // is per line, so the text is the same), a slice at a time.
  const frame = cal.toString();
  const end = frame.lastIndexOf('END:VCALENDAR');
  const parts = [frame.slice(0, end)];
  for (const s of schedules) {
    // Shifts cut by the window's edges are left out: their cut start would change at every refresh
    // (and with it the UID); the next refresh has them whole.
    const shifts = (await service.shiftsOf(db, s, from, to)).filter((x) => x.start > from && x.end < to && (only === null || x.member === only));
    const roster = await rosterByEmail(db, shifts.map((x) => x.member));
    parts.push(...(await runSliced(eventSteps(cal, { schedule: s.name, shifts, roster, only, now, url: `${publicUrl}/h5/schedules` }))));
  }
  parts.push(frame.slice(end));
  return parts.join('');
}

function* eventSteps(
  cal: ICalCalendar,
  f: { schedule: string; shifts: Shift[]; roster: Map<string, RosterEntry>; only: string | null; now: number; url: string },
): Steps<string[]> {
  const out: string[] = [];
  for (const x of f.shifts) {
    const who = f.roster.get(x.member)?.name ?? x.member;
    const event = cal.createEvent({
      id: shiftUid(f.schedule, x.member, x.start),
      start: new Date(x.start),
      end: new Date(x.end),
      stamp: new Date(f.now),
      summary: f.only === null ? `${who} on call (${f.schedule})` : `On call: ${f.schedule}`,
      description: `${who} is on call for ${f.schedule}${x.override ? ' (override)' : ''}.`,
      url: f.url,
    });
    event.createAlarm({ type: ICalAlarmType.display, trigger: REMINDER_SECONDS, description: `On call for ${f.schedule} in 15 minutes` });
    out.push(foldLines(event.toString()));
    yield;
  }
  return out;
}

interface Cached {
  /** The revisions of the schedules the feed was made from (schedule-repo scheduleRevisions). */
  readonly version: string;
  readonly until: number;
  readonly text: Promise<string>;
}

/**
 * Feeds by token, each computed once and kept until a schedule it shows (or its overrides)
 * changes, or FEED_TTL_MS passes. The revisions are read from the database at every request, so a
 * change made on another replica is seen at once; requests for a feed being computed share it.
 */
export class CalendarFeeds {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly deps: { db: Kysely<DB>; schedules: ScheduleService; clock: Clock; publicUrl: string; ttlMs?: number; maxEntries?: number }) {}

  async text(token: string): Promise<string> {
    const { db } = this.deps;
    let feed;
    try {
      feed = await requireFeed(db, token);
    } catch (err) {
      this.cache.delete(token); // revoked or rotated: nothing of it is kept
      throw err;
    }
    const version = `${feed.scheduleId === null ? `member ${feed.memberId}` : 'schedule'}:${await scheduleRevisions(db, feed.scheduleId)}`;
    const now = this.deps.clock.now();
    const hit = this.cache.get(token);
    if (hit && hit.version === version && hit.until > now) return hit.text;
    const text = calendarFeed(db, this.deps.schedules, token, now, this.deps.publicUrl);
    this.cache.delete(token);
    this.cache.set(token, { version, until: now + (this.deps.ttlMs ?? FEED_TTL_MS), text });
    for (const oldest of this.cache.keys()) {
      if (this.cache.size <= (this.deps.maxEntries ?? FEED_CACHE_ENTRIES)) break;
      this.cache.delete(oldest);
    }
    text.catch(() => {
      if (this.cache.get(token)?.text === text) this.cache.delete(token);
    });
    return text;
  }
}
