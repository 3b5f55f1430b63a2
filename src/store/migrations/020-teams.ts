import type { Kysely } from 'kysely';
import { idColumn, isPostgres } from './001-core.ts';

// Teams and configuration as code (issue 24). A team has members with a team role (lead | member),
// a time zone, an optional home group and settings (work and sleep hours, the weekly report). It
// owns sources (and so their routing and escalation), schedules and maintenance windows through
// their team_id; NULL means "no team" and behaves as Hark did before teams. Objects declared in a
// configuration file carry managed_at / managed_by (the token or person that applied it) and
// refuse run-time edits. API tokens are stored hashed with their scope.
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = idColumn(db);
  const auto = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement());

  await db.schema
    .createTable('teams')
    .addColumn('id', id, auto)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('time_zone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('home_chat_id', 'text')
    .addColumn('open_to_all_responders', 'integer', (c) => c.notNull().defaultTo(0))
    // JSON: {work?: {days, from, to}, sleep?: {from, to}, report?: {day, at}}; NULL = defaults.
    .addColumn('settings', 'text')
    .addColumn('managed_at', 'bigint')
    .addColumn('managed_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('team_members')
    .addColumn('team_id', 'bigint', (c) => c.notNull())
    .addColumn('member_id', 'bigint', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'member_id'])
    .execute();
  await db.schema.createIndex('team_members_member').on('team_members').column('member_id').execute();

  for (const table of ['sources', 'schedules']) {
    await db.schema.alterTable(table).addColumn('team_id', 'bigint').execute();
  }
  for (const table of ['sources', 'schedules', 'members', 'subscriptions', 'maintenance_windows']) {
    await db.schema.alterTable(table).addColumn('managed_at', 'bigint').execute();
    await db.schema.alterTable(table).addColumn('managed_by', 'text').execute();
  }
  // A person's own zone (insights split pages into work, off and sleep hours); NULL: the team's.
  await db.schema.alterTable('members').addColumn('time_zone', 'text').execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', id, auto)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('team_id', 'bigint')
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('api_tokens').execute();
  await db.schema.alterTable('members').dropColumn('time_zone').execute();
  for (const table of ['sources', 'schedules', 'members', 'subscriptions', 'maintenance_windows']) {
    await db.schema.alterTable(table).dropColumn('managed_by').execute();
    await db.schema.alterTable(table).dropColumn('managed_at').execute();
  }
  for (const table of ['sources', 'schedules']) {
    await db.schema.alterTable(table).dropColumn('team_id').execute();
  }
  await db.schema.dropTable('team_members').execute();
  await db.schema.dropTable('teams').execute();
}
