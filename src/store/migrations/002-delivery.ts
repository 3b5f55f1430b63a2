import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { idColumn, isPostgres } from './001-core.ts';

// Delivery (issue 4): the durable outbox, the live copies of every incident card, and storm cards.
// Timestamps are integer milliseconds; JSON is text (as in 001-core).

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = idColumn(db);
  const auto = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement());

  // One row per key; `install_id` is random per database so that message uuids ("hark-<install>-<outbox id>")
  // never collide with another database that uses the same Lark app within Lark's 1-hour dedup window
  // (a wiped database, a staging copy), which would silently swallow a send.
  await db.schema
    .createTable('delivery_meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
  await db
    .insertInto('delivery_meta')
    .values({ key: 'install_id', value: crypto.randomBytes(6).toString('hex') })
    .execute();

  // Every send and every card update, written in the transaction of the change that caused it and
  // sent by a worker. `pending_key` is set while a coalescible row is pending (one patch per
  // message, one storm-card send per storm) and NULL afterwards, so the unique index merges bursts;
  // `gen` counts merged requests so a worker that rendered an older state leaves the row pending.
  await db.schema
    .createTable('outbox')
    .addColumn('id', id, auto)
    .addColumn('op', 'text', (c) => c.notNull()) // send | patch
    .addColumn('subject', 'text', (c) => c.notNull()) // incident | storm | card
    .addColumn('incident_number', 'bigint')
    .addColumn('storm_id', 'bigint')
    .addColumn('target_type', 'text', (c) => c.notNull()) // chat_id | open_id
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('target_name', 'text')
    .addColumn('message_id', 'text')
    .addColumn('card', 'text')
    .addColumn('rate_key', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // pending | done | failed | dropped
    .addColumn('pending_key', 'text', (c) => c.unique())
    .addColumn('gen', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('result_message_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('done_at', 'bigint')
    .execute();
  await db.schema.createIndex('outbox_claim').on('outbox').columns(['status', 'priority', 'id']).execute();
  // Storm budget: "how many incident cards did this chat get in the last minute".
  await db.schema.createIndex('outbox_target').on('outbox').columns(['target_id', 'created_at']).execute();
  await db.schema.createIndex('outbox_incident').on('outbox').columns(['incident_number']).execute();

  // Every copy of an incident card that Lark accepted: patched in place on every change.
  await db.schema
    .createTable('incident_messages')
    .addColumn('id', id, auto)
    .addColumn('incident_number', 'bigint', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('target_name', 'text')
    .addColumn('outbox_id', 'bigint')
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .addColumn('rendered_version', 'integer', (c) => c.notNull())
    .addColumn('rendered_hash', 'text', (c) => c.notNull())
    // Set by markFresh(): the card-callback answer already showed this version on this copy.
    .addColumn('fresh_version', 'integer')
    // Lark refused an update with 230031 (older than 14 days): recorded once, never retried.
    .addColumn('expired_at', 'bigint')
    .execute();
  await db.schema.createIndex('incident_messages_incident').on('incident_messages').column('incident_number').execute();

  // A storm: more new incident cards for one chat (from one source) than its per-minute budget.
  // open_key = "<chat_id>:<source_id>" while the storm collects incidents, NULL once it ended.
  await db.schema
    .createTable('storms')
    .addColumn('id', id, auto)
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('source_id', 'bigint', (c) => c.notNull())
    .addColumn('open_key', 'text', (c) => c.unique())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('last_collapsed_at', 'bigint', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('rendered_hash', 'text')
    .addColumn('expired_at', 'bigint')
    .execute();
  await db.schema
    .createTable('storm_incidents')
    .addColumn('storm_id', 'bigint', (c) => c.notNull())
    .addColumn('incident_number', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('storm_incidents_pk', ['storm_id', 'incident_number'])
    .execute();
  await db.schema.createIndex('storm_incidents_incident').on('storm_incidents').column('incident_number').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['storm_incidents', 'storms', 'incident_messages', 'outbox', 'delivery_meta']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
