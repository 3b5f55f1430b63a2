import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';

// The outcome of each chat command, by inbound message id (issue 19), and its claim (issue 29).
// Lark redelivers a message for about seven hours (docs/lark-notes.md §10); an outcome is kept a
// little longer, then pruned. The row is written 'pending' before the command runs, so exactly one
// delivery runs it on any replica, whatever Redis does; its owner renews it while running, and a
// redelivery takes over a row whose owner stopped renewing (the replica died).

/** Longer than Lark's whole redelivery schedule (15 s + 5 min + 1 h + 6 h). */
export const COMMAND_OUTCOME_TTL_MS = 8 * 3_600_000 + 15 * 60_000;

export type CommandClaim =
  /** This delivery owns the command: run it, then finish (or abandon on failure). */
  | { readonly kind: 'run'; readonly tookOver: boolean }
  /** Already handled: replay these replies, never the command. */
  | { readonly kind: 'done'; readonly outcome: unknown }
  /** Another delivery is running it and renewed its claim within staleMs. */
  | { readonly kind: 'busy' };

export async function findCommandOutcome(db: Kysely<DB>, messageId: string): Promise<unknown | null> {
  const row = await db
    .selectFrom('command_outcomes')
    .select('replies')
    .where('message_id', '=', messageId)
    .where('state', '=', 'done')
    .executeTakeFirst();
  return row ? (JSON.parse(row.replies) as unknown) : null;
}

/**
 * Claims the command of `messageId` for `owner`: inserts a pending row, or finds the outcome, or
 * takes over a pending row not renewed since `now - staleMs` (compare-and-set on its owner and
 * time, so two redeliveries cannot both take it over). Outcomes past the TTL are pruned on the way.
 */
export async function claimCommand(db: Kysely<DB>, messageId: string, owner: string, now: number, staleMs: number): Promise<CommandClaim> {
  await db.deleteFrom('command_outcomes').where('created_at', '<', now - COMMAND_OUTCOME_TTL_MS).execute();
  const inserted = await db
    .insertInto('command_outcomes')
    .values({ message_id: messageId, replies: '[]', created_at: now, state: 'pending', owner })
    .onConflict((oc) => oc.column('message_id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { kind: 'run', tookOver: false };
  const row = await db
    .selectFrom('command_outcomes')
    .select(['replies', 'state', 'owner', 'created_at'])
    .where('message_id', '=', messageId)
    .executeTakeFirst();
  // Finished and pruned or abandoned in between: this delivery may simply try again.
  if (!row) return claimCommand(db, messageId, owner, now, staleMs);
  if (row.state === 'done') return { kind: 'done', outcome: JSON.parse(row.replies) as unknown };
  if (row.created_at > now - staleMs) return { kind: 'busy' };
  const taken = await db
    .updateTable('command_outcomes')
    .set({ owner, created_at: now })
    .where('message_id', '=', messageId)
    .where('state', '=', 'pending')
    .where('created_at', '=', row.created_at)
    .where((eb) => (row.owner === null ? eb('owner', 'is', null) : eb('owner', '=', row.owner)))
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) > 0 ? { kind: 'run', tookOver: true } : { kind: 'busy' };
}

/** The owner is still running the command; false when it lost the claim (taken over or finished). */
export async function renewCommandClaim(db: Kysely<DB>, messageId: string, owner: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('command_outcomes')
    .set({ created_at: now })
    .where('message_id', '=', messageId)
    .where('state', '=', 'pending')
    .where('owner', '=', owner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Records the outcome unless one is already recorded (a delivery that took over finished first),
 * and returns the outcome that stands.
 */
export async function finishCommand(db: Kysely<DB>, messageId: string, outcome: unknown, now: number): Promise<unknown> {
  await db
    .insertInto('command_outcomes')
    .values({ message_id: messageId, replies: JSON.stringify(outcome), created_at: now, state: 'done', owner: null })
    .onConflict((oc) =>
      oc
        .column('message_id')
        .doUpdateSet({ replies: JSON.stringify(outcome), created_at: now, state: 'done', owner: null })
        .where('command_outcomes.state', '=', 'pending'),
    )
    .execute();
  return (await findCommandOutcome(db, messageId)) ?? outcome;
}

/** Drops this owner's pending claim (the command failed), so a redelivery runs it again. */
export async function abandonCommand(db: Kysely<DB>, messageId: string, owner: string): Promise<void> {
  await db
    .deleteFrom('command_outcomes')
    .where('message_id', '=', messageId)
    .where('state', '=', 'pending')
    .where('owner', '=', owner)
    .execute();
}
