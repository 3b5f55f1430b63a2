import type { Kysely } from 'kysely';

// Issue 29: the outcome row of a chat command is also its claim. A delivery inserts it as
// 'pending' (with its owner) before running the command and marks it 'done' with the replies; a
// redelivery that finds a pending row whose owner stopped renewing it takes it over. Existing rows
// are finished outcomes.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('command_outcomes')
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('done'))
    .execute();
  await db.schema.alterTable('command_outcomes').addColumn('owner', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('command_outcomes').dropColumn('owner').execute();
  await db.schema.alterTable('command_outcomes').dropColumn('state').execute();
}
