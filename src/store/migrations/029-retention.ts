import type { Kysely } from 'kysely';

// Retention (issue 28): the daily prune finds resolved incidents by when they were resolved.
// Without this index each batch would scan every incident; with it a batch reads just its rows.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('incidents_status_resolved').on('incidents').columns(['status', 'resolved_at', 'number']).execute();
  // Pending button presses are deleted with their incident: let that find them without a scan.
  await db.schema.createIndex('pending_actions_incident').on('pending_actions').column('incident_number').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('pending_actions_incident').ifExists().execute();
  await db.schema.dropIndex('incidents_status_resolved').ifExists().execute();
}
