import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';

// Issue 29: the reads and writes behind the guards on who may make Lark ring and on which card a
// Take over button may be pressed.

/** Take over buttons live on cards people may press for 14 days; a binding is kept a little longer. */
export const SCHEDULE_CARD_TTL_MS = 15 * 86_400_000;

export async function bindScheduleCard(db: Kysely<DB>, messageId: string, schedules: readonly string[], now: number): Promise<void> {
  if (!schedules.length) return;
  await db.deleteFrom('schedule_cards').where('created_at', '<', now - SCHEDULE_CARD_TTL_MS).execute();
  await db
    .insertInto('schedule_cards')
    .values(schedules.map((schedule) => ({ message_id: messageId, schedule, created_at: now })))
    .onConflict((oc) => oc.columns(['message_id', 'schedule']).doNothing())
    .execute();
}

export async function schedulesOfCard(db: Kysely<DB>, messageId: string): Promise<string[]> {
  const rows = await db.selectFrom('schedule_cards').select('schedule').where('message_id', '=', messageId).execute();
  return rows.map((r) => r.schedule);
}

/** When a person last escalated this incident by hand (card, command, web, API), or null. */
export async function lastManualEscalation(db: Kysely<DB>, number: number): Promise<number | null> {
  const row = await db
    .selectFrom('timeline')
    .select((eb) => eb.fn.max('at').as('at'))
    .where('incident_number', '=', number)
    .where('kind', '=', 'escalate')
    .where('via', '!=', 'auto')
    .executeTakeFirst();
  return row?.at === null || row?.at === undefined ? null : Number(row.at);
}

/** When Hark last queued a buzz of this person for this incident (policy or by hand), or null. */
export async function lastBuzzQueued(db: Kysely<DB>, number: number, openId: string): Promise<number | null> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.max('created_at').as('at'))
    .where('incident_number', '=', number)
    .where('target_id', '=', openId)
    .where('urgent', 'is not', null)
    .executeTakeFirst();
  return row?.at === null || row?.at === undefined ? null : Number(row.at);
}

/** SMS and phone notices used this month plus those queued and not raised yet. */
export async function urgentSpent(db: Kysely<DB>, month: string): Promise<number> {
  const used = await db.selectFrom('urgent_usage').select('used').where('month', '=', month).executeTakeFirst();
  const queued = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('status', '=', 'pending')
    .where('urgent', 'in', ['sms', 'phone'])
    .executeTakeFirst();
  return Number(used?.used ?? 0) + Number(queued?.n ?? 0);
}

export async function addUrgentUsage(db: Kysely<DB>, month: string, n: number): Promise<void> {
  if (n <= 0) return;
  await db
    .insertInto('urgent_usage')
    .values({ month, used: n })
    .onConflict((oc) => oc.column('month').doUpdateSet((eb) => ({ used: eb('urgent_usage.used', '+', n) })))
    .execute();
}

/** "2026-12": the calendar month (UTC) a quota count belongs to. */
export const monthOf = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

/** Whether Hark posted a copy of this incident's card in this chat (subscribed, escalated to, its war room). */
export async function chatHasIncidentCard(db: Kysely<DB>, number: number, chatId: string): Promise<boolean> {
  const row = await db
    .selectFrom('incident_messages')
    .select('id')
    .where('incident_number', '=', number)
    .where('target_type', '=', 'chat_id')
    .where('target_id', '=', chatId)
    .executeTakeFirst();
  return row !== undefined;
}
