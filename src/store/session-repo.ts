import type { Kysely, Selectable } from 'kysely';
import type { DB, PendingActionRow, SessionRow } from './schema.ts';

// Web sessions (stored by the hash of their id) and pending "link, then finish" actions: rows only;
// auth/sessions.ts and auth/pending-actions.ts decide what they mean.

export type SessionRecord = Selectable<SessionRow>;
export type PendingActionRecord = Selectable<PendingActionRow>;

export async function insertSession(db: Kysely<DB>, s: SessionRecord): Promise<void> {
  await db.insertInto('sessions').values(s).execute();
}

export async function sessionByHash(db: Kysely<DB>, idHash: string): Promise<SessionRecord | undefined> {
  return db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
}

export async function deleteSession(db: Kysely<DB>, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

/** Ends every web session of a member (unlink, relink); returns how many there were. */
export async function deleteSessionsOf(db: Kysely<DB>, memberId: number): Promise<number> {
  const r = await db.deleteFrom('sessions').where('member_id', '=', memberId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function deleteExpiredSessions(db: Kysely<DB>, now: number): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
}

/** Replaces the same person's same action on the same incident (and drops expired ones); returns the new row's id. */
export async function replacePendingAction(db: Kysely<DB>, row: Omit<PendingActionRecord, 'id'>, now: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('pending_actions')
      .where((eb) =>
        eb.or([
          eb('expires_at', '<=', now),
          eb.and([eb('open_id', '=', row.open_id), eb('op', '=', row.op), eb('incident_number', '=', row.incident_number)]),
        ]),
      )
      .execute();
    const { id } = await trx.insertInto('pending_actions').values(row).returning('id').executeTakeFirstOrThrow();
    return Number(id);
  });
}

export async function pendingActionsOf(db: Kysely<DB>, openId: string, now: number): Promise<PendingActionRecord[]> {
  return db.selectFrom('pending_actions').selectAll().where('open_id', '=', openId).where('expires_at', '>', now).orderBy('id').execute();
}

export async function pendingAction(db: Kysely<DB>, openId: string, id: number, now: number): Promise<PendingActionRecord | undefined> {
  return db
    .selectFrom('pending_actions')
    .selectAll()
    .where('id', '=', id)
    .where('open_id', '=', openId)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export async function deletePendingAction(db: Kysely<DB>, openId: string, id: number): Promise<boolean> {
  const r = await db.deleteFrom('pending_actions').where('id', '=', id).where('open_id', '=', openId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
