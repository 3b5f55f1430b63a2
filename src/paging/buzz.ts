import type { Kysely } from 'kysely';
import { URGENT_KINDS, type UrgentKind } from '../escalation/policy.ts';
import { addUrgentUsage, monthOf } from '../store/ops-guard-repo.ts';
import { latestPageSeen } from '../store/page-repo.ts';
import { incidentPageState } from '../store/paging-repo.ts';
import type { DB } from '../store/schema.ts';

// Lark's urgent notices (加急, docs/lark-notes.md "Urgent notices") on a page: whether a queued one
// may still ring, what it spends, and what the timeline says of it. delivery/urgent.ts raises them
// from the outbox (paced, retried, leased like every Lark call) and asks these rules right before.

export type { UrgentKind };

export const isUrgentKind = (s: unknown): s is UrgentKind => (URGENT_KINDS as readonly unknown[]).includes(s);

/** One queued buzz: of which incident, on whose page, and whether it is the louder buzz of an unread page (issue 25). */
export interface Buzz {
  readonly incident: number;
  readonly openId: string;
  /** The person's name as the timeline writes it. */
  readonly who: string;
  readonly kind: UrgentKind;
  readonly louder: boolean;
}

/**
 * Lark cannot take a buzz back, so it is asked right before each one: null when it may ring; else
 * why not (once acknowledged, resolved or snoozed nothing more rings; a louder buzz only while the
 * page is unread) and the timeline's sentence.
 */
export async function buzzHeldBack(db: Kysely<DB>, b: Buzz, now: number): Promise<{ why: string; text: string } | null> {
  const inc = await incidentPageState(db, b.incident);
  if (!inc || inc.status !== 'triggered' || (inc.snoozed_until !== null && Number(inc.snoozed_until) > now)) {
    const why = !inc ? 'the incident is gone' : inc.status === 'triggered' ? 'it was snoozed' : `it was ${inc.status}`;
    return { why, text: `did not ${b.kind === 'phone' ? 'phone' : b.kind === 'sms' ? 'text' : 'buzz'} ${b.who}: ${why} first` };
  }
  if (b.louder && (await latestPageSeen(db, b.incident, b.openId))) return { why: 'read first', text: `did not buzz ${b.who} louder: they read the page first` };
  return null;
}

/** A buzz Lark took: SMS and phone notices spend the tenant's quota, whose last part pages by hand keep off (page-guard.ts). */
export async function buzzRang(db: Kysely<DB>, kind: UrgentKind, now: number): Promise<void> {
  if (kind !== 'app') await addUrgentUsage(db, monthOf(now), 1);
}

const DONE: Record<UrgentKind, (who: string) => string> = {
  app: (who) => `buzzed ${who} in Lark (urgent in-app notice)`,
  sms: (who) => `sent ${who} an urgent SMS through Lark`,
  phone: (who) => `phoned ${who} through Lark`,
};

const WHAT: Record<UrgentKind, string> = { app: 'in-app buzz', sms: 'SMS', phone: 'phone call' };

/** The timeline's sentences of a buzz once Lark answered. */
export const buzzText = {
  rang: (kind: UrgentKind, who: string): string => DONE[kind](who),
  notInChat: (kind: UrgentKind, who: string): string =>
    `Lark did not ${kind === 'phone' ? 'phone' : 'buzz'} ${who}: Lark says ${who} is not in the chat of the card; the card was delivered`,
  refused: (kind: UrgentKind, who: string, reason: string): string => `Lark refused the ${WHAT[kind]} to ${who}: ${reason}; the card was delivered`,
};

/** Why Lark refused a buzz, as a sentence fragment. */
export function explainUrgentRefusal(err: { code: number | null; message: string }, who: string, kind: UrgentKind): string {
  switch (err.code) {
    case 230024:
      return "the tenant's urgent quota is used up (230024)";
    case 230023:
      return `${who} already has 200 unread urgent notices (230023)`;
    case 230012:
      return 'Lark only lets a bot buzz messages it sent itself (230012)';
    case 230002:
      return 'the bot is not in that chat (230002)';
    case 230006:
      return "the app's bot capability is turned off (230006)";
    case 99991672:
    case 230027: {
      const scope = kind === 'app' ? 'im:message.urgent' : `im:message.urgent:${kind}`;
      return `the app lacks the permission ${scope}; add it in the Lark developer console (${err.code})`;
    }
    default:
      return err.message;
  }
}
