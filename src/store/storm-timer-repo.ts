import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';

// The end of a storm (issue 26) is a row of the timers table, one waiting per storm
// ("storm_end:<id>"), moved on every incident the storm collapses; fired by escalation's scanner.
export async function scheduleStormEnd(db: Kysely<DB>, stormId: number, dueAt: number, now: number): Promise<void> {
  const data = JSON.stringify({ storm: stormId });
  await db
    .insertInto('timers')
    .values({ kind: 'storm_end', incident_number: 0, due_at: dueAt, data, status: 'pending', pending_key: `storm_end:${stormId}`, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('pending_key').doUpdateSet({ due_at: dueAt, data, attempts: 0, last_error: null, updated_at: now }))
    .execute();
}

/** The storm's open state and when it last collapsed an incident, or null. */
export async function stormState(db: Kysely<DB>, stormId: number): Promise<{ open: boolean; lastCollapsedAt: number; chatId: string; messageId: string | null; expiredAt: number | null } | null> {
  const r = await db.selectFrom('storms').select(['open_key', 'last_collapsed_at', 'chat_id', 'message_id', 'expired_at']).where('id', '=', stormId).executeTakeFirst();
  return r ? { open: r.open_key !== null, lastCollapsedAt: Number(r.last_collapsed_at), chatId: r.chat_id, messageId: r.message_id, expiredAt: r.expired_at === null ? null : Number(r.expired_at) } : null;
}
