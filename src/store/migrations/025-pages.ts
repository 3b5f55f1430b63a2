import type { Kysely } from 'kysely';
import { idColumn, isPostgres } from './001-core.ts';

// Issue 25, "seen, not acked" and "kept in sight". One row per person paged for an incident (by an
// escalation level, or by hand: level NULL), with when they read their private card (Lark's
// message-read event) and when they were buzzed louder for not reading it (a level's
// unseen_after). feed_cards remembers, per person, whether Hark last marked its private chat with
// them time-sensitive (Lark's feed card API), so the outbox only calls Lark when that changes.
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('pages')
    .addColumn('id', idColumn(db), (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('incident_number', 'bigint', (c) => c.notNull())
    .addColumn('open_id', 'text', (c) => c.notNull())
    .addColumn('member_name', 'text', (c) => c.notNull())
    .addColumn('member_email', 'text')
    // 1-based escalation level; NULL: added by hand.
    .addColumn('level', 'integer')
    .addColumn('paged_at', 'bigint', (c) => c.notNull())
    .addColumn('seen_at', 'bigint')
    .addColumn('unseen_buzz_at', 'bigint')
    .execute();
  await db.schema.createIndex('pages_incident').on('pages').columns(['incident_number', 'open_id']).execute();
  await db.schema.createIndex('pages_open_id').on('pages').column('open_id').execute();
  await db.schema
    .createTable('feed_cards')
    .addColumn('open_id', 'text', (c) => c.primaryKey())
    .addColumn('time_sensitive', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('feed_cards').execute();
  await db.schema.dropTable('pages').execute();
}
