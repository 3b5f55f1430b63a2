import type { Kysely } from 'kysely';

// Issue 28: reads that walked a year of history. Finished outbox rows and fired or cancelled timers
// are deleted once they are old (`delete … where status != 'pending' and done_at < ?`); without an
// index on done_at that delete read every row of its table, holding SQLite's one write lock (or
// PostgreSQL's row scans) for as long, while pages and clicks waited behind it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('outbox_done').on('outbox').column('done_at').execute();
  await db.schema.createIndex('timers_done').on('timers').column('done_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('timers_done').execute();
  await db.schema.dropIndex('outbox_done').execute();
}
