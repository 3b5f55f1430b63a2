import type { Kysely } from 'kysely';
import { idColumn, isPostgres } from './001-core.ts';

// Maintenance windows (issue 26). A window covers a source (optionally narrowed by label matchers)
// one-off (starts_at–ends_at) or recurring (JSON {days, from, to, time_zone}). Each occurrence that
// started is a run: its counts, whether it ended (by its end time, or early and by whom). A run's
// cards are the one card per group that receives the source; a hold keeps an incident opened
// during a run quiet (nobody paged, no group card) until the run ends.
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = idColumn(db);
  const auto = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement());

  await db.schema
    .createTable('maintenance_windows')
    .addColumn('id', id, auto)
    .addColumn('source_id', 'bigint', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint')
    .addColumn('ends_at', 'bigint')
    .addColumn('recurring', 'text')
    .addColumn('reason', 'text')
    .addColumn('created_by_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // Set when deleted or ended for good: the window covers nothing any more.
    .addColumn('deleted_at', 'bigint')
    .execute();
  await db.schema.createIndex('maintenance_windows_source').on('maintenance_windows').columns(['source_id', 'deleted_at']).execute();

  await db.schema
    .createTable('maintenance_runs')
    .addColumn('id', id, auto)
    .addColumn('window_id', 'bigint', (c) => c.notNull())
    .addColumn('occurrence_start', 'bigint', (c) => c.notNull())
    .addColumn('occurrence_end', 'bigint', (c) => c.notNull())
    .addColumn('alerts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('ended_by', 'text')
    .addUniqueConstraint('maintenance_runs_occurrence', ['window_id', 'occurrence_start'])
    .execute();

  await db.schema
    .createTable('maintenance_cards')
    .addColumn('id', id, auto)
    .addColumn('run_id', 'bigint', (c) => c.notNull())
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('chat_name', 'text')
    .addColumn('message_id', 'text')
    .addColumn('rendered_hash', 'text')
    .addUniqueConstraint('maintenance_cards_chat', ['run_id', 'chat_id'])
    .execute();

  await db.schema
    .createTable('maintenance_holds')
    .addColumn('incident_number', 'bigint', (c) => c.primaryKey())
    .addColumn('run_id', 'bigint', (c) => c.notNull())
    .addColumn('first_run_id', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('released_at', 'bigint')
    .execute();
  await db.schema.createIndex('maintenance_holds_run').on('maintenance_holds').columns(['run_id', 'released_at']).execute();

  // The maintenance card an outbox row sends or updates (subject 'maintenance').
  await db.schema.alterTable('outbox').addColumn('maintenance_card_id', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').dropColumn('maintenance_card_id').execute();
  for (const t of ['maintenance_holds', 'maintenance_cards', 'maintenance_runs', 'maintenance_windows']) await db.schema.dropTable(t).ifExists().execute();
}
