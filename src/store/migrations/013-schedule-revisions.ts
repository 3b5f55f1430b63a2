import type { Kysely } from 'kysely';

// Issue 29 (items 9 and 10). schedules.revision goes up with every change of a schedule or of its
// overrides, in the change's own transaction: a cached iCal feed is still good while the revisions
// it was made from are unchanged, on every replica. The index serves the overrides list, which is
// paged by start time (GET /api/v1/schedules/:name/overrides).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('schedules').addColumn('revision', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('schedule_overrides_by_start').on('schedule_overrides').columns(['schedule_id', 'start_at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('schedule_overrides_by_start').ifExists().execute();
  await db.schema.alterTable('schedules').dropColumn('revision').execute();
}
