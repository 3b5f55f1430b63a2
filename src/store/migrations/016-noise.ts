import type { Kysely } from 'kysely';

// Noise (issue 26): a firing shortly after its incident resolved by itself, or while the alert
// flaps, reopens the group's last incident instead of opening a new one. The group's incidents are
// found by (source_id, group_key); flap_changes/flap_minutes say what the card shows while it flaps
// ("Flapping: 5 changes in 60 min"), NULL when it does not.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('incidents_group').on('incidents').columns(['source_id', 'group_key', 'number']).execute();
  await db.schema.alterTable('incidents').addColumn('flap_changes', 'integer').execute();
  await db.schema.alterTable('incidents').addColumn('flap_minutes', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('incidents').dropColumn('flap_minutes').execute();
  await db.schema.alterTable('incidents').dropColumn('flap_changes').execute();
  await db.schema.dropIndex('incidents_group').execute();
}
