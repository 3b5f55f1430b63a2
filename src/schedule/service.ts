import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { HarkError } from '../errors.ts';
import type { Clock } from '../incident/ports.ts';
import { formatPath, parseOrThrow } from '../incident/validate.ts';
import {
  activeChats,
  addScheduleEvent,
  bumpRevision,
  countOverridesEndingAfter,
  deleteOverride,
  deleteSchedule,
  eventsOf,
  feedToken,
  findOverride,
  findSchedule,
  insertOverride,
  listSchedules,
  overridesPage,
  replaceFeedToken,
  rosterByEmail,
  saveSchedule,
  type OverrideRecord,
  type RosterEntry,
  type ScheduleRecord,
} from '../store/schedule-repo.ts';
import type { DB } from '../store/schema.ts';
import { nextHandoff, oncallAt, shiftSteps, type OnCall } from './engine.ts';
import { runSliced } from './steps.ts';
import { ADMIN, cursorOf, maySeeFeed, parseCursor, type ScheduleViewer } from './access.ts';
import { loadModel } from './lookup.ts';
import { mayTakeOver } from './who-may.ts';
import { findMemberByEmail } from '../store/member-repo.ts';
import { overrideSchema, scheduleSchema, type ScheduleSpec } from './spec.ts';
import type { ScheduleModel, Shift } from './types.ts';

// Schedules as the admin API, the bot and escalation use them: validation (400 naming the field
// and the fix; nothing saved unless all of it is valid), storage in one transaction with its
// timeline entry, and the engine's answers with names from the roster.

export const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
export const MAX_WINDOW_MS = 93 * 86_400_000;
const DAY = 86_400_000;
/**
 * At most this many overrides per schedule that have not ended or ended in the last week (the
 * calendar feeds still show those); past it adding one is refused with 409 (issue 29, item 10).
 */
export const MAX_OVERRIDES = 200;
export const OVERRIDES_SINCE_MS = 7 * DAY;
/** The overrides list's page: 50 by default, at most 200. */
export const OVERRIDES_PAGE = 50;
export const MAX_OVERRIDES_PAGE = 200;

export interface ScheduleActor {
  readonly name: string;
  readonly via: 'api' | 'card' | 'command' | 'web';
}

/** Told when a schedule or its overrides changed, in the same transaction (the handoff notices). */
export interface ScheduleChangeHook {
  changed(db: Kysely<DB>, scheduleId: number, now: number): Promise<void>;
  /** Who is on call changed at this instant (Take over, an override starting or deleted now): `before` were on call. */
  changedNow(db: Kysely<DB>, scheduleId: number, before: readonly string[], now: number): Promise<void>;
  removed(db: Kysely<DB>, scheduleId: number, now: number): Promise<void>;
}

export type Person = { name: string; email: string };

export interface OnCallView {
  at: string;
  members: Person[];
  until: string | null;
  next: Person[];
}

const iso = (ms: number) => new Date(ms).toISOString();

export class ScheduleService {
  readonly db: Kysely<DB>;
  private readonly clock: Clock;
  private readonly publicUrl: string;
  /** Told of every change in its transaction (handoff notices move their timers); none in tests of the rules alone. */
  private readonly hook: ScheduleChangeHook | null;

  constructor(deps: { db: Kysely<DB>; clock: Clock; publicUrl: string; hook?: ScheduleChangeHook }) {
    this.db = deps.db;
    this.hook = deps.hook ?? null;
    this.clock = deps.clock;
    this.publicUrl = deps.publicUrl.replace(/\/+$/, '');
  }

  async put(name: string, input: unknown, actor: ScheduleActor): Promise<{ view: Record<string, unknown>; created: boolean }> {
    if (!NAME_RE.test(name)) {
      throw new HarkError('invalid', `name: "${name}" is not a schedule name; use letters, digits, ".", "_" or "-" (at most 64)`);
    }
    const spec = parseOrThrow(scheduleSchema, input);
    await this.checkReferences(spec);
    const now = this.clock.now();
    const created = await this.db.transaction().execute(async (trx) => {
      const r = await saveSchedule(trx, { name, timeZone: spec.time_zone, spec: JSON.stringify(spec), now });
      await bumpRevision(trx, r.id);
      await addScheduleEvent(trx, { scheduleId: r.id, at: now, kind: 'schedule', via: actor.via, actor: actor.name, message: `schedule ${r.created ? 'created' : 'changed'} by ${actor.name}` });
      await this.hook?.changed(trx, r.id, now);
      return r.created;
    });
    return { view: await this.view(name), created };
  }

  async list(): Promise<Record<string, unknown>[]> {
    const rows = await listSchedules(this.db);
    return rows.map((r) => ({ name: r.name, ...specOf(r) }));
  }

  /**
   * One schedule as GET shows it: the definition, its secret iCal URL (only for those who may see
   * it), the first page of its overrides (the rest through GET …/overrides) and its timeline.
   */
  async view(name: string, viewer: ScheduleViewer = ADMIN): Promise<Record<string, unknown>> {
    const s = await this.require(name);
    const now = this.clock.now();
    const mayFeed = await maySeeFeed(this.db, s, viewer);
    const token = mayFeed ? await feedToken(this.db, { scheduleId: s.id }, newFeedToken, now) : null;
    const page = await this.overrides(name, {});
    return {
      name: s.name,
      ...specOf(s),
      ...(token ? { ical_url: `${this.publicUrl}/ical/${token}.ics` } : {}),
      overrides: page.items,
      ...(page.next_cursor ? { overrides_next: `/api/v1/schedules/${encodeURIComponent(s.name)}/overrides?cursor=${page.next_cursor}` } : {}),
      timeline: (await eventsOf(this.db, s.id)).map((e) => ({ ...e, at: iso(e.at) })),
    };
  }

  /**
   * The overrides that have not ended (or end after `from`), by start time, a page at a time:
   * `limit` (default 50, at most 200) and the `cursor` the previous page gave as next_cursor.
   */
  async overrides(name: string, q: { from?: string; to?: string; limit?: string; cursor?: string }): Promise<{ items: Record<string, unknown>[]; next_cursor: string | null }> {
    const s = await this.require(name);
    const from = q.from === undefined ? this.clock.now() : instant('from', q.from);
    const to = q.to === undefined ? undefined : instant('to', q.to);
    const limit = q.limit === undefined ? OVERRIDES_PAGE : Number(q.limit);
    if (!/^\d{1,4}$/.test(q.limit ?? '1') || limit < 1 || limit > MAX_OVERRIDES_PAGE) {
      throw new HarkError('invalid', `limit: "${q.limit}" is not a page size; use a whole number from 1 to ${MAX_OVERRIDES_PAGE}`);
    }
    const after = q.cursor === undefined ? null : parseCursor(q.cursor);
    const rows = await overridesPage(this.db, s.id, { from, to, after, limit: limit + 1 });
    const items = rows.slice(0, limit);
    const roster = await rosterByEmail(this.db, items.flatMap((o) => [o.member_email, ...(o.replaces_email ? [o.replaces_email] : [])]));
    const last = items[items.length - 1];
    return {
      items: items.map((o) => overrideView(o, roster)),
      next_cursor: rows.length > limit && last ? cursorOf(last) : null,
    };
  }

  /** The secret iCal URL of one member's shifts across every schedule. */
  async memberIcalUrl(email: string): Promise<string> {
    const m = await this.member(email);
    const token = await feedToken(this.db, { memberId: m.id }, newFeedToken, this.clock.now());
    return `${this.publicUrl}/ical/${token}.ics`;
  }

  /** A new secret URL for one member's feed; the old one answers 404 from now on. */
  async rotateMemberIcal(email: string): Promise<string> {
    const m = await this.member(email);
    const token = await replaceFeedToken(this.db, { memberId: m.id }, newFeedToken, this.clock.now());
    return `${this.publicUrl}/ical/${token}.ics`;
  }

  /** A new secret URL for the schedule's feed (admins, and responders on the schedule); the old one answers 404. */
  async rotateIcal(name: string, actor: ScheduleActor, viewer: ScheduleViewer = ADMIN): Promise<string> {
    const s = await this.require(name);
    if (!(await maySeeFeed(this.db, s, viewer))) {
      throw new HarkError('forbidden', `only admins and the responders on "${s.name}" may see or rotate its calendar URL`);
    }
    const now = this.clock.now();
    const token = await this.db.transaction().execute(async (trx) => {
      const t = await replaceFeedToken(trx, { scheduleId: s.id }, newFeedToken, now);
      await addScheduleEvent(trx, { scheduleId: s.id, at: now, kind: 'ical', via: actor.via, actor: actor.name, message: `calendar URL rotated by ${actor.name}; the old one no longer works` });
      return t;
    });
    return `${this.publicUrl}/ical/${token}.ics`;
  }

  private async member(email: string): Promise<RosterEntry> {
    const key = email.trim().toLowerCase();
    const m = (await rosterByEmail(this.db, [key])).get(key);
    if (!m) throw new HarkError('not_found', `no member with email ${email}`);
    return m;
  }

  async remove(name: string): Promise<void> {
    const s = await this.require(name);
    const now = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      await deleteSchedule(trx, s.id, now);
      await this.hook?.removed(trx, s.id, now);
    });
  }

  async oncall(name: string, at?: string): Promise<OnCallView> {
    const s = await this.require(name);
    const t = at === undefined ? this.clock.now() : instant('at', at);
    return this.personify(await this.oncallOf(this.db, s, t));
  }

  async shifts(name: string, fromText?: string, toText?: string): Promise<{ items: Record<string, unknown>[] }> {
    const s = await this.require(name);
    const from = fromText === undefined ? this.clock.now() : instant('from', fromText);
    const to = toText === undefined ? from + 14 * DAY : instant('to', toText);
    if (to <= from) throw new HarkError('invalid', `to: must be after from (${iso(from)})`);
    if (to - from > MAX_WINDOW_MS) throw new HarkError('invalid', 'to: the window may be at most 93 days; ask for several windows');
    const list = await this.shiftsOf(this.db, s, from, to);
    const roster = await rosterByEmail(this.db, list.map((x) => x.member));
    return { items: list.map((x) => ({ member: person(roster, x.member), start: iso(x.start), end: iso(x.end), ...(x.override ? { override: true } : {}) })) };
  }

  async addOverride(name: string, input: unknown, actor: ScheduleActor): Promise<Record<string, unknown>> {
    const s = await this.require(name);
    const o = parseOrThrow(overrideSchema, input);
    const roster = await rosterByEmail(this.db, [o.member, ...(o.replaces ? [o.replaces] : [])]);
    for (const [field, email] of [['member', o.member], ['replaces', o.replaces]] as const) {
      if (email && !roster.has(email)) throw new HarkError('invalid', `${field}: no member with email ${email}; add them with POST /api/v1/members first`);
    }
    const rec = await this.createOverride(s, { member: o.member, start: Date.parse(o.start), end: Date.parse(o.end), replaces: o.replaces ?? null }, actor, roster);
    return overrideView(rec, roster);
  }

  async deleteOverride(name: string, id: number, actor: ScheduleActor): Promise<void> {
    const s = await this.require(name);
    const now = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      const o = await findOverride(trx, s.id, id);
      const before = o && Number(o.start_at) <= now && Number(o.end_at) > now ? (await this.oncallOf(trx, s, now)).members : null;
      if (!o || !(await deleteOverride(trx, s.id, id))) throw new HarkError('not_found', `schedule "${s.name}" has no override ${id}`);
      await bumpRevision(trx, s.id);
      const roster = await rosterByEmail(trx, [o.member_email]);
      const message = `override deleted by ${actor.name}: ${person(roster, o.member_email).name}, ${iso(Number(o.start_at))} – ${iso(Number(o.end_at))}`;
      await addScheduleEvent(trx, { scheduleId: s.id, at: now, kind: 'override', via: actor.via, actor: actor.name, message });
      await this.hook?.changed(trx, s.id, now);
      if (before) await this.hook?.changedNow(trx, s.id, before, now);
    });
  }

  /**
   * `email` takes over from now until the end of the current stretch on call (Take over): an
   * override recorded with who made it and when. Refused when they are already on call.
   */
  async takeOver(name: string, email: string, actor: ScheduleActor): Promise<{ override: OverrideRecord; until: number } | { already: true; until: number | null }> {
    const s = await this.require(name);
    const taker = await findMemberByEmail(this.db, email);
    if (!taker || !mayTakeOver(taker, JSON.parse(s.spec) as ScheduleSpec)) {
      throw new HarkError('forbidden', `only the people on schedule ${s.name} (any layer) and admins may take it over`);
    }
    const now = this.clock.now();
    const model = await this.model(this.db, s, now);
    const current = oncallAt(model, now);
    if (current.members.length === 1 && current.members[0] === email) return { already: true, until: current.until };
    // The end of the current shift: the next change of who is on call, or the next handoff of a
    // rotation (a one-person layer hands over to the same person), whichever comes first.
    const handoff = nextHandoff(model, now);
    const end = Math.min(current.until ?? Infinity, handoff ?? Infinity, now + 7 * DAY);
    const roster = await rosterByEmail(this.db, [email, ...current.members]);
    const from = current.members.length ? ` from ${current.members.map((m) => person(roster, m).name).join(', ')}` : '';
    const message = `${person(roster, email).name} took over${from} until ${iso(end)} (${actor.via === 'card' ? 'Take over on a card' : actor.via})`;
    const override = await this.createOverride(s, { member: email, start: now, end, replaces: null }, actor, roster, message);
    return { override, until: end };
  }

  // -- reads used by escalation, the bot, notices and the calendar feed --------------------------

  async require(name: string): Promise<ScheduleRecord & { id: number }> {
    const s = await findSchedule(this.db, name);
    if (!s) throw new HarkError('not_found', `schedule "${name}" does not exist; GET /api/v1/schedules lists them`);
    return { ...s, id: Number(s.id) };
  }

  async find(db: Kysely<DB>, name: string): Promise<(ScheduleRecord & { id: number }) | null> {
    const s = await findSchedule(db, name);
    return s ? { ...s, id: Number(s.id) } : null;
  }

  model(db: Kysely<DB>, s: ScheduleRecord, from: number, to?: number): Promise<ScheduleModel> {
    return loadModel(db, s, from, to);
  }

  async oncallOf(db: Kysely<DB>, s: ScheduleRecord, at: number): Promise<OnCall> {
    return oncallAt(await this.model(db, s, at), at);
  }

  async shiftsOf(db: Kysely<DB>, s: ScheduleRecord, from: number, to: number): Promise<Shift[]> {
    // Sliced: two months of a large schedule is a second of work that must not block the process.
    return runSliced(shiftSteps(await this.model(db, s, from, to), from, to));
  }

  /** Who is on call, with roster entries (open_ids for paging), names for those who left the roster. */
  async roster(db: Kysely<DB>, emails: readonly string[]): Promise<Map<string, RosterEntry>> {
    return rosterByEmail(db, emails);
  }

  async personify(o: OnCall): Promise<OnCallView> {
    const roster = await rosterByEmail(this.db, [...o.members, ...o.next]);
    return {
      at: iso(o.at),
      members: o.members.map((m) => person(roster, m)),
      until: o.until === null ? null : iso(o.until),
      next: o.next.map((m) => person(roster, m)),
    };
  }

  private async createOverride(
    s: ScheduleRecord & { id: number },
    o: { member: string; start: number; end: number; replaces: string | null },
    actor: ScheduleActor,
    roster: Map<string, RosterEntry>,
    said?: string,
  ): Promise<OverrideRecord> {
    const now = this.clock.now();
    return this.db.transaction().execute(async (trx) => {
      await bumpRevision(trx, s.id); // first: on PostgreSQL it locks the schedule, so the count below is exact
      const live = await countOverridesEndingAfter(trx, s.id, now - OVERRIDES_SINCE_MS);
      if (live >= MAX_OVERRIDES) {
        throw new HarkError(
          'conflict',
          `schedule "${s.name}" already has ${live} overrides that are current, upcoming or ended in the last 7 days; the cap is ${MAX_OVERRIDES} per schedule: delete some (DELETE /api/v1/schedules/${s.name}/overrides/:id) before adding more`,
        );
      }
      // An override in force now changes who is on call at once: announced at once (issue 29).
      const before = o.start <= now && o.end > now ? (await this.oncallOf(trx, s, now)).members : null;
      const rec = await insertOverride(trx, { scheduleId: s.id, ...o, createdBy: actor.name, via: actor.via, now });
      const who = person(roster, o.member).name;
      const what = o.replaces ? `${who} replaces ${person(roster, o.replaces).name}` : `${who} on call`;
      const message = said ?? `override by ${actor.name}: ${what}, ${iso(o.start)} – ${iso(o.end)}`;
      await addScheduleEvent(trx, { scheduleId: s.id, at: now, kind: said ? 'take_over' : 'override', via: actor.via, actor: actor.name, message });
      await this.hook?.changed(trx, s.id, now);
      if (before) await this.hook?.changedNow(trx, s.id, before, now);
      return rec;
    });
  }

  /** Every member is on the roster and every notify chat is a group Hark is in. */
  private async checkReferences(spec: ScheduleSpec): Promise<void> {
    const emails = spec.layers.flatMap((l) => l.members);
    const known = await rosterByEmail(this.db, emails);
    const issues: { path: string; message: string }[] = [];
    spec.layers.forEach((l, i) =>
      l.members.forEach((m, j) => {
        if (!known.has(m)) issues.push({ path: formatPath(['layers', i, 'members', j]), message: `no member with email ${m}; add them with POST /api/v1/members first` });
      }),
    );
    const chats = spec.notify?.chats ?? [];
    if (chats.length) {
      const have = await activeChats(this.db, chats);
      chats.forEach((c, i) => {
        if (!have.has(c)) issues.push({ path: formatPath(['notify', 'chats', i]), message: `Hark is not in a group with chat_id ${c}; add the bot to the group first (GET /api/v1/chats lists them)` });
      });
    }
    if (issues.length) {
      const shown = issues.slice(0, 5);
      const more = issues.length - shown.length;
      throw new HarkError('invalid', shown.map((x) => `${x.path}: ${x.message}`).join('; ') + (more > 0 ? `; and ${more} more` : ''), { issues: shown });
    }
  }
}

function specOf(s: ScheduleRecord): ScheduleSpec {
  return JSON.parse(s.spec) as ScheduleSpec;
}

export function person(roster: Map<string, RosterEntry>, email: string): Person {
  return { name: roster.get(email)?.name ?? email, email };
}

function overrideView(o: OverrideRecord, roster: Map<string, RosterEntry>): Record<string, unknown> {
  return {
    id: Number(o.id),
    member: person(roster, o.member_email),
    start: iso(Number(o.start_at)),
    end: iso(Number(o.end_at)),
    ...(o.replaces_email ? { replaces: person(roster, o.replaces_email) } : {}),
    created_by: o.created_by,
    created_at: iso(Number(o.created_at)),
  };
}

function instant(field: string, text: string): number {
  const t = /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(t)) throw new HarkError('invalid', `${field}: "${text}" is not a time; write it as ISO 8601, e.g. 2026-12-07T09:00:00Z`);
  return t;
}

const newFeedToken = () => crypto.randomBytes(24).toString('base64url');
