import type { Kysely } from 'kysely';

// Chat commands handled (issue 19): one row per inbound message id, written before the replies are
// sent, so a redelivery of the message (Lark retries for ~7 hours) replays these replies instead of
// running the command again, on any replica and after a restart.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('command_outcomes')
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('replies', 'text', (c) => c.notNull()) // JSON: the replies the command produced
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('command_outcomes_created').on('command_outcomes').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('command_outcomes').execute();
}
