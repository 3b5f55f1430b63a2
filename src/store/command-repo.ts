import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';

// The outcome of each chat command, by inbound message id (issue 19). Lark redelivers a message
// for about seven hours (docs/lark-notes.md §10); an outcome is kept a little longer, then pruned.

/** Longer than Lark's whole redelivery schedule (15 s + 5 min + 1 h + 6 h). */
export const COMMAND_OUTCOME_TTL_MS = 8 * 3_600_000 + 15 * 60_000;

export async function findCommandOutcome(db: Kysely<DB>, messageId: string): Promise<unknown | null> {
  const row = await db.selectFrom('command_outcomes').select('replies').where('message_id', '=', messageId).executeTakeFirst();
  return row ? (JSON.parse(row.replies) as unknown) : null;
}

/**
 * Records the outcome unless one is already recorded (a concurrent delivery on another replica won),
 * and returns the outcome that stands. Outcomes past the TTL are pruned on the way.
 */
export async function recordCommandOutcome(db: Kysely<DB>, messageId: string, outcome: unknown, now: number): Promise<unknown> {
  await db.deleteFrom('command_outcomes').where('created_at', '<', now - COMMAND_OUTCOME_TTL_MS).execute();
  await db
    .insertInto('command_outcomes')
    .values({ message_id: messageId, replies: JSON.stringify(outcome), created_at: now })
    .onConflict((oc) => oc.column('message_id').doNothing())
    .execute();
  return (await findCommandOutcome(db, messageId)) ?? outcome;
}
