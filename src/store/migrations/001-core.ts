import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Timestamps are integer milliseconds since the epoch (bigint) on both engines; JSON is text.
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** An auto-incrementing primary key that is never reused (SQLite AUTOINCREMENT, PostgreSQL bigserial). */
export function idColumn(db: Kysely<any>) {
  return isPostgres(db) ? ('bigserial' as const) : ('integer' as const);
}

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = idColumn(db);
  const auto = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement());

  await db.schema
    .createTable('sources')
    .addColumn('id', id, auto)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    // sha256 of a 256-bit random token: unique so ingest finds its source by one indexed lookup.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('escalation', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('members')
    .addColumn('id', id, auto)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('open_id', 'text', (c) => c.unique())
    .addColumn('union_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('linked_at', 'bigint')
    .execute();

  // `number` is the #42 people type. open_key = "<source_id>:<group_key>" while the incident is
  // open and NULL once resolved: the unique index then allows one open incident per group key and
  // makes two concurrent ingests of the same group collide instead of opening two incidents.
  await db.schema
    .createTable('incidents')
    .addColumn('number', id, auto)
    .addColumn('source_id', 'bigint', (c) => c.notNull().references('sources.id'))
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('open_key', 'text', (c) => c.unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('links', 'text', (c) => c.notNull())
    .addColumn('snoozed_until', 'bigint')
    .addColumn('snoozed_by', 'bigint')
    .addColumn('snoozed_by_name', 'text')
    .addColumn('snoozed_at', 'bigint')
    .addColumn('acked_by', 'bigint')
    .addColumn('acked_by_name', 'text')
    .addColumn('acked_at', 'bigint')
    .addColumn('resolved_by', 'bigint')
    .addColumn('resolved_by_name', 'text')
    .addColumn('resolved_at', 'bigint')
    // Who made the last state change and how: a second identical unack/reopen answers with it.
    .addColumn('last_action', 'text', (c) => c.notNull())
    .addColumn('last_action_by', 'bigint')
    .addColumn('last_action_by_name', 'text', (c) => c.notNull())
    .addColumn('last_action_via', 'text', (c) => c.notNull())
    .addColumn('last_action_at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incidents_status').on('incidents').columns(['status', 'number']).execute();
  // The snooze scanner asks "whose snooze has ended" often; only snoozed rows are non-null.
  await db.schema.createIndex('incidents_snoozed').on('incidents').column('snoozed_until').execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', id, auto)
    .addColumn('incident_number', 'bigint', (c) => c.notNull().references('incidents.number'))
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('annotations', 'text', (c) => c.notNull())
    .addColumn('extra', 'text')
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('alerts_incident_fingerprint', ['incident_number', 'fingerprint'])
    .execute();

  await db.schema
    .createTable('timeline')
    .addColumn('id', id, auto)
    .addColumn('incident_number', 'bigint', (c) => c.notNull().references('incidents.number'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'bigint')
    .addColumn('actor_name', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('data', 'text')
    .execute();
  await db.schema.createIndex('timeline_incident').on('timeline').columns(['incident_number', 'id']).execute();

  await db.schema
    .createTable('payloads')
    .addColumn('id', id, auto)
    .addColumn('source_id', 'bigint', (c) => c.notNull().references('sources.id'))
    .addColumn('incident_number', 'bigint')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payloads_incident').on('payloads').columns(['incident_number', 'id']).execute();
  await db.schema.createIndex('payloads_source').on('payloads').columns(['source_id', 'id']).execute();

  await db.schema
    .createTable('chats')
    .addColumn('chat_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('subscriptions')
    .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.chat_id'))
    .addColumn('source_id', 'bigint', (c) => c.notNull().references('sources.id'))
    .addColumn('min_severity', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('subscriptions_pk', ['chat_id', 'source_id'])
    .execute();
  void sql;
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['subscriptions', 'chats', 'payloads', 'timeline', 'alerts', 'incidents', 'members', 'sources']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
