import type { Kysely } from 'kysely';
import { idColumn, isPostgres } from './001-core.ts';

// Web sessions and "link, then finish" actions (issue 6).
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const auto = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement());

  // The cookie carries a random id; only its sha256 is stored, so a leaked database row cannot be
  // replayed as a cookie. Server-side rows make logout and admin unlink revoke at once.
  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('member_id', 'bigint', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_member').on('sessions').column('member_id').execute();
  await db.schema.createIndex('sessions_expires').on('sessions').column('expires_at').execute();

  // A card button pressed by someone who is not linked yet: remembered by Lark open_id for a few
  // minutes so the web app can offer to finish it after they log in.
  await db.schema
    .createTable('pending_actions')
    .addColumn('id', idColumn(db), auto)
    .addColumn('open_id', 'text', (c) => c.notNull())
    .addColumn('op', 'text', (c) => c.notNull())
    .addColumn('incident_number', 'bigint', (c) => c.notNull())
    .addColumn('duration', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('pending_actions_open_id').on('pending_actions').columns(['open_id', 'expires_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('pending_actions').ifExists().execute();
  await db.schema.dropTable('sessions').ifExists().execute();
}
