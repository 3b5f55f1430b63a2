import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';

// The rows behind escalate now, add a responder and notes (src/paging/paging.ts) and the
// buzz of a private card (src/delivery/urgent.ts).

/** The data of the incident's latest escalation entries, newest first (they carry the step paged). */
export async function recentEscalationData(db: Kysely<DB>, number: number, limit = 20): Promise<string[]> {
  const rows = await db
    .selectFrom('timeline')
    .select('data')
    .where('incident_number', '=', number)
    .where('kind', '=', 'escalate')
    .where('data', 'is not', null)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => r.data as string);
}

/** The incident's added responders, as stored (JSON text). */
export async function respondersOf(db: Kysely<DB>, number: number): Promise<string | null> {
  const row = await db.selectFrom('incidents').select('responders').where('number', '=', number).executeTakeFirst();
  return row?.responders ?? null;
}

export async function setResponders(db: Kysely<DB>, number: number, json: string): Promise<void> {
  await db.updateTable('incidents').set({ responders: json }).where('number', '=', number).execute();
}

export async function setLatestNote(db: Kysely<DB>, number: number, json: string): Promise<void> {
  await db.updateTable('incidents').set({ latest_note: json }).where('number', '=', number).execute();
}

export type PersonRow = { name: string; open_id: string | null; email: string | null };

export async function personById(db: Kysely<DB>, id: number): Promise<PersonRow | undefined> {
  return db.selectFrom('members').select(['name', 'open_id', 'email']).where('id', '=', id).executeTakeFirst();
}

export async function personByOpenId(db: Kysely<DB>, openId: string): Promise<PersonRow | undefined> {
  return db.selectFrom('members').select(['name', 'open_id', 'email']).where('open_id', '=', openId).executeTakeFirst();
}

/** A roster member who never linked, known by name (case-insensitive). */
export async function unlinkedPersonByName(db: Kysely<DB>, name: string): Promise<PersonRow | undefined> {
  return db
    .selectFrom('members')
    .select(['name', 'open_id', 'email'])
    .where(sql<string>`lower(name)`, '=', name.toLowerCase())
    .where('open_id', 'is', null)
    .executeTakeFirst();
}

export async function sourceNameById(db: Kysely<DB>, sourceId: number): Promise<string | null> {
  return (await db.selectFrom('sources').select('name').where('id', '=', sourceId).executeTakeFirst())?.name ?? null;
}

/** What decides whether a buzz may still ring: the incident's status and snooze. */
export async function incidentPageState(db: Kysely<DB>, number: number): Promise<{ status: string; snoozed_until: number | null } | undefined> {
  return db.selectFrom('incidents').select(['status', 'snoozed_until']).where('number', '=', number).executeTakeFirst();
}
