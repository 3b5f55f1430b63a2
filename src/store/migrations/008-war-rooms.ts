import type { Kysely } from 'kysely';

// War rooms (issue 15): one Lark group per incident, the people Hark put in it, and the sources
// whose critical incidents get one automatically.
export async function up(db: Kysely<any>): Promise<void> {
  // One row per incident (the primary key is what makes "one room" hold across replicas). `uuid`
  // is sent to Lark's chat creation so a retry or a second replica gets the same group.
  await db.schema
    .createTable('war_rooms')
    .addColumn('incident_number', 'bigint', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull()) // opening | open | failed
    .addColumn('uuid', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('chat_id', 'text', (c) => c.unique())
    .addColumn('link', 'text')
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('card_message_id', 'text')
    .addColumn('pinned_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // Who Hark put in the room, or could not, and why: pending | added | invalid | unknown.
  await db.schema
    .createTable('war_room_members')
    .addColumn('incident_number', 'bigint', (c) => c.notNull())
    .addColumn('open_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('war_room_members_pk', ['incident_number', 'open_id'])
    .execute();

  // PATCH /api/v1/sources/:name {war_room: {auto_for}}: a row only for sources that set it.
  await db.schema
    .createTable('source_war_rooms')
    .addColumn('source_id', 'bigint', (c) => c.primaryKey())
    .addColumn('auto_for', 'text') // critical | null
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('source_war_rooms').ifExists().execute();
  await db.schema.dropTable('war_room_members').ifExists().execute();
  await db.schema.dropTable('war_rooms').ifExists().execute();
}
