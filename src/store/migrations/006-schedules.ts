import type { Kysely } from 'kysely';
import { idColumn, isPostgres } from './001-core.ts';

// On-call schedules (issue 13). A schedule's definition is stored as the API's own JSON (GET returns
// what PUT was given, normalised); overrides are rows, so one can be added or deleted without
// rewriting the schedule; schedule_events is the schedule's timeline (who changed what, when);
// calendar_feeds holds the secret tokens of the iCal URLs (one per schedule, one per member).
// Handoff notices are rows of the existing `timers` table (kind handoff / daily, incident_number 0).
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = idColumn(db);
  const auto = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement());

  await db.schema
    .createTable('schedules')
    .addColumn('id', id, auto)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('schedule_overrides')
    .addColumn('id', id, auto)
    .addColumn('schedule_id', 'bigint', (c) => c.notNull().references('schedules.id').onDelete('cascade'))
    .addColumn('member_email', 'text', (c) => c.notNull())
    .addColumn('start_at', 'bigint', (c) => c.notNull())
    .addColumn('end_at', 'bigint', (c) => c.notNull())
    .addColumn('replaces_email', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull()) // api | card | web
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('schedule_overrides_window').on('schedule_overrides').columns(['schedule_id', 'end_at']).execute();

  await db.schema
    .createTable('schedule_events')
    .addColumn('id', id, auto)
    .addColumn('schedule_id', 'bigint', (c) => c.notNull().references('schedules.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('schedule_events_at').on('schedule_events').columns(['schedule_id', 'at']).execute();

  // The secret in the URL is kept as is: GET of a schedule shows its ical_url again (a calendar
  // app needs the whole URL), unlike a source token that is shown once.
  await db.schema
    .createTable('calendar_feeds')
    .addColumn('token', 'text', (c) => c.primaryKey())
    .addColumn('schedule_id', 'bigint', (c) => c.references('schedules.id').onDelete('cascade'))
    .addColumn('member_id', 'bigint', (c) => c.references('members.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('calendar_feeds').ifExists().execute();
  await db.schema.dropTable('schedule_events').ifExists().execute();
  await db.schema.dropTable('schedule_overrides').ifExists().execute();
  await db.schema.dropTable('schedules').ifExists().execute();
}
