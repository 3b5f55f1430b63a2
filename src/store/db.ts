import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.ts';

export type Engine = 'sqlite' | 'postgres';

export interface Store {
  readonly db: Kysely<DB>;
  readonly engine: Engine;
  close(): Promise<void>;
}

// PostgreSQL returns int8 (COUNT, BIGINT) as strings; all our bigints are millisecond
// timestamps or counters that fit in a double, so parse them as numbers on both engines.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export interface OpenStoreOptions {
  /** PostgreSQL only: run every connection with this search_path (tests use a fresh schema per run). */
  schema?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /**
   * PostgreSQL: an open connection broke (the server restarted, failed over, or terminated the
   * backend). The pool drops that connection and opens a new one for the next query; this only
   * reports it. Without a listener, pg's 'error' event would end the process.
   */
  onConnectionLost?: (err: Error) => void;
  /** PostgreSQL: how long opening a connection may take before the query fails (default 5 s). */
  connectTimeoutMs?: number;
}

/** Opens the database named by DATABASE_URL: `sqlite:<path>` (or `sqlite::memory:`) or `postgres://…`. */
export function openStore(url: string, opts: OpenStoreOptions = {}): Store {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length) || './data/hark.db';
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const sqlite = new Database(file);
    // WAL lets readers (the web app, /readyz) run while the outbox worker writes; busy_timeout
    // makes a second writer wait instead of failing with SQLITE_BUSY.
    if (file !== ':memory:') useIncrementalVacuum(sqlite);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    cacheStatements(sqlite);
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
    return { db, engine: 'sqlite', close: () => db.destroy() };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.poolSize ?? 10,
      // Named in pg_stat_activity (an application_name in DATABASE_URL wins).
      application_name: 'hark',
      // A server that accepts but never answers fails the query instead of holding it forever.
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
      keepAlive: true,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    // pg emits 'error' on a client whose connection broke, idle in the pool (re-emitted by the
    // pool) or checked out between two queries; an 'error' event nobody listens to ends the
    // process. Every client gets a listener the moment it connects, and the pool a silent one for
    // its re-emits; the broken client is dropped (a query on it rejects; released, it is removed).
    const lost = opts.onConnectionLost ?? (() => undefined);
    pool.on('connect', (client) => client.on('error', lost));
    pool.on('error', () => undefined);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: 'postgres', close: () => db.destroy() };
  }
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got ${url})`);
}

/**
 * auto_vacuum=INCREMENTAL lets store upkeep (upkeep.ts) give the pages of deleted rows back to the
 * file system. SQLite takes the setting when the first table is created, so a new file gets it at
 * once; an existing file made without it needs one VACUUM (a rewrite of the file: done once, on the
 * first start after the upgrade).
 */
function useIncrementalVacuum(sqlite: Database.Database): void {
  const INCREMENTAL = 2;
  sqlite.pragma('busy_timeout = 5000');
  if (sqlite.pragma('auto_vacuum', { simple: true }) === INCREMENTAL) return;
  sqlite.pragma('auto_vacuum = INCREMENTAL');
  if (sqlite.pragma('auto_vacuum', { simple: true }) !== INCREMENTAL) sqlite.exec('VACUUM');
}

/**
 * kysely's SQLite driver prepares every query anew, and preparing is a good part of a short query's
 * cost (about a quarter of the SQLite time of a card click). better-sqlite3 statements can be run again
 * and again, and our queries are synchronous (no `.iterate()` streams), so the statements of the most
 * recent distinct SQL texts are kept and reused. SQLite recompiles a kept statement itself after a
 * schema change.
 */
export function cacheStatements(sqlite: Database.Database, max = 500): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const kept = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    let stmt = kept.get(source);
    if (stmt && !stmt.busy) {
      kept.delete(source); // most recently used goes last
    } else {
      stmt = prepare(source);
      if (kept.size >= max) kept.delete(kept.keys().next().value!);
    }
    kept.set(source, stmt);
    return stmt;
  }) as typeof sqlite.prepare;
}

/** True when the database answers a trivial query (used by /readyz). */
/** One round trip to the database; throws what the driver says when it is unreachable. */
export async function probeStore(store: Store): Promise<void> {
  await sql`select 1`.execute(store.db);
}

export async function pingStore(store: Store): Promise<boolean> {
  try {
    await probeStore(store);
    return true;
  } catch {
    return false;
  }
}
