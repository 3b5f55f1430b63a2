import type { Kysely } from 'kysely';

// Insights (issue 27) read the incidents opened in a window: index their opening time.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('incidents_created').on('incidents').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('incidents_created').execute();
}
