import type { Kysely } from 'kysely';
import type { OncallBoardItem, SchedulePort } from '../bot/ports.ts';
import { HarkError } from '../errors.ts';
import type { Clock } from '../incident/ports.ts';
import { listSchedules, policiesOfChat, rosterByEmail, type ScheduleRecord } from '../store/schedule-repo.ts';
import type { DB } from '../store/schema.ts';
import type { ScheduleService } from './service.ts';

/** Schedules the `oncall` card lists at most. */
const BOARD_LIMIT = 10;

/**
 * The bot's SchedulePort over the schedule service: the `oncall` card's data and Take over.
 * `scheduleTargetsOf` reads a stored escalation policy (escalation/policy.ts), handed in so that
 * schedules, which escalation looks up, do not import escalation back.
 */
export function scheduleBotPort(db: Kysely<DB>, service: ScheduleService, clock: Clock, scheduleTargetsOf: (policy: string | null) => string[]): SchedulePort {
  const item = async (s: ScheduleRecord, now: number): Promise<OncallBoardItem> => {
    const o = await service.oncallOf(db, s, now);
    const roster = await rosterByEmail(db, [...o.members, ...o.next]);
    const name = (e: string) => roster.get(e)?.name ?? e;
    return { name: s.name, timeZone: s.time_zone, members: o.members.map(name), until: o.until, next: o.next.map(name) };
  };
  return {
    async board({ name, chatId }) {
      const now = clock.now();
      if (name !== null) {
        const s = await service.find(db, name);
        return s ? { items: [await item(s, now)] } : { items: [], empty: 'unknown' };
      }
      const all = await listSchedules(db);
      if (all.length === 0) return { items: [], empty: 'none' };
      let chosen = all;
      if (chatId !== null) {
        // In a group: the schedules its subscribed sources escalate to.
        const wanted = new Set<string>();
        for (const text of await policiesOfChat(db, chatId)) {
          for (const name of scheduleTargetsOf(text)) wanted.add(name);
        }
        chosen = all.filter((s) => wanted.has(s.name));
        if (chosen.length === 0) return { items: [], empty: 'group' };
      }
      return { items: await Promise.all(chosen.slice(0, BOARD_LIMIT).map((s) => item(s, now))) };
    },
    async takeOver(name, member) {
      if (!member.email) throw new HarkError('invalid', `${member.name} has no email on the roster`);
      const s = await service.find(db, name);
      if (!s) return { kind: 'not_found' };
      const r = await service.takeOver(name, member.email, { name: member.name, via: 'card' });
      return { kind: 'already' in r ? 'already' : 'done', until: r.until, timeZone: s.time_zone };
    },
  };
}

/** "Link, then finish" for Take over: remembered like an incident action, finished by the web app. */
export function scheduleBotPending(
  db: Kysely<DB>,
  service: ScheduleService,
  pending: { remember(openId: string, action: { op: 'take_over'; incident: number; schedule: string }): Promise<unknown> },
) {
  return {
    async rememberTakeOver(openId: string, name: string): Promise<void> {
      const s = await service.find(db, name);
      if (s) await pending.remember(openId, { op: 'take_over', incident: s.id, schedule: s.name });
    },
  };
}
