import type { Kysely } from 'kysely';

// Alertmanager both ways (issue 16): where a source's silences go, its heartbeat, and the silence
// Hark made for an incident.
export async function up(db: Kysely<any>): Promise<void> {
  // alertmanager_token is sent as a Bearer token to a proxy in front of Alertmanager, so it is kept
  // as given (the API never shows it back). heartbeat_minutes NULL = no heartbeat; heartbeat_at is
  // the last ping (NULL: never pinged, so not armed).
  await db.schema.alterTable('sources').addColumn('alertmanager_url', 'text').execute();
  await db.schema.alterTable('sources').addColumn('alertmanager_token', 'text').execute();
  await db.schema.alterTable('sources').addColumn('heartbeat_minutes', 'double precision').execute();
  await db.schema.alterTable('sources').addColumn('heartbeat_at', 'bigint').execute();

  // The live silence of an incident: one at a time. silence_id is the id Alertmanager answered
  // last (it may hand out a new one when a silence is updated); the row goes when it is unsilenced.
  await db.schema
    .createTable('silences')
    .addColumn('incident_number', 'bigint', (c) => c.primaryKey())
    .addColumn('silence_id', 'text', (c) => c.notNull())
    .addColumn('matchers', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'bigint')
    .addColumn('created_by_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('silences').ifExists().execute();
  for (const c of ['heartbeat_at', 'heartbeat_minutes', 'alertmanager_token', 'alertmanager_url']) {
    await db.schema.alterTable('sources').dropColumn(c).execute();
  }
}
