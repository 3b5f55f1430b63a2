import type { Kysely, Transaction } from 'kysely';
import { DateTime } from 'luxon';
import type { Sending } from '../delivery/outbound.ts';
import type { Logger } from '../log.ts';
import { renderHandoffCard } from '../render/index.ts';
import {
  cancelScheduleTimers,
  chatOf,
  findScheduleById,
  openIncidentsAckedBy,
  rosterByEmail,
  scheduleNotice,
  type RosterEntry,
  type ScheduleRecord,
} from '../store/schedule-repo.ts';
import type { DB } from '../store/schema.ts';
import { oncallAt } from './engine.ts';
import { loadModel } from './lookup.ts';
import type { ScheduleChangeHook } from './service.ts';
import { parseClock, type ScheduleSpec } from './spec.ts';

// Handoff notices (README "Schedules"): at every change of who is on call, a card in the
// schedule's notify.chats and a private card to the person coming on (and to the one going off,
// with the incidents they still hold); optionally a daily "who's on call" card at daily_at.
// Each is a row of the durable timers table (kinds `handoff` and `daily`, one waiting row per
// schedule and kind), fired by the timer scanner (src/timers/) in one transaction with its outbox rows: one
// replica fires each, and a notice that fell due while Hark was down fires once when it starts.
// Firing schedules the next one; every change of the schedule or its overrides moves it.

export const NOTICE_KINDS = ['handoff', 'daily'] as const;

interface TimerLike {
  readonly id: number;
  readonly kind: string;
  readonly due_at: number;
  readonly data: string | null;
}

export class HandoffNotices implements ScheduleChangeHook {
  constructor(
    private readonly d: {
      publicUrl: string;
      log: Logger;
      /** Delivery's port: the notices are messages in the timer's transaction. */
      delivery: Sending;
    },
  ) {}

  /** The schedule or its overrides changed: move its waiting notices to the next change and daily time. */
  async changed(db: Kysely<DB>, scheduleId: number, now: number): Promise<void> {
    const s = await findScheduleById(db, scheduleId);
    if (!s) return this.removed(db, scheduleId, now);
    await this.planHandoff(db, s, now);
    await this.planDaily(db, s, now);
  }

  /**
   * Who is on call changed at this instant (Take over, an override starting or deleted now): the
   * schedule's groups, the outgoing and the incoming people hear it at once, not at the next handoff.
   */
  async changedNow(db: Kysely<DB>, scheduleId: number, before: readonly string[], now: number): Promise<void> {
    const s = await findScheduleById(db, scheduleId);
    if (s) await this.handoff(db, s, now, now, before);
  }

  async removed(db: Kysely<DB>, scheduleId: number, now: number): Promise<void> {
    await cancelScheduleTimers(db, scheduleId, now);
  }

  /** The scanner's handler for both kinds, in the timer's transaction. */
  readonly fire = async (trx: Transaction<DB>, timer: TimerLike, now: number): Promise<void> => {
    const id = scheduleOf(timer.data);
    const s = id === null ? null : await findScheduleById(trx, id);
    if (!s) return; // deleted meanwhile (its timers were cancelled; a race lost by a hair)
    if (timer.kind === 'daily') {
      await this.daily(trx, s, now);
      await this.planDaily(trx, s, now);
      return;
    }
    await this.handoff(trx, s, Number(timer.due_at), now);
    await this.planHandoff(trx, s, now);
  };

  private async handoff(db: Kysely<DB>, s: ScheduleRecord, dueAt: number, now: number, was?: readonly string[]): Promise<void> {
    const model = await loadModel(db, s, Math.min(dueAt, now) - 1);
    const before = was ?? oncallAt(model, Math.min(dueAt, now) - 1).members;
    const after = oncallAt(model, now);
    if (sameSet(before, after.members)) return; // the change was undone (an override deleted) or merged away
    const roster = await rosterByEmail(db, [...before, ...after.members, ...after.next]);
    const name = (e: string) => roster.get(e)?.name ?? e;
    const spec = JSON.parse(s.spec) as ScheduleSpec;
    const base = {
      schedule: s.name,
      timeZone: s.time_zone,
      members: after.members.map(name),
      until: after.until,
      next: after.next.map(name),
      previous: before.map(name),
    };
    for (const chatId of spec.notify?.chats ?? []) await this.toChat(db, chatId, renderHandoffCard({ ...base, audience: 'chat' }, { lang: 'both', now }));
    for (const e of after.members.filter((m) => !before.includes(m))) {
      await this.toPerson(db, roster.get(e), renderHandoffCard({ ...base, audience: 'incoming' }, { lang: 'both', now }));
    }
    for (const e of before.filter((m) => !after.members.includes(m))) {
      const who = roster.get(e);
      const incidents = who ? await openIncidentsAckedBy(db, who.id) : [];
      const urls = incidents.map((i) => ({ ...i, url: `${this.d.publicUrl}/h5/incidents/${i.number}` }));
      await this.toPerson(db, who, renderHandoffCard({ ...base, audience: 'outgoing', incidents: urls }, { lang: 'both', now }));
    }
    this.d.log.info({ schedule: s.name, from: before, to: after.members }, 'handoff notices queued');
  }

  private async daily(db: Kysely<DB>, s: ScheduleRecord, now: number): Promise<void> {
    const spec = JSON.parse(s.spec) as ScheduleSpec;
    const o = oncallAt(await loadModel(db, s, now), now);
    const roster = await rosterByEmail(db, [...o.members, ...o.next]);
    const name = (e: string) => roster.get(e)?.name ?? e;
    const card = renderHandoffCard(
      { schedule: s.name, timeZone: s.time_zone, audience: 'daily', members: o.members.map(name), until: o.until, next: o.next.map(name), previous: [] },
      { lang: 'both', now },
    );
    for (const chatId of spec.notify?.chats ?? []) await this.toChat(db, chatId, card);
  }

  private async planHandoff(db: Kysely<DB>, s: ScheduleRecord, now: number): Promise<void> {
    const until = oncallAt(await loadModel(db, s, now), now).until;
    if (until === null) await cancelScheduleTimers(db, Number(s.id), now, ['handoff']);
    else await scheduleNotice(db, 'handoff', Number(s.id), until, now);
  }

  private async planDaily(db: Kysely<DB>, s: ScheduleRecord, now: number): Promise<void> {
    const spec = JSON.parse(s.spec) as ScheduleSpec;
    const at = spec.notify?.daily_at ? parseClock(spec.notify.daily_at) : null;
    if (at === null || !spec.notify?.chats.length) return cancelScheduleTimers(db, Number(s.id), now, ['daily']);
    await scheduleNotice(db, 'daily', Number(s.id), nextDaily(at, s.time_zone, now), now);
  }

  private async toChat(db: Kysely<DB>, chatId: string, card: object): Promise<void> {
    const chat = await chatOf(db, chatId);
    if (!chat || chat.status !== 'active') {
      this.d.log.warn({ chatId }, 'handoff notice not sent: the bot is not in that group any more');
      return;
    }
    await this.d.delivery.send(db, { to: { type: 'chat_id', id: chatId, name: chat.name }, kind: 'notice', card });
  }

  private async toPerson(db: Kysely<DB>, who: RosterEntry | undefined, card: object): Promise<void> {
    if (!who?.openId) return; // not linked: nowhere to send it privately
    await this.d.delivery.send(db, { to: { type: 'open_id', id: who.openId, name: who.name }, kind: 'personal', card });
  }
}

/** The next time after `now` that the wall clock in `zone` reads `minutes` after midnight. */
export function nextDaily(minutes: number, zone: string, now: number): number {
  const today = DateTime.fromMillis(now, { zone }).startOf('day');
  for (let d = 0; d < 3; d++) {
    const t = today.plus({ days: d }).set({ hour: Math.floor(minutes / 60), minute: minutes % 60 }).toMillis();
    if (t > now) return t;
  }
  return now + 86_400_000;
}

function scheduleOf(data: string | null): number | null {
  try {
    const v = JSON.parse(data ?? 'null') as { schedule?: unknown } | null;
    return typeof v?.schedule === 'number' ? v.schedule : null;
  } catch {
    return null;
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
