import type { Kysely, Selectable } from 'kysely';
import type { Member, MemberRole } from '../incident/types.ts';
import { param, prepare } from './prepared.ts';
import type { DB, MemberRow } from './schema.ts';
import { memberAhead } from './read-ahead.ts';

export function memberFromRow(r: Selectable<MemberRow>): Member {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    role: r.role as MemberRole,
    openId: r.open_id,
    unionId: r.union_id,
    createdAt: r.created_at,
    linkedAt: r.linked_at,
  };
}

export async function insertMember(
  db: Kysely<DB>,
  m: { name: string; email: string; role: MemberRole; openId: string | null; now: number },
): Promise<Member> {
  const row = await db
    .insertInto('members')
    .values({
      name: m.name,
      email: m.email,
      role: m.role,
      open_id: m.openId,
      union_id: null,
      created_at: m.now,
      linked_at: m.openId ? m.now : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return memberFromRow(row);
}

export async function findMemberByEmail(db: Kysely<DB>, email: string): Promise<Member | null> {
  const ahead = memberAhead(db, email.toLowerCase());
  const row = ahead !== undefined ? ahead : await memberByEmail.first(db, { email: email.toLowerCase() });
  return row ? memberFromRow(row) : null;
}

// Every escalation step to a member looks them up: prepared.
const memberByEmail = prepare('member by email', { email: param<string>() }, (db, p) => db.selectFrom('members').selectAll().where('email', '=', p.email));

const memberByOpenId = prepare('member by open_id', { openId: param<string>() }, (db, p) =>
  db.selectFrom('members').selectAll().where('open_id', '=', p.openId),
);

/** The member linked to this Lark open_id (every card click and @Hark command looks its sender up). */
export async function findMemberByOpenId(db: Kysely<DB>, openId: string): Promise<Member | null> {
  const row = await memberByOpenId.first(db, { openId });
  return row ? memberFromRow(row) : null;
}

export async function findMemberById(db: Kysely<DB>, id: number): Promise<Member | null> {
  const row = await db.selectFrom('members').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? memberFromRow(row) : null;
}

export async function listMembers(db: Kysely<DB>): Promise<Member[]> {
  const rows = await db.selectFrom('members').selectAll().orderBy('name').orderBy('id').execute();
  return rows.map(memberFromRow);
}

/** Which of these emails are on the roster. */
export async function knownEmails(db: Kysely<DB>, emails: readonly string[]): Promise<Set<string>> {
  if (!emails.length) return new Set();
  const rows = await db.selectFrom('members').select('email').where('email', 'in', [...emails]).execute();
  return new Set(rows.map((r) => r.email).filter((e): e is string => e !== null));
}

/** Admins with a linked Lark identity (told privately when a group's subscriptions stop). */
export async function linkedAdmins(db: Kysely<DB>): Promise<Member[]> {
  const rows = await db.selectFrom('members').selectAll().where('role', '=', 'admin').where('open_id', 'is not', null).execute();
  return rows.map(memberFromRow);
}
