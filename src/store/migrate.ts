import { Migrator, PostgresAdapter, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import pRetry, { AbortError } from 'p-retry';
import { migrations } from './migrations/index.ts';

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

/**
 * Applies every pending migration, in name order, each in its own transaction. Run at start-up and by
 * `hark migrate`; kysely's migration lock makes concurrent replicas wait rather than race.
 */
async function migratorFor(db: Kysely<any>): Promise<{ migrator: Migrator; migrationTableSchema: string | undefined }> {
  // Without an explicit schema kysely looks for its bookkeeping tables in *every* schema, so two
  // deployments (or test runs) sharing one PostgreSQL database in different schemas see each other's
  // tables and skip creating their own. Pin them to the connection's current schema.
  const migrationTableSchema =
    db.getExecutor().adapter instanceof PostgresAdapter
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0].s
      : undefined;
  return { migrator: new Migrator({ db, provider: new StaticProvider(), migrationTableSchema }), migrationTableSchema };
}

/** The migrations not yet applied to this database, by name (`hark doctor`); changes nothing. */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const { migrator } = await migratorFor(db);
  return (await migrator.getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
}

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const { migrator, migrationTableSchema } = await migratorFor(db);
  // kysely checks for its tables by listing every table of every schema; on PostgreSQL that listing
  // fails with 'schema "x" does not exist' (or 'relation "x.kysely_migration" does not exist') when
  // another schema is dropped at that moment (other deployments or test runs in the same database).
  // Nothing was changed yet, so try again.
  return pRetry(
    async () => {
      const { error, results } = await migrator.migrateToLatest();
      const failed = results?.find((r) => r.status === 'Error');
      if (error || failed) {
        const cause = error instanceof Error ? error.message : String(error ?? 'unknown error');
        const err = new Error(`database migration ${failed?.migrationName ?? ''} failed: ${cause}`);
        const other = (/schema "([^"]+)" does not exist/.exec(cause) ?? /relation "([^".]+)\.[^"]+" does not exist/.exec(cause))?.[1];
        if (!failed && other && other !== migrationTableSchema) throw err;
        throw new AbortError(err);
      }
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    },
    { retries: 5, minTimeout: 50, maxTimeout: 500 },
  );
}
