import type { Kysely, Transaction } from 'kysely';
import { formatTime } from '../incident/incident.ts';
import { formatDuration } from '../incident/duration.ts';
import type { Incident } from '../incident/types.ts';
import type { DB } from '../store/schema.ts';
import type { Timer } from '../store/timer-repo.ts';
import { cancel, schedule } from '../store/timer-repo.ts';
import { addHarkEntry } from '../store/timeline-repo.ts';
import { incidentsOfPrivateCopies, latestPrivateCopy, markSeen, markUnseenBuzzed, pagedPeople, recordPage, unseenPagesOfStep } from '../store/page-repo.ts';
import { lockIncident } from '../store/incident-repo.ts';
import type { PageGuard } from '../paging/page-guard.ts';
import { loadPolicy, policyMs, type EscalationLevel, type UrgentKind } from './policy.ts';
import type { EscalationDelivery } from './ports.ts';

// Seen, not acked (issue 25). Every person paged for an incident gets a row in `pages` (escalation
// levels and pages by hand alike). Lark tells Hark when a person reads a message the bot sent them
// privately (im.message.message_read_v1, docs/lark-notes.md "Read receipts"): the page is then
// seen, the timeline says "Bob read the page at 10:02 UTC" and the card shows it. A level's
// `unseen_after` is a durable timer (kind "unseen"): whoever of that level has not read their page
// by then is buzzed at once, one step louder than the level's `urgent` (app → sms → phone).
// While a person has a page that waits for someone, Hark keeps its private chat with them at the
// top of their Lark list (the feed card's time-sensitive mark): delivery asks for the mark when the
// page's card reaches them (delivery/feed-card.ts), and stopWaiting asks for it to be cleared.

export const UNSEEN_KIND = 'unseen';
export const SEEN_ENTRY = 'seen';

/** One step louder than a level's buzz: none → app → sms → phone (phone stays phone). */
export function louder(kind: UrgentKind | undefined | null): UrgentKind {
  return !kind ? 'app' : kind === 'app' ? 'sms' : 'phone';
}

const WHAT: Record<UrgentKind, string> = { app: 'an in-app buzz', sms: 'an SMS', phone: 'a phone call' };
const LEVEL_WHAT = (kind: UrgentKind | undefined): string => (kind ? `the level's ${kind === 'app' ? 'in-app buzz' : kind === 'sms' ? 'SMS' : 'phone call'}` : 'the plain page');

/**
 * A page was queued for a person: remember it. The mark that keeps the bot's chat at the top of
 * their list is asked for when the card reaches them, not here: a step fired in a group of twenty
 * would otherwise hold one outbox row per person until its commit, and with two replicas firing at
 * once those rows were taken in clashing orders (PostgreSQL deadlocks, issue 28's timer lag).
 */
export async function notePaged(db: Kysely<DB>, p: { incidentNumber: number; openId: string; name: string; email: string | null; level: number | null; now: number }): Promise<void> {
  await recordPage(db, { incidentNumber: p.incidentNumber, openId: p.openId, name: p.name, email: p.email, level: p.level, pagedAt: p.now });
}

/**
 * After a level reached someone: its unseen_after check, as a timer (replacing the previous
 * level's). `earlierMayWait` false: no earlier level's check can still be waiting (the step was
 * fired by the scanner after the previous level's wait, which is longer than its unseen_after, and
 * no level of the policy has one), so there is nothing to cancel: one statement less per step.
 */
export async function scheduleUnseen(
  db: Kysely<DB>,
  incidentNumber: number,
  level: EscalationLevel,
  levelNumber: number,
  now: number,
  earlierMayWait = true,
): Promise<number | null> {
  const ms = policyMs(level.unseen_after);
  if (ms === null) {
    if (earlierMayWait) await cancel(db, incidentNumber, [UNSEEN_KIND], now);
    return null;
  }
  const dueAt = now + ms;
  await schedule(db, { kind: UNSEEN_KIND, incidentNumber, dueAt, data: { level: levelNumber, paged_at: now } }, now);
  return dueAt;
}

/** The incident no longer waits for anyone (ack, resolve, snooze): unseen checks stop, chats leave the top of the list. */
export async function stopWaiting(db: Kysely<DB>, delivery: EscalationDelivery, incidentNumber: number, now: number): Promise<void> {
  await cancel(db, incidentNumber, [UNSEEN_KIND], now);
  // In one order everywhere (by open_id), so that two incidents' changes asking for the same
  // people's marks never wait on each other in a cycle.
  const people = (await pagedPeople(db, incidentNumber)).sort((a, b) => (a.openId < b.openId ? -1 : a.openId > b.openId ? 1 : 0));
  for (const p of people) await delivery.feedCard(db, { ...p, incidentNumber });
}

export interface UnseenDeps {
  delivery: EscalationDelivery;
  guard: Pick<PageGuard, 'urgentByPolicy'>;
}

/** Fires one "unseen" timer: each unread page of its step is buzzed louder, and the timeline says why. */
export async function fireUnseen(d: UnseenDeps, trx: Transaction<DB>, timer: Timer, now: number, inc: Incident | null): Promise<void> {
  if (!inc || inc.status !== 'triggered' || (inc.snoozedUntil !== null && inc.snoozedUntil > now)) return;
  let step: { level: number; paged_at: number };
  try {
    step = JSON.parse(timer.data ?? '') as typeof step;
  } catch {
    return;
  }
  const level = (await loadPolicy(trx, inc.sourceId))?.levels[step.level - 1];
  const after = formatDuration(now - Number(step.paged_at));
  for (const page of await unseenPagesOfStep(trx, inc.number, step.level, Number(step.paged_at))) {
    if (!(await markUnseenBuzzed(trx, page.id, now))) continue;
    const want = louder(level?.urgent);
    const { urgent, why } = await d.guard.urgentByPolicy(trx, want, now);
    const messageId = await latestPrivateCopy(trx, inc.number, page.openId);
    const because = `${page.name} has not read the page ${after} after it was sent (level ${step.level}'s unseen_after)`;
    if (!messageId) {
      await addHarkEntry(trx, { incidentNumber: inc.number, at: now, kind: UNSEEN_KIND, message: `${because}, but their card has not reached Lark yet, so there is nothing to buzz` });
      continue;
    }
    const how = `buzzing them with ${WHAT[urgent]}, one step louder than ${LEVEL_WHAT(level?.urgent)}${why ? ` (instead of ${WHAT[want]}: ${why})` : ''}`;
    await addHarkEntry(trx, { incidentNumber: inc.number, at: now, kind: UNSEEN_KIND, message: `${because}; ${how}`, data: { member: page.name, urgent } });
    await d.delivery.buzz(trx, { incidentNumber: inc.number, openId: page.openId, name: page.name, messageId, kind: urgent, severity: inc.severity });
  }
  d.delivery.wake();
}

export interface Seen {
  /** A person read messages the bot sent them (the read receipt); records the pages it shows they saw. */
  read(openId: string, messageIds: readonly string[], readAt: number): Promise<number>;
}

export function createSeen(d: { db: Kysely<DB>; postgres: boolean; delivery: EscalationDelivery; clock: { now(): number } }): Seen {
  return {
    async read(openId, messageIds, readAt) {
      const incidents = await incidentsOfPrivateCopies(d.db, openId, messageIds);
      let marked = 0;
      for (const n of incidents) {
        await d.db.transaction().execute(async (trx) => {
          await lockIncident(trx, n, d.postgres);
          const pages = await markSeen(trx, n, openId, readAt);
          if (pages.length === 0) return;
          marked += pages.length;
          const name = pages[0].name;
          await addHarkEntry(trx, {
            incidentNumber: n,
            at: d.clock.now(),
            kind: SEEN_ENTRY,
            message: `${name} read the page at ${formatTime(readAt, d.clock.now())}`,
            data: { member: name, seen_at: readAt },
          });
          await d.delivery.refreshCards(trx, n);
        });
      }
      if (marked) d.delivery.wake();
      return marked;
    },
  };
}
