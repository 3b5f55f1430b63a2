import { sql, type Kysely, type OnConflictBuilder, type Selectable } from 'kysely';
import { param, prepare } from './prepared.ts';
import { keep } from './write-batch.ts';
import type { DB, OutboxRow } from './schema.ts';

// The outbox table's operations. Every function takes the db or transaction to use as its first
// argument, so the listener writes rows inside the change's transaction.

export type OutboxEntry = Selectable<OutboxRow>;
export type TargetType = 'chat_id' | 'open_id';
export type Subject = 'incident' | 'storm' | 'card' | 'maintenance';
/** An `urgent` row for an unread page (issue 25): dropped if the person reads it first. */
export const UNSEEN_SUBJECT = 'unseen';

export interface SendRequest {
  subject: Subject;
  incidentNumber?: number | null;
  stormId?: number | null;
  targetType: TargetType;
  targetId: string;
  targetName?: string | null;
  /** Subject 'maintenance': the maintenance card (maintenance_cards.id). */
  maintenanceCardId?: number | null;
  /** Pre-rendered card (subject 'card'). */
  card?: object | null;
  priority: number;
  /** At most one pending row per key; a second request only bumps `gen`. */
  pendingKey?: string | null;
  /** A private incident card: the Lark urgent notice to raise on it once delivered. */
  urgent?: string | null;
}

export interface PatchRequest {
  subject: 'incident' | 'storm' | 'maintenance';
  incidentNumber?: number | null;
  stormId?: number | null;
  maintenanceCardId?: number | null;
  messageId: string;
  targetType: TargetType;
  targetId: string;
  targetName?: string | null;
  priority: number;
}

/** What every new row starts as: pending, due now, with no lease, error or result yet. */
function waitingFrom(now: number) {
  return {
    status: 'pending',
    next_attempt_at: now,
    lease_owner: null,
    lease_until: null,
    last_error: null,
    result_message_id: null,
    created_at: now,
    updated_at: now,
    done_at: null,
  } as const;
}

/** A second request for a key that already has a waiting row only bumps its `gen` (markDone's checkGen). */
function coalesced(now: number) {
  return (oc: OnConflictBuilder<DB, 'outbox'>) => oc.column('pending_key').doUpdateSet((eb) => ({ gen: eb('outbox.gen', '+', 1), updated_at: now }));
}

/** The rate-limit bucket of a row: Lark limits sends per group or per user, and updates per message (docs/lark-notes.md §6). */
export function rateKeyOf(op: 'send' | 'patch', targetType: TargetType, targetId: string, messageId?: string | null): string {
  if (op === 'patch') return `msg:${messageId}`;
  return targetType === 'chat_id' ? `chat:${targetId}` : `user:${targetId}`;
}

export async function enqueueSend(db: Kysely<DB>, r: SendRequest, now: number): Promise<void> {
  const row = {
    op: 'send',
    subject: r.subject,
    incident_number: r.incidentNumber ?? null,
    storm_id: r.stormId ?? null,
    target_type: r.targetType,
    target_id: r.targetId,
    target_name: r.targetName ?? null,
    message_id: null,
    card: r.card ? JSON.stringify(r.card) : null,
    rate_key: rateKeyOf('send', r.targetType, r.targetId),
    priority: r.priority,
    pending_key: r.pendingKey ?? null,
    ...waitingFrom(now),
    ...(r.urgent ? { urgent: r.urgent } : {}),
    ...(r.maintenanceCardId ? { maintenance_card_id: r.maintenanceCardId } : {}),
  };
  // A page to one person in a group of escalation steps fired together is written with the
  // group's others (write-batch.ts). Sends to a group are read back in the step (does the group
  // have the card yet?), and a keyed send is an upsert: both are written at once.
  if (!r.pendingKey && r.targetType === 'open_id' && keep(db, 'outbox', row)) return;
  const q = db.insertInto('outbox').values(row);
  if (r.pendingKey) {
    await q.onConflict(coalesced(now)).execute();
  } else {
    await q.execute();
  }
}

/**
 * A card update, coalesced: while a patch of the message is pending, a new request only bumps
 * `gen` (the worker renders the current state when it sends, so three quick changes are one patch;
 * a worker that rendered an older gen leaves the row pending for one more round).
 */
/** A card copy's pending patch row is keyed `patch:<message_id>` (at most one waits per copy). */
export const PATCH_KEY_PREFIX = 'patch:';

export async function enqueuePatch(db: Kysely<DB>, r: PatchRequest, now: number): Promise<void> {
  await insertPatch.execute(db, {
    subject: r.subject,
    incidentNumber: r.incidentNumber ?? null,
    stormId: r.stormId ?? null,
    maintenanceCardId: r.maintenanceCardId ?? null,
    targetType: r.targetType,
    targetId: r.targetId,
    targetName: r.targetName ?? null,
    messageId: r.messageId,
    rateKey: rateKeyOf('patch', r.targetType, r.targetId, r.messageId),
    priority: r.priority,
    pendingKey: `${PATCH_KEY_PREFIX}${r.messageId}`,
    now,
  });
}

// Every change queues a patch of each other copy of its card: prepared (see store/prepared.ts).
const insertPatch = prepare(
  'enqueue patch',
  {
    subject: param<string>(),
    incidentNumber: param<number | null>(),
    stormId: param<number | null>(),
    maintenanceCardId: param<number | null>(),
    targetType: param<string>(),
    targetId: param<string>(),
    targetName: param<string | null>(),
    messageId: param<string>(),
    rateKey: param<string>(),
    priority: param<number>(),
    pendingKey: param<string>(),
    /** next_attempt_at, created_at, updated_at, and updated_at again on conflict. */
    now: param<number>(4),
  },
  (db, p) =>
    db
      .insertInto('outbox')
      .values({
        op: 'patch',
        subject: p.subject,
        incident_number: p.incidentNumber,
        storm_id: p.stormId,
        maintenance_card_id: p.maintenanceCardId,
        target_type: p.targetType,
        target_id: p.targetId,
        target_name: p.targetName,
        message_id: p.messageId,
        card: null,
        rate_key: p.rateKey,
        priority: p.priority,
        pending_key: p.pendingKey,
        ...waitingFrom(p.now),
      })
      .onConflict(coalesced(p.now)),
);

export interface ClaimOptions {
  owner: string;
  now: number;
  leaseMs: number;
  limit: number;
  /** At most this many rows of one rate key in one claim (a chat gets ≤ 5 sends a second anyway). */
  perKey: number;
  /**
   * Rows to leave alone this round (this worker already has enough of their kind in flight). Asked
   * once per candidate, in claim order (priority, then id).
   */
  skip?: (rateKey: string, priority: number) => boolean;
  postgres: boolean;
}

/**
 * Claims due rows with a lease: priority, then id. A row is claimable while pending, due and not
 * leased (or its lease ran out: the worker that held it died). The UPDATE re-checks that
 * condition, so two workers or replicas never hold one row at once; on PostgreSQL the inner
 * SELECT … FOR UPDATE SKIP LOCKED also keeps them from waiting on each other.
 */
export async function claim(db: Kysely<DB>, o: ClaimOptions): Promise<OutboxEntry[]> {
  const candidates = await sql<{ id: number; rate_key: string; priority: number }>`
    select id, rate_key, priority from (
      select id, rate_key, priority,
             row_number() over (partition by rate_key order by priority, id) as rn
      from outbox
      where status = 'pending' and next_attempt_at <= ${o.now} and (lease_until is null or lease_until < ${o.now})
    ) c
    where rn <= ${o.perKey}
    order by priority, id
    limit ${o.limit * 4}`.execute(db);
  const ids: number[] = [];
  const perKey = new Map<string, number>();
  for (const c of candidates.rows) {
    if (ids.length >= o.limit) break;
    if (o.skip?.(c.rate_key, Number(c.priority))) continue;
    ids.push(Number(c.id));
    perKey.set(c.rate_key, (perKey.get(c.rate_key) ?? 0) + 1);
  }
  if (!ids.length) return [];
  const rows = await db
    .updateTable('outbox')
    .set({ lease_owner: o.owner, lease_until: o.now + o.leaseMs, updated_at: o.now })
    .where((eb) =>
      o.postgres
        ? eb('id', 'in', eb.selectFrom('outbox as o').select('o.id').where('o.id', 'in', ids).forUpdate().skipLocked())
        : eb('id', 'in', ids),
    )
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', o.now)]))
    .returningAll()
    .execute();
  return rows.sort((a, b) => a.priority - b.priority || a.id - b.id);
}

/**
 * Confirms and extends this worker's lease right before the Lark call: false when the lease ran
 * out and another worker took the row (it will send it, with the same uuid).
 */
export async function renewLease(db: Kysely<DB>, row: Pick<OutboxEntry, 'id'>, owner: string, now: number, leaseMs: number): Promise<boolean> {
  const res = await db
    .updateTable('outbox')
    .set({ lease_until: now + leaseMs })
    .where('id', '=', row.id)
    .where('status', '=', 'pending')
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Finished. For a coalesced row, only if no newer request arrived since it was claimed (`gen`). */
export async function markDone(
  db: Kysely<DB>,
  row: Pick<OutboxEntry, 'id' | 'gen'>,
  now: number,
  opts: { resultMessageId?: string | null; checkGen?: boolean } = {},
): Promise<boolean> {
  let q = db
    .updateTable('outbox')
    .set({
      status: 'done',
      pending_key: null,
      lease_owner: null,
      lease_until: null,
      done_at: now,
      updated_at: now,
      result_message_id: opts.resultMessageId ?? null,
    })
    .where('id', '=', row.id)
    .where('status', '=', 'pending');
  if (opts.checkGen) q = q.where('gen', '=', row.gen);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Back to pending, due at `nextAt` (a retry, a rate limit, or a newer gen to send). */
export async function release(
  db: Kysely<DB>,
  row: Pick<OutboxEntry, 'id'>,
  owner: string,
  nextAt: number,
  now: number,
  opts: { countAttempt?: boolean; lastError?: string | null } = {},
): Promise<void> {
  await db
    .updateTable('outbox')
    .set((eb) => ({
      lease_owner: null,
      lease_until: null,
      next_attempt_at: nextAt,
      updated_at: now,
      ...(opts.countAttempt ? { attempts: eb('attempts', '+', 1) } : {}),
      ...(opts.lastError !== undefined ? { last_error: opts.lastError } : {}),
    }))
    .where('id', '=', row.id)
    .where('status', '=', 'pending')
    .where('lease_owner', '=', owner)
    .execute();
}

/** Stopped for good: `failed` (Lark refused or kept failing) or `dropped` (nothing to send any more). */
export async function markStopped(
  db: Kysely<DB>,
  row: Pick<OutboxEntry, 'id'>,
  status: 'failed' | 'dropped',
  reason: string,
  now: number,
): Promise<boolean> {
  const res = await db
    .updateTable('outbox')
    .set({ status, pending_key: null, lease_owner: null, lease_until: null, last_error: reason, done_at: now, updated_at: now })
    .where('id', '=', row.id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Deletes finished rows older than `before` (the outbox is a queue, not an archive: the timeline is). */
export async function purgeFinished(db: Kysely<DB>, before: number): Promise<number> {
  const res = await db.deleteFrom('outbox').where('status', '!=', 'pending').where('done_at', '<', before).executeTakeFirst();
  return Number(res.numDeletedRows);
}

export async function pendingCount(db: Kysely<DB>): Promise<number> {
  const r = await db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** New incident cards queued for a chat since `since` (the storm threshold counts these). */
export async function recentIncidentSends(db: Kysely<DB>, chatId: string, since: number): Promise<number> {
  const r = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('target_id', '=', chatId)
    .where('created_at', '>', since)
    .where('op', '=', 'send')
    .where('subject', '=', 'incident')
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Random per database (written by migration 002); part of every message uuid. */
export async function installIdOf(db: Kysely<DB>): Promise<string> {
  return (await db.selectFrom('delivery_meta').select('value').where('key', '=', 'install_id').executeTakeFirstOrThrow()).value;
}

/** The `urgent` outbox row that buzzes a delivered private card (src/delivery/urgent.ts). */
export async function insertUrgent(
  db: Kysely<DB>,
  send: Pick<OutboxEntry, 'incident_number' | 'target_id' | 'target_name' | 'priority' | 'urgent'>,
  messageId: string,
  now: number,
  subject: 'incident' | typeof UNSEEN_SUBJECT = 'incident',
): Promise<void> {
  await db
    .insertInto('outbox')
    .values({
      op: 'urgent',
      subject,
      incident_number: send.incident_number,
      storm_id: null,
      target_type: 'open_id',
      target_id: send.target_id,
      target_name: send.target_name,
      message_id: messageId,
      card: null,
      // Lark limits each urgent API per app (50/s, 1000/min), not per person.
      rate_key: `urgent:${send.urgent}`,
      priority: send.priority,
      pending_key: null,
      ...waitingFrom(now),
      urgent: send.urgent,
    })
    .execute();
}

/**
 * The `feed` row (issue 25) that brings the time-sensitive mark on the bot's private chat with a
 * person in line with their pages; one waits per person (the worker reads their pages when it runs).
 */
export async function enqueueFeedCard(db: Kysely<DB>, r: { openId: string; name: string; incidentNumber: number; priority: number }, now: number): Promise<void> {
  await db
    .insertInto('outbox')
    .values({
      op: 'feed',
      subject: 'incident',
      incident_number: r.incidentNumber,
      storm_id: null,
      target_type: 'open_id',
      target_id: r.openId,
      target_name: r.name,
      message_id: null,
      card: null,
      // Lark limits the feed card API per app (50/s, 1000/min).
      rate_key: 'feed',
      priority: r.priority,
      pending_key: `feed:${r.openId}`,
      ...waitingFrom(now),
    })
    .onConflict(coalesced(now))
    .execute();
}
