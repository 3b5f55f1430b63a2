import type { Kysely } from 'kysely';

// Per-source noise settings (issue 26): reopen_minutes, flap_changes and flap_minutes of a source,
// set by PATCH /api/v1/sources/:name; NULL keeps the default (10; 4 in 60), 0 turns it off.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sources').addColumn('reopen_minutes', 'integer').execute();
  await db.schema.alterTable('sources').addColumn('flap_changes', 'integer').execute();
  await db.schema.alterTable('sources').addColumn('flap_minutes', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sources').dropColumn('flap_minutes').execute();
  await db.schema.alterTable('sources').dropColumn('flap_changes').execute();
  await db.schema.alterTable('sources').dropColumn('reopen_minutes').execute();
}
