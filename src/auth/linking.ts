import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DB, MemberRow as MemberTable } from '../store/schema.ts';

type MemberRow = Selectable<MemberTable>;
import type { Clock } from '../incident/ports.ts';
import { MEMBER_ROLES, type Member, type MemberRole } from '../incident/types.ts';
import { HarkError } from '../errors.ts';
import { memberFromRow } from '../store/member-repo.ts';
import { insertMemberRow, memberRowByEmail, memberRowById, memberRowByOpenId, memberRowsByName, updateMemberRow } from '../store/link-repo.ts';
import { deleteSessionsOf } from '../store/session-repo.ts';
import { deleteMemberFeeds } from '../store/schedule-repo.ts';
import type { LarkIdentity } from './lark-oauth.ts';

// Attaching a Lark identity (open_id, union_id) to a roster member. The open_id is the key: once a
// member holds it, logging in with it is that member. A new identity attaches to the unlinked
// roster member with the same email (case-insensitive), else becomes a new member with the default
// role. It never takes an open_id from one member and gives it to another: that is an explicit
// admin action (linkMember with move: true).

export type LinkOutcome =
  /** This open_id was already linked: plain login. */
  | { readonly kind: 'existing'; readonly member: Member }
  /** A roster member with the same email now carries this identity. */
  | { readonly kind: 'linked'; readonly member: Member }
  /** Nobody on the roster matched: a new member with the default role. */
  | { readonly kind: 'created'; readonly member: Member }
  /** The roster member with this email is linked to a different Lark account. */
  | { readonly kind: 'conflict'; readonly member: Member };

export interface LinkPolicy {
  /** Lower-case emails that become admins when they link or are created (HARK_ADMINS). */
  readonly admins: readonly string[];
  readonly defaultRole: MemberRole;
}

export class MemberLinks {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly policy: LinkPolicy,
  ) {
    if (!MEMBER_ROLES.includes(policy.defaultRole)) throw new Error(`default role must be one of ${MEMBER_ROLES.join(', ')}`);
  }

  /** Called after a successful Lark login. */
  async linkOnLogin(identity: LarkIdentity): Promise<LinkOutcome> {
    try {
      return await this.db.transaction().execute((trx) => this.linkIn(trx, identity));
    } catch (err) {
      // Two callbacks of one person at once: the loser hits the unique open_id/email index; the
      // second attempt sees the winner's row and logs in as it.
      if (isUniqueViolation(err)) return this.db.transaction().execute((trx) => this.linkIn(trx, identity));
      throw err;
    }
  }

  private async linkIn(trx: Transaction<DB>, id: LarkIdentity): Promise<LinkOutcome> {
    const now = this.clock.now();
    const isAdmin = !!id.email && this.policy.admins.includes(id.email.toLowerCase());
    const byOpenId = await memberRowByOpenId(trx, id.openId);
    if (byOpenId) {
      const patch: Partial<MemberRow> = {};
      if (!byOpenId.union_id && id.unionId) patch.union_id = id.unionId;
      if (isAdmin && byOpenId.role !== 'admin') patch.role = 'admin';
      const row = Object.keys(patch).length ? await update(trx, Number(byOpenId.id), patch) : byOpenId;
      return { kind: 'existing', member: toMember(row) };
    }
    const byEmail = id.email ? await memberRowByEmail(trx, id.email) : undefined;
    if (byEmail) {
      if (byEmail.open_id) return { kind: 'conflict', member: toMember(byEmail) };
      const row = await update(trx, Number(byEmail.id), {
        open_id: id.openId,
        union_id: id.unionId,
        linked_at: now,
        ...(isAdmin ? { role: 'admin' } : {}),
      });
      return { kind: 'linked', member: toMember(row) };
    }
    const row = await insertMemberRow(trx, {
      name: id.name,
      email: id.email,
      role: isAdmin ? 'admin' : this.policy.defaultRole,
      open_id: id.openId,
      union_id: id.unionId,
      created_at: now,
      linked_at: now,
    });
    return { kind: 'created', member: toMember(row) };
  }

  /**
   * An admin attaches a Lark identity to a member. When another member holds the open_id, it moves
   * only with `move: true` (that member is unlinked and its sessions revoked); otherwise 409.
   */
  async linkMember(memberId: number, openId: string, unionId: string | null, opts: { move?: boolean } = {}): Promise<{ member: Member; movedFrom: Member | null }> {
    if (!/^ou_[A-Za-z0-9_-]+$/.test(openId)) throw new HarkError('invalid', 'open_id: must be a Lark open_id such as ou_…');
    return this.db.transaction().execute(async (trx) => {
      const target = await memberRowById(trx, memberId);
      if (!target) throw new HarkError('not_found', `member ${memberId} does not exist`);
      const holder = await memberRowByOpenId(trx, openId);
      let movedFrom: Member | null = null;
      if (holder && Number(holder.id) !== memberId) {
        if (!opts.move) {
          throw new HarkError(
            'conflict',
            `open_id ${openId} is linked to member ${holder.id} (${holder.name}); send {"move": true} to move it to member ${memberId}, which unlinks ${holder.name} and ends their web sessions`,
          );
        }
        movedFrom = toMember(await this.unlinkIn(trx, Number(holder.id)));
      }
      if (target.open_id && target.open_id !== openId) await deleteSessionsOf(trx, memberId);
      const row = await update(trx, memberId, { open_id: openId, union_id: unionId, linked_at: this.clock.now() });
      return { member: toMember(row), movedFrom };
    });
  }

  /**
   * Detaches the Lark identity and revokes the member's web sessions and their calendar feed URL
   * (a new one is made when they ask again). Unlinking an unlinked member changes nothing more.
   */
  async unlink(memberId: number): Promise<Member> {
    return this.db.transaction().execute(async (trx) => toMember(await this.unlinkIn(trx, memberId)));
  }

  private async unlinkIn(trx: Transaction<DB>, memberId: number): Promise<MemberRow> {
    const row = await memberRowById(trx, memberId);
    if (!row) throw new HarkError('not_found', `member ${memberId} does not exist`);
    await deleteSessionsOf(trx, memberId);
    await deleteMemberFeeds(trx, memberId);
    if (!row.open_id) return row;
    return update(trx, memberId, { open_id: null, union_id: null, linked_at: null });
  }

  async get(memberId: number): Promise<Member | null> {
    const row = await memberRowById(this.db, memberId);
    return row ? toMember(row) : null;
  }

  async list(): Promise<Member[]> {
    const rows = await memberRowsByName(this.db);
    return rows.map(toMember);
  }
}

function update(trx: Transaction<DB>, id: number, patch: Partial<Omit<MemberRow, 'id'>>): Promise<MemberRow> {
  return updateMemberRow(trx, id, patch);
}

/** The repository's mapper, plus a guard: a role this code does not know reads as viewer. */
export function toMember(row: MemberRow): Member {
  const m = memberFromRow(row);
  return (MEMBER_ROLES as readonly string[]).includes(m.role) ? m : { ...m, role: 'viewer' };
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(e?.message ?? '');
}
