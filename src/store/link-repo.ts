import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, MemberRow as MemberTable } from './schema.ts';

// Member rows as the web login and the admin link API see them (auth/linking.ts decides what
// linking means; this file only reads and writes rows). Functions take the db or transaction first.

export type MemberRecord = Selectable<MemberTable>;

export async function memberRowById(db: Kysely<DB>, id: number): Promise<MemberRecord | undefined> {
  return db.selectFrom('members').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function memberRowByOpenId(db: Kysely<DB>, openId: string): Promise<MemberRecord | undefined> {
  return db.selectFrom('members').selectAll().where('open_id', '=', openId).executeTakeFirst();
}

/** The oldest member with this email, compared case-insensitively. */
export async function memberRowByEmail(db: Kysely<DB>, email: string): Promise<MemberRecord | undefined> {
  return db.selectFrom('members').selectAll().where(sql<string>`lower(email)`, '=', email.toLowerCase()).orderBy('id').executeTakeFirst();
}

export async function insertMemberRow(
  db: Kysely<DB>,
  m: Omit<MemberRecord, 'id' | 'time_zone' | 'managed_at' | 'managed_by'> & Partial<Pick<MemberRecord, 'time_zone' | 'managed_at' | 'managed_by'>>,
): Promise<MemberRecord> {
  return db.insertInto('members').values(m).returningAll().executeTakeFirstOrThrow();
}

export async function updateMemberRow(db: Kysely<DB>, id: number, patch: Partial<Omit<MemberRecord, 'id'>>): Promise<MemberRecord> {
  return db.updateTable('members').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export async function memberRowsByName(db: Kysely<DB>): Promise<MemberRecord[]> {
  return db.selectFrom('members').selectAll().orderBy('name').orderBy('id').execute();
}
