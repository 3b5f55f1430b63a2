import type { Kysely } from 'kysely';

// Issue 29: what binds a Take over button to the card it was pressed on, and how much of the
// tenant's SMS/phone urgent quota Hark has used.
export async function up(db: Kysely<any>): Promise<void> {
  // One row per schedule whose Take over button a sent card carries (the `oncall` reply, a handoff
  // notice): a take_over value is honoured only on a card that Hark sent with that button.
  await db.schema
    .createTable('schedule_cards')
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('schedule', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('schedule_cards_pk', ['message_id', 'schedule'])
    .execute();
  await db.schema.createIndex('schedule_cards_created').on('schedule_cards').column('created_at').execute();
  // SMS and phone notices Lark raised for Hark, per calendar month (UTC, "2026-12").
  await db.schema
    .createTable('urgent_usage')
    .addColumn('month', 'text', (c) => c.primaryKey())
    .addColumn('used', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('urgent_usage').ifExists().execute();
  await db.schema.dropTable('schedule_cards').ifExists().execute();
}
