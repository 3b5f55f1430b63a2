import type { Kysely } from 'kysely';

// Configuration as code (issue 24). `config_lock` holds one row that every apply updates first
// in its transaction: on PostgreSQL the row lock makes two applies on two replicas take turns (the
// second re-plans against what the first committed), on SQLite the write lock does the same. Its
// revision counts applies. A source remembers the environment variable names its secrets came
// from (`token_env`, `alertmanager.token_env`), so that `hark config export` writes them back and
// the exported file plans as no change.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('config_lock')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('revision', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('applied_at', 'bigint')
    .addColumn('applied_by', 'text')
    .execute();
  await db.insertInto('config_lock').values({ id: 1, revision: 0 }).execute();
  await db.schema.alterTable('sources').addColumn('token_env', 'text').execute();
  await db.schema.alterTable('sources').addColumn('alertmanager_token_env', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sources').dropColumn('alertmanager_token_env').execute();
  await db.schema.alterTable('sources').dropColumn('token_env').execute();
  await db.schema.dropTable('config_lock').execute();
}
