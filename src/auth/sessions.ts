import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.ts';
import { deleteExpiredSessions, deleteSession, deleteSessionsOf, insertSession, sessionByHash } from '../store/session-repo.ts';
import type { Clock } from '../incident/ports.ts';
import { randomToken, sha256 } from './cookies.ts';

export const SESSION_TTL_MS = 30 * 86_400_000;

export interface Session {
  /** The random id carried (signed) in the cookie; never stored as is. */
  readonly id: string;
  readonly memberId: number;
  /** Per-session CSRF token: a hidden field in every form, the X-CSRF-Token header for JSON calls. */
  readonly csrfToken: string;
  readonly expiresAt: number;
}

/** Server-side sessions, so logout and an admin's unlink revoke them at once. */
export class SessionStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly ttlMs = SESSION_TTL_MS,
  ) {}

  async create(memberId: number): Promise<Session> {
    const now = this.clock.now();
    const session = { id: randomToken(32), memberId, csrfToken: randomToken(24), expiresAt: now + this.ttlMs };
    await insertSession(this.db, { id_hash: sha256(session.id), member_id: memberId, csrf_token: session.csrfToken, created_at: now, expires_at: session.expiresAt });
    // Sweep expired rows now and then instead of running a timer.
    if (Math.random() < 0.05) await this.sweep();
    return session;
  }

  /** The live session with this id, or null (unknown, revoked or expired). */
  async get(id: string): Promise<Session | null> {
    const row = await sessionByHash(this.db, sha256(id));
    if (!row || row.expires_at <= this.clock.now()) return null;
    return { id, memberId: Number(row.member_id), csrfToken: row.csrf_token, expiresAt: Number(row.expires_at) };
  }

  async delete(id: string): Promise<void> {
    await deleteSession(this.db, sha256(id));
  }

  /** Revokes every session of a member (admin unlink, role change to nobody). Returns how many. */
  async deleteForMember(memberId: number, db: Kysely<DB> = this.db): Promise<number> {
    return deleteSessionsOf(db, memberId);
  }

  async sweep(): Promise<void> {
    await deleteExpiredSessions(this.db, this.clock.now());
  }
}
