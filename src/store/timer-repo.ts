import type { Kysely, Selectable } from 'kysely';
import { param, prepare } from './prepared.ts';
import type { DB, TimerRow } from './schema.ts';

// The timers table's operations (what a timer's data means is escalation/timers.ts's business). Every function takes the db or transaction first, so the listener
// schedules and cancels inside the transaction of the change that causes it.

/** A registered kind (src/timers/registry.ts); the store knows none by name. */
export type TimerKind = string;
export type Timer = Selectable<TimerRow>;

export const pendingKeyOf = (kind: TimerKind, incidentNumber: number): string => `${kind}:${incidentNumber}`;

/**
 * Schedules (or moves) the incident's waiting timer of `kind`. The unique pending_key makes this an
 * upsert: a second snooze moves the due time, a new escalation step replaces the old one.
 */
export async function schedule(
  db: Kysely<DB>,
  t: { kind: TimerKind; incidentNumber: number; dueAt: number; data?: unknown },
  now: number,
): Promise<void> {
  const data = t.data === undefined ? null : JSON.stringify(t.data);
  await db
    .insertInto('timers')
    .values({
      kind: t.kind,
      incident_number: t.incidentNumber,
      due_at: t.dueAt,
      data,
      status: 'pending',
      pending_key: pendingKeyOf(t.kind, t.incidentNumber),
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('pending_key').doUpdateSet({ due_at: t.dueAt, data, attempts: 0, last_error: null, updated_at: now }))
    .execute();
}

/** Cancels the incident's waiting timers of these kinds; returns how many there were. */
export async function cancel(db: Kysely<DB>, incidentNumber: number, kinds: readonly TimerKind[], now: number): Promise<number> {
  // Every ack, snooze and resolve cancels one kind (a card click's transaction): prepared.
  if (kinds.length === 1) return cancelOfKind.affectedRows(db, { incidentNumber, kind: kinds[0], now });
  const res = await db
    .updateTable('timers')
    .set({ status: 'cancelled', pending_key: null, done_at: now, updated_at: now })
    .where('incident_number', '=', incidentNumber)
    .where('kind', 'in', [...kinds])
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

const cancelOfKind = prepare(
  'cancel the waiting timer of a kind',
  { incidentNumber: param<number>(), kind: param<string>(), now: param<number>(2) },
  (db, p) =>
    db
      .updateTable('timers')
      .set({ status: 'cancelled', pending_key: null, done_at: p.now, updated_at: p.now })
      .where('incident_number', '=', p.incidentNumber)
      .where('kind', '=', p.kind)
      .where('status', '=', 'pending'),
);

/**
 * Up to `limit` due timers not in `skip`, earliest first, locked for this transaction. On
 * PostgreSQL `FOR UPDATE SKIP LOCKED` hands each row to one replica at a time, and a replica that
 * dies mid-fire loses its connection, so PostgreSQL rolls back and unlocks at once: no claim has to
 * expire. SQLite has one writer at a time; markFired's conditional update is the check there.
 */
export async function dueTimers(
  db: Kysely<DB>,
  now: number,
  postgres: boolean,
  skip: ReadonlySet<number>,
  limit: number,
  /** Just this timer (if due). */
  only?: number,
): Promise<Timer[]> {
  let q = db
    .selectFrom('timers')
    .selectAll()
    .where('status', '=', 'pending')
    .where('due_at', '<=', now)
    .orderBy('due_at')
    .orderBy('id')
    .limit(limit);
  if (skip.size) q = q.where('id', 'not in', [...skip]);
  if (only !== undefined) q = q.where('id', '=', only);
  // One timer named (a failed group's, fired again alone) waits for another transaction that may
  // hold it; a scan skips what others hold.
  if (postgres) q = only === undefined ? q.forUpdate().skipLocked() : q.forUpdate();
  return q.execute();
}

/** Marks the timers fired, those still waiting; returns their ids (the others were fired or cancelled meanwhile). */
export async function markFired(db: Kysely<DB>, ids: readonly number[], owner: string, now: number): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .updateTable('timers')
    .set({ status: 'done', pending_key: null, fired_by: owner, done_at: now, updated_at: now })
    .where('id', 'in', [...ids])
    .where('status', '=', 'pending')
    .returning('id')
    .execute();
  return new Set(rows.map((r) => Number(r.id)));
}

/** After a failed fire (rolled back): try again at `retryAt`, or give up after too many attempts. */
export async function markFailedAttempt(db: Kysely<DB>, id: number, error: string, retryAt: number | null, now: number): Promise<void> {
  await db
    .updateTable('timers')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_error: error.slice(0, 1000),
      updated_at: now,
      ...(retryAt === null ? { status: 'failed', pending_key: null, done_at: now } : { due_at: retryAt }),
    }))
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

/** When the next waiting timer is due (for the scanner's sleep), or null. */
export async function earliestDue(db: Kysely<DB>): Promise<number | null> {
  const r = await db
    .selectFrom('timers')
    .select((eb) => eb.fn.min<number>('due_at').as('due'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return r?.due == null ? null : Number(r.due);
}

/** Deletes fired/cancelled timers older than `before` (the timeline is the record, not this table). */
export async function purgeFinished(db: Kysely<DB>, before: number): Promise<number> {
  const res = await db.deleteFrom('timers').where('status', '!=', 'pending').where('done_at', '<', before).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** The waiting escalation timer of an incident (due time and step data), or null. */
export async function escalateTimerOf(db: Kysely<DB>, incidentNumber: number): Promise<{ due_at: number; data: string | null } | null> {
  const r = await db
    .selectFrom('timers')
    .select(['due_at', 'data'])
    .where('pending_key', '=', pendingKeyOf('escalate', incidentNumber))
    .executeTakeFirst();
  return r ?? null;
}

/** Schedules the kind's waiting timer of `incidentNumber` at `dueAt` unless one is waiting already (a daily job: a restart keeps its time). */
export async function scheduleIfAbsent(db: Kysely<DB>, t: { kind: TimerKind; incidentNumber: number; dueAt: number }, now: number): Promise<boolean> {
  const r = await db
    .insertInto('timers')
    .values({
      kind: t.kind,
      incident_number: t.incidentNumber,
      due_at: t.dueAt,
      data: null,
      status: 'pending',
      pending_key: pendingKeyOf(t.kind, t.incidentNumber),
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('pending_key').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}
