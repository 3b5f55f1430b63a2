import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type {
  ActionKind,
  Incident,
  IncidentStatus,
  Severity,
  Stamp,
  TimelineEntry,
  Via,
} from '../incident/types.ts';
import { param, prepare, type PreparedQuery, fixedLimit } from './prepared.ts';
export { alertFromRow, alertRowsOf, alertToRow, upsertAlerts } from './alert-repo.ts';
import type { DB, IncidentRow, TimelineRow } from './schema.ts';

// Incidents, their alerts (alert-repo.ts, re-exported here), timeline and raw payloads. Row ↔
// domain mapping happens in these two files and nowhere else. Every function takes the executor
// (db or trx) first so callers choose the transaction; `lock` adds FOR UPDATE, which only
// PostgreSQL understands (SQLite transactions are already serialised by kysely's single connection).

type Db = Kysely<DB>;

const stampOf = (id: number | null, name: string | null, at: number | null): Stamp | null =>
  name !== null && at !== null ? { id, name, at } : null;

export function incidentFromRow(r: Selectable<IncidentRow>): Incident {
  return {
    number: r.number,
    sourceId: r.source_id,
    groupKey: r.group_key,
    openKey: r.open_key,
    title: r.title,
    description: r.description,
    status: r.status as IncidentStatus,
    severity: r.severity as Severity,
    labels: JSON.parse(r.labels),
    links: JSON.parse(r.links),
    snoozedUntil: r.snoozed_until,
    snoozedBy: stampOf(r.snoozed_by, r.snoozed_by_name, r.snoozed_at),
    ackedBy: stampOf(r.acked_by, r.acked_by_name, r.acked_at),
    ackedUntil: r.acked_until == null ? null : Number(r.acked_until),
    resolvedBy: stampOf(r.resolved_by, r.resolved_by_name, r.resolved_at),
    lastAction: {
      kind: r.last_action as ActionKind,
      by: { id: r.last_action_by, name: r.last_action_by_name, at: r.last_action_at },
      via: r.last_action_via as Via,
    },
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function incidentToRow(i: Incident): Omit<Insertable<IncidentRow>, 'number'> {
  return {
    source_id: i.sourceId,
    group_key: i.groupKey,
    open_key: i.openKey,
    title: i.title,
    description: i.description,
    status: i.status,
    severity: i.severity,
    labels: JSON.stringify(i.labels),
    links: JSON.stringify(i.links),
    snoozed_until: i.snoozedUntil,
    snoozed_by: i.snoozedBy?.id ?? null,
    snoozed_by_name: i.snoozedBy?.name ?? null,
    snoozed_at: i.snoozedBy?.at ?? null,
    acked_by: i.ackedBy?.id ?? null,
    acked_by_name: i.ackedBy?.name ?? null,
    acked_at: i.ackedBy?.at ?? null,
    acked_until: i.ackedUntil ?? null,
    resolved_by: i.resolvedBy?.id ?? null,
    resolved_by_name: i.resolvedBy?.name ?? null,
    resolved_at: i.resolvedBy?.at ?? null,
    last_action: i.lastAction.kind,
    last_action_by: i.lastAction.by.id,
    last_action_by_name: i.lastAction.by.name,
    last_action_via: i.lastAction.via,
    last_action_at: i.lastAction.by.at,
    version: i.version,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
  };
}

// Every ingest reads its group's open incident (prepared: see prepared.ts).
const openIncidentByKey = prepare('open incident of a group', { openKey: param<string>() }, (db, p) =>
  db.selectFrom('incidents').selectAll().where('open_key', '=', p.openKey),
);
const openIncidentByKeyForUpdate = prepare('open incident of a group for update', { openKey: param<string>() }, (db, p) =>
  db.selectFrom('incidents').selectAll().where('open_key', '=', p.openKey).forUpdate(),
);

export async function findOpenIncident(db: Db, openKey: string, lock: boolean): Promise<Incident | null> {
  const row = await (lock ? openIncidentByKeyForUpdate : openIncidentByKey).first(db, { openKey });
  return row ? incidentFromRow(row) : null;
}

// Every click and command reads its incident by number (prepared: see prepared.ts); with `lock`
// (PostgreSQL) FOR UPDATE, a statement of its own.
const incidentByNumber = prepare('incident by number', { number: param<number>() }, (db, p) =>
  db.selectFrom('incidents').selectAll().where('number', '=', p.number),
);
const incidentByNumberForUpdate = prepare('incident by number for update', { number: param<number>() }, (db, p) =>
  db.selectFrom('incidents').selectAll().where('number', '=', p.number).forUpdate(),
);

export async function getIncident(db: Db, number: number, lock: boolean): Promise<Incident | null> {
  const row = await (lock ? incidentByNumberForUpdate : incidentByNumber).first(db, { number });
  return row ? incidentFromRow(row) : null;
}

/**
 * The incidents among `numbers` that no other transaction holds, read and locked for this one
 * (PostgreSQL: FOR UPDATE SKIP LOCKED, so the caller never waits behind an ack in progress; SQLite:
 * all of them, its transactions are serialised anyway). The timer scanner's batch takes them this way.
 */
export async function lockFreeIncidents(db: Db, numbers: readonly number[], postgres: boolean): Promise<Map<number, Incident>> {
  if (numbers.length === 0) return new Map();
  let q = db.selectFrom('incidents').selectAll().where('number', 'in', [...numbers]);
  if (postgres) q = q.forUpdate().skipLocked();
  return new Map((await q.execute()).map((r) => [Number(r.number), incidentFromRow(r)]));
}

export async function isGroupOpen(db: Db, openKey: string): Promise<boolean> {
  return !!(await db.selectFrom('incidents').select('number').where('open_key', '=', openKey).executeTakeFirst());
}

/**
 * Inserts a new incident and returns its number, or null when another transaction opened the same
 * group first (open_key is unique): the caller then joins that one instead of failing.
 */
export async function insertIncident(db: Db, i: Incident): Promise<number | null> {
  const row = incidentToRow(i) as Record<string, unknown>;
  // As kysely's values() does, a column whose value is undefined is left out.
  const columns = Object.keys(row).filter((c) => row[c] !== undefined);
  const prepared = incidentInsert(columns);
  const inserted = prepared ? await prepared.first(db, row) : await buildIncidentInsert(db, row, columns).executeTakeFirst();
  return inserted ? inserted.number : null;
}

function buildIncidentInsert(db: Db, p: Record<string, unknown>, columns: readonly string[]) {
  return db
    .insertInto('incidents')
    .values(Object.fromEntries(columns.map((c) => [c, p[c]])) as unknown as Insertable<IncidentRow>)
    .onConflict((oc) => oc.column('open_key').doNothing())
    .returning('number');
}

/** The prepared INSERT of each set of columns (in practice one: incidentToRow's); past a few, the builder. */
const insertShapes = new Map<string, PreparedQuery<Record<string, unknown>, { number: number }>>();

function incidentInsert(columns: string[]): PreparedQuery<Record<string, unknown>, { number: number }> | undefined {
  const key = columns.join(',');
  let q = insertShapes.get(key);
  if (!q && insertShapes.size < 8) {
    const params: Record<string, ReturnType<typeof param>> = {};
    for (const c of columns) params[c] = param();
    q = prepare(`insert incident (${key})`, params, (db, p) => buildIncidentInsert(db, p, columns));
    insertShapes.set(key, q);
  }
  return q;
}

/**
 * Stores `next` if the row still has `expectedVersion`; false when someone else changed it first.
 * With `previous` (the row as read), only the columns that changed are written, so indexes on the
 * others are left alone.
 */
export async function updateIncident(db: Db, next: Incident, expectedVersion: number, previous?: Incident): Promise<boolean> {
  const { source_id: _s, group_key: _g, created_at: _c, ...all } = incidentToRow(next);
  let changes: Partial<typeof all> = all;
  if (previous) {
    const before = incidentToRow(previous) as Record<string, unknown>;
    changes = Object.fromEntries(Object.entries(all).filter(([k, v]) => v !== before[k]));
    if (Object.keys(changes).length === 0) changes = { version: all.version };
  }
  // As kysely's set() does, a column whose value is undefined is left out.
  const columns = Object.keys(changes).filter((c) => changes[c as keyof typeof changes] !== undefined);
  const values: UpdateValues = { ...changes, whereNumber: next.number, whereVersion: expectedVersion };
  const prepared = incidentUpdate(columns);
  const updated = prepared
    ? await prepared.affectedRows(db, values)
    : Number((await buildIncidentUpdate(db, values, columns).executeTakeFirst()).numUpdatedRows);
  return updated === 1;
}

type UpdateValues = Record<string, unknown>;

function buildIncidentUpdate(db: Db, p: UpdateValues, columns: readonly string[]) {
  return db
    .updateTable('incidents')
    .set(Object.fromEntries(columns.map((c) => [c, p[c]])))
    .where('number', '=', p.whereNumber as number)
    .where('version', '=', p.whereVersion as number);
}

/**
 * One prepared UPDATE per set of changed columns. The columns come in incidentToRow's order, so
 * the joined names are a canonical key of the set; a transition writes one of a few sets (ack:
 * status, acked_*, last_action_*, version, updated_at; …). Past MAX_UPDATE_SHAPES distinct sets
 * (which real use does not reach) the rest go through kysely's builder, uncached.
 */
const updateShapes = new Map<string, PreparedQuery<UpdateValues, unknown>>();
const MAX_UPDATE_SHAPES = 64;

function incidentUpdate(columns: string[]): PreparedQuery<UpdateValues, unknown> | undefined {
  const key = columns.join(',');
  let q = updateShapes.get(key);
  if (!q && updateShapes.size < MAX_UPDATE_SHAPES) {
    const params: Record<string, ReturnType<typeof param>> = { whereNumber: param<number>(), whereVersion: param<number>() };
    for (const c of columns) params[c] = param();
    q = prepare(`update incident (${key})`, params, (db, p) => buildIncidentUpdate(db, p, columns));
    updateShapes.set(key, q);
  }
  return q;
}

export type NewTimelineEntry = Omit<Insertable<TimelineRow>, 'id'>;

// A transition writes one entry (prepared); ingest may write several in one statement.
const insertOneTimeline = prepare(
  'insert timeline entry',
  {
    incident_number: param<number>(),
    at: param<number>(),
    kind: param<string>(),
    via: param<string>(),
    actor_id: param<number | null>(),
    actor_name: param<string | null>(),
    message: param<string>(),
    data: param<string | null>(),
  },
  (db, p) => db.insertInto('timeline').values(p),
);

export async function insertTimeline(db: Db, entries: NewTimelineEntry[]): Promise<void> {
  if (entries.length === 1) {
    const e = entries[0];
    await insertOneTimeline.execute(db, {
      incident_number: e.incident_number,
      at: e.at,
      kind: e.kind,
      via: e.via,
      actor_id: e.actor_id ?? null,
      actor_name: e.actor_name ?? null,
      message: e.message,
      data: e.data ?? null,
    });
  } else if (entries.length) await db.insertInto('timeline').values(entries).execute();
}

export function timelineFromRow(r: Selectable<TimelineRow>): TimelineEntry {
  return {
    id: r.id,
    incidentNumber: r.incident_number,
    at: r.at,
    kind: r.kind,
    via: r.via as Via,
    actorId: r.actor_id,
    actorName: r.actor_name,
    message: r.message,
    data: r.data === null ? null : JSON.parse(r.data),
  };
}

export async function timelineOf(db: Db, incidentNumber: number, limit = 1000): Promise<TimelineEntry[]> {
  const rows = await db
    .selectFrom('timeline')
    .selectAll()
    .where('incident_number', '=', incidentNumber)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(timelineFromRow);
}

const payloadParams = { source_id: param<number>(), incident_number: param<number | null>(), received_at: param<number>(), body: param<string>() };
const insertOnePayload = prepare('insert payload', payloadParams, (db, p) => db.insertInto('payloads').values(p));

/**
 * Keeps a raw payload, then drops the oldest beyond `keep` for the same incident (or, for payloads
 * that opened nothing, the same source) so the table stays bounded however chatty a sender is.
 */
export async function insertPayload(
  db: Db,
  p: { sourceId: number; incidentNumber: number | null; receivedAt: number; body: string },
  keep: number,
  /** False when the scope is known to hold just this payload (a new incident): saves two statements on the hot path. */
  prune = true,
): Promise<void> {
  await insertOnePayload.execute(db, { source_id: p.sourceId, incident_number: p.incidentNumber, received_at: p.receivedAt, body: p.body });
  if (!prune) return;
  const scope = (q: any) =>
    p.incidentNumber === null
      ? q.where('source_id', '=', p.sourceId).where('incident_number', 'is', null)
      : q.where('incident_number', '=', p.incidentNumber);
  const cutoff = await scope(db.selectFrom('payloads').select('id'))
    .orderBy('id', 'desc')
    .offset(keep)
    .limit(fixedLimit(1))
    .executeTakeFirst();
  if (cutoff) await scope(db.deleteFrom('payloads')).where('id', '<=', cutoff.id).execute();
}

export async function payloadCount(db: Db, incidentNumber: number): Promise<number> {
  const r = await db
    .selectFrom('payloads')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('incident_number', '=', incidentNumber)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export interface ListQuery {
  statuses: IncidentStatus[] | null;
  limit: number;
  /** Only incidents numbered below this (keyset pagination, newest first). */
  before: number | null;
}

export async function listIncidents(db: Db, q: ListQuery): Promise<{ incident: Incident; sourceName: string }[]> {
  // Issue 28: open incidents are found through the (status, number) index and sorted (`+number`: not
  // by walking all history newest first); the source name is a subquery, not a join from sources.
  const fewRows = q.statuses !== null && !q.statuses.includes('resolved');
  let query = db
    .selectFrom('incidents')
    .selectAll('incidents')
    .select((eb) => eb.selectFrom('sources').select('sources.name').whereRef('sources.id', '=', 'incidents.source_id').as('source_name'))
    .orderBy(fewRows ? sql`+incidents.number` : 'incidents.number', 'desc')
    .limit(q.limit);
  if (q.statuses) query = query.where('incidents.status', 'in', q.statuses);
  if (q.before !== null) query = query.where('incidents.number', '<', q.before);
  const rows = await query.execute();
  return rows.map(({ source_name, ...r }) => ({ incident: incidentFromRow(r), sourceName: source_name ?? '' }));
}

/** Numbers of open incidents whose snooze has ended by `now`, oldest first. */
export async function dueSnoozes(db: Db, now: number, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('incidents')
    .select('number')
    .where('snoozed_until', '<=', now)
    .where('status', '!=', 'resolved')
    .orderBy('snoozed_until')
    .limit(limit)
    .execute();
  return rows.map((r) => r.number);
}

/** An incident's severity (for outbox priorities), or null when there is no such incident. */
export async function severityOf(db: Db, number: number): Promise<string | null> {
  const r = await db.selectFrom('incidents').select('severity').where('number', '=', number).executeTakeFirst();
  return r?.severity ?? null;
}

/**
 * Locks the incident row for this transaction (PostgreSQL; SQLite has one writer): a change
 * committing meanwhile is either seen by the caller or sees what the caller wrote.
 */
export async function lockIncident(db: Db, number: number, postgres: boolean): Promise<void> {
  if (postgres) await sql`select number from incidents where number = ${number} for update`.execute(db);
}
