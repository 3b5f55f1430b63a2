import type { Kysely } from 'kysely';

// Issue 29. Silences Hark never forgets (item 2): each silence Hark asks Alertmanager for is written
// down before the call (`silence_attempts`), so a silence Alertmanager creates after Hark stopped
// waiting, or just before Hark crashed, is found again (its comment carries the attempt's token) and
// shown or expired. A source's minimum label set for silences (item 6). Heartbeats in whole minutes
// (item 10): a fraction accepted before is rounded up to a whole minute, at least 1.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('silence_attempts')
    .addColumn('token', 'text', (c) => c.primaryKey())
    .addColumn('incident_number', 'bigint', (c) => c.notNull())
    // pending: asked, answer not seen yet; cancelled: unsilenced meanwhile, so expire it once found.
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('matchers', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'bigint')
    .addColumn('created_by_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('silence_attempts_incident').on('silence_attempts').column('incident_number').execute();

  // JSON array of label names every silence of the source must match on; NULL = ["alertname"].
  await db.schema.alterTable('sources').addColumn('silence_labels', 'text').execute();

  const fractions = await db.selectFrom('sources').select(['id', 'heartbeat_minutes']).where('heartbeat_minutes', 'is not', null).execute();
  for (const r of fractions) {
    const m = Number(r.heartbeat_minutes);
    if (Number.isInteger(m) && m >= 1) continue;
    await db.updateTable('sources').set({ heartbeat_minutes: m > 0 ? Math.max(1, Math.ceil(m)) : null }).where('id', '=', r.id).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sources').dropColumn('silence_labels').execute();
  await db.schema.dropTable('silence_attempts').ifExists().execute();
}
