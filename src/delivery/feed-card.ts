import type { Kysely } from 'kysely';
import { LarkApiError, type LarkApi } from '../lark/client.ts';
import type { DB } from '../store/schema.ts';
import { enqueueFeedCard, markDone, markStopped, release, type OutboxEntry } from '../store/outbox-repo.ts';
import { priorityOf } from './dispatch.ts';
import { feedCardState, hasWaitingPage, setFeedCardState } from '../store/page-repo.ts';
import { hasTimelineKind } from '../store/timeline-repo.ts';
import { addHarkEntry } from '../store/timeline-repo.ts';

// Kept in sight (issue 25; docs/lark-notes.md "Kept at the top of the message list"): while a
// person has a page that waits for someone, the bot's private chat with them is marked
// time-sensitive, so it stays at the top of their Lark message list; once none waits, the mark is
// cleared. A `feed` outbox row (one waiting per person) carries no value: the worker reads the
// person's pages when it runs and calls Lark only when the wanted mark differs from the last one
// set, so a burst of changes is one call and a retry can never leave a stale mark. An app without
// the scope gets one timeline sentence per incident, and paging goes on as before.

export const FEED_CARD_SCOPE = 'im:datasync.feed_card.time_sensitive:write';
export const FEED_ENTRY = 'feed_card';

/**
 * A private incident card reached its person: ask for the mark, in the transaction that records
 * the delivery (one row per person waits; the worker decides from their pages when it runs). Asked
 * here rather than where the page is queued so that a transaction takes at most one person's row:
 * a group of escalation steps taking many people's rows in clashing orders deadlocked (issue 28).
 */
export async function askFeedAfterCard(db: Kysely<DB>, row: Pick<OutboxEntry, 'target_id' | 'target_name' | 'incident_number'>, now: number): Promise<void> {
  const r = { openId: row.target_id, name: row.target_name ?? row.target_id, incidentNumber: Number(row.incident_number) };
  await enqueueFeedCard(db, { ...r, priority: priorityOf('info', 'send') }, now);
}

export interface FeedDeps {
  db: Kysely<DB>;
  lark: Pick<LarkApi, 'timeSensitive'>;
  clock: () => number;
  /** This worker's lease name (a row with a newer request goes back to pending for another look). */
  owner: string;
  notify: () => void;
}

export async function deliverFeedCard(d: FeedDeps, row: OutboxEntry, pace: () => Promise<boolean>): Promise<void> {
  const openId = row.target_id;
  const want = await hasWaitingPage(d.db, openId, d.clock());
  const last = await feedCardState(d.db, openId);
  // Never marked and nothing waits: nothing to clear.
  if (want === last || (last === null && !want) || !d.lark.timeSensitive) return finish(d, row, null);
  if (!(await pace())) return;
  const res = await d.lark.timeSensitive([openId], want);
  return finish(d, row, res.failed.includes(openId) ? null : want);
}

/** Records the mark set (if any); a row that got a newer request meanwhile stays pending for one more look. */
async function finish(d: FeedDeps, row: OutboxEntry, set: boolean | null): Promise<void> {
  const now = d.clock();
  let again = false;
  await d.db.transaction().execute(async (trx) => {
    if (set !== null) await setFeedCardState(trx, row.target_id, set, now);
    if (!(await markDone(trx, row, now, { checkGen: true }))) {
      await release(trx, row, d.owner, now, now);
      again = true;
    }
  });
  if (again) d.notify();
}

/** Why Lark refused the mark, in words. */
export function explainFeedRefusal(err: Pick<LarkApiError, 'code' | 'message'>): string {
  if (err.code === 99991672 || err.code === 230027) return `the app lacks the permission ${FEED_CARD_SCOPE}; add it in the Lark developer console (${err.code})`;
  return `${err.message} (${err.code ?? 'no code'})`;
}

/** A permanent refusal: the incident's timeline says so once; everything else goes on. */
export async function feedCardRefused(d: Pick<FeedDeps, 'db' | 'clock'>, row: OutboxEntry, err: LarkApiError | string): Promise<void> {
  const now = d.clock();
  const reason = typeof err === 'string' ? err : explainFeedRefusal(err);
  if (!(await markStopped(d.db, row, 'failed', reason, now)) || row.incident_number === null) return;
  const n = Number(row.incident_number);
  if (await hasTimelineKind(d.db, n, FEED_ENTRY)) return;
  await addHarkEntry(d.db, {
    incidentNumber: n,
    at: now,
    kind: FEED_ENTRY,
    message: `could not keep Hark's chat at the top of ${row.target_name ?? row.target_id}'s Lark list: ${reason}; the page itself was sent as usual`,
    data: { code: typeof err === 'string' ? null : err.code },
  });
}
