import { type Kysely, PostgresAdapter } from 'kysely';

// Database errors by meaning, for both engines. better-sqlite3 errors carry `code` like
// SQLITE_CONSTRAINT_UNIQUE / SQLITE_BUSY; pg errors carry the SQLSTATE in `code`.

interface CodedError {
  code?: string;
  message?: string;
}

export function isPostgresDb(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** A unique constraint refused the write (e.g. two replicas opening the same group at once). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as CodedError | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Worth retrying the whole transaction at once: serialization failure or deadlock (PostgreSQL). */
export function isRetryableConflict(err: unknown): boolean {
  const code = (err as CodedError | null)?.code;
  return code === '40001' || code === '40P01';
}

/**
 * The database is overloaded or unreachable, not wrong: callers answer 503 so that senders such
 * as Alertmanager retry (they never retry a 4xx).
 */
export function isTransientDbError(err: unknown): boolean {
  const e = err as CodedError | null;
  const code = e?.code ?? '';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return true;
  // 53xxx insufficient resources, 57P0x shutdown/cannot connect now, 08xxx connection failures.
  if (/^(53|08)/.test(code) || /^57P0[1-3]$/.test(code) || isRetryableConflict(err)) return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code)) return true;
  const msg = e?.message ?? '';
  return /timeout exceeded when trying to connect|Connection terminated|too many clients/i.test(msg);
}
