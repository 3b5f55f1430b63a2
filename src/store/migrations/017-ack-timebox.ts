import type { Kysely } from 'kysely';

// Issue 25: an acknowledgement may last for a while. acked_until is when the acker's time box
// ends (NULL: until resolved); the reminder and the hand-back are timers (kind "ack_end").
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('incidents').addColumn('acked_until', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('incidents').dropColumn('acked_until').execute();
}
