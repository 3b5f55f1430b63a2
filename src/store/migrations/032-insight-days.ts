import type { Kysely } from 'kysely';

// Insights outlive retention (issues 27 and 28): before the pruner deletes an incident, what the
// figures need of it is merged into one row per UTC day, source and severity (src/insights/rollup.ts).
// The ack and resolve times are kept as exact samples (JSON arrays) so that medians stay exact, and
// each page as its time and person so work/off/sleep hours can still be told in anyone's zone.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('insight_days')
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('source_id', 'integer', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('team_id', 'integer')
    .addColumn('opened', 'integer', (c) => c.notNull())
    .addColumn('escalated', 'integer', (c) => c.notNull())
    .addColumn('acked_fast', 'integer', (c) => c.notNull())
    .addColumn('auto_resolved', 'integer', (c) => c.notNull())
    .addColumn('ack_s', 'text', (c) => c.notNull())
    .addColumn('resolve_s', 'text', (c) => c.notNull())
    .addColumn('pages', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('insight_days_pk', ['day', 'source_id', 'severity'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('insight_days').ifExists().execute();
}
