import type { Kysely, Selectable } from 'kysely';
import { param, prepare } from './prepared.ts';
import type { DB, MaintenanceCardRow, MaintenanceRunRow, MaintenanceWindowRow } from './schema.ts';

// Maintenance windows, their runs (one per occurrence that started), the card each run has in each
// group, and the holds that keep an incident quiet during a run (issue 26). What a window means is
// src/maintenance's business; here are only its rows.

export type MaintenanceWindowRecord = Selectable<MaintenanceWindowRow> & { source_name: string };
export type MaintenanceRunRecord = Selectable<MaintenanceRunRow>;
export type MaintenanceCardRecord = Selectable<MaintenanceCardRow>;

const windowsWithSource = (db: Kysely<DB>) =>
  db.selectFrom('maintenance_windows').innerJoin('sources', 'sources.id', 'maintenance_windows.source_id').selectAll('maintenance_windows').select('sources.name as source_name');

/**
 * A window's columns as maintenance_windows keeps them (labels and recurring as JSON text, a one-off's
 * start and end in ms): what the API writes, and what a configuration file's entry is compared and written as.
 */
export type WindowColumns = { labels: string; start: number | null; end: number | null; recurring: string | null; reason: string | null };

export async function insertWindow(db: Kysely<DB>, w: WindowColumns & { sourceId: number; by: string; now: number }): Promise<number> {
  const r = await db
    .insertInto('maintenance_windows')
    .values({ source_id: w.sourceId, labels: w.labels, starts_at: w.start, ends_at: w.end, recurring: w.recurring, reason: w.reason, created_by_name: w.by, created_at: w.now, deleted_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

/** Windows not deleted, newest first (the API's list). */
export async function listWindows(db: Kysely<DB>): Promise<MaintenanceWindowRecord[]> {
  return windowsWithSource(db).where('maintenance_windows.deleted_at', 'is', null).orderBy('maintenance_windows.id', 'desc').execute();
}

/** A source's windows that are not deleted (checked on every incident it opens). */
const windowsOfSourceQuery = prepare('maintenance windows of a source', { sourceId: param<number>() }, (db, p) =>
  windowsWithSource(db).where('maintenance_windows.source_id', '=', p.sourceId).where('maintenance_windows.deleted_at', 'is', null),
);

export async function windowsOfSource(db: Kysely<DB>, sourceId: number): Promise<MaintenanceWindowRecord[]> {
  return windowsOfSourceQuery.rows(db, { sourceId });
}

export async function findWindow(db: Kysely<DB>, id: number): Promise<MaintenanceWindowRecord | null> {
  return (await windowsWithSource(db).where('maintenance_windows.id', '=', id).executeTakeFirst()) ?? null;
}

/** Marks the window deleted; false when it already was (or never existed). */
export async function deleteWindow(db: Kysely<DB>, id: number, now: number): Promise<boolean> {
  const r = await db.updateTable('maintenance_windows').set({ deleted_at: now }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The run of this occurrence, made if it did not exist (whoever comes first: the start timer or an alert). */
export async function ensureRun(db: Kysely<DB>, windowId: number, occ: { start: number; end: number }, now: number): Promise<MaintenanceRunRecord> {
  await db
    .insertInto('maintenance_runs')
    .values({ window_id: windowId, occurrence_start: occ.start, occurrence_end: occ.end, started_at: now, ended_at: null, ended_by: null })
    .onConflict((oc) => oc.columns(['window_id', 'occurrence_start']).doNothing())
    .execute();
  return db.selectFrom('maintenance_runs').selectAll().where('window_id', '=', windowId).where('occurrence_start', '=', occ.start).executeTakeFirstOrThrow();
}

export async function findRun(db: Kysely<DB>, windowId: number, occurrenceStart: number): Promise<MaintenanceRunRecord | null> {
  return (await db.selectFrom('maintenance_runs').selectAll().where('window_id', '=', windowId).where('occurrence_start', '=', occurrenceStart).executeTakeFirst()) ?? null;
}

export async function getRun(db: Kysely<DB>, id: number): Promise<MaintenanceRunRecord | null> {
  return (await db.selectFrom('maintenance_runs').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/** Ends the run once: false when it had already ended (another replica, or ended early). */
export async function endRun(db: Kysely<DB>, id: number, now: number, by: string | null): Promise<boolean> {
  const r = await db.updateTable('maintenance_runs').set({ ended_at: now, ended_by: by }).where('id', '=', id).where('ended_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function addRunAlerts(db: Kysely<DB>, id: number, n: number): Promise<void> {
  if (n > 0) await db.updateTable('maintenance_runs').set((eb) => ({ alerts: eb('alerts', '+', n) })).where('id', '=', id).execute();
}

/** The run's card in a chat; null when it already had one. */
export async function insertCard(db: Kysely<DB>, runId: number, chatId: string, chatName: string | null): Promise<number | null> {
  const r = await db
    .insertInto('maintenance_cards')
    .values({ run_id: runId, chat_id: chatId, chat_name: chatName, message_id: null, rendered_hash: null })
    .onConflict((oc) => oc.columns(['run_id', 'chat_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return r ? Number(r.id) : null;
}

export async function cardsOfRun(db: Kysely<DB>, runId: number): Promise<MaintenanceCardRecord[]> {
  return db.selectFrom('maintenance_cards').selectAll().where('run_id', '=', runId).orderBy('id').execute();
}

export async function findCard(db: Kysely<DB>, id: number): Promise<MaintenanceCardRecord | null> {
  return (await db.selectFrom('maintenance_cards').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function recordCardMessage(db: Kysely<DB>, id: number, messageId: string, hash: string): Promise<void> {
  await db.updateTable('maintenance_cards').set({ message_id: messageId, rendered_hash: hash }).where('id', '=', id).execute();
}

export async function setCardRendered(db: Kysely<DB>, id: number, hash: string): Promise<void> {
  await db.updateTable('maintenance_cards').set({ rendered_hash: hash }).where('id', '=', id).execute();
}

/** The run holding the incident quiet, or null. */
export async function activeHold(db: Kysely<DB>, incidentNumber: number): Promise<number | null> {
  const r = await db.selectFrom('maintenance_holds').select('run_id').where('incident_number', '=', incidentNumber).where('released_at', 'is', null).executeTakeFirst();
  return r ? Number(r.run_id) : null;
}

export async function insertHold(db: Kysely<DB>, incidentNumber: number, runId: number, now: number): Promise<void> {
  await db
    .insertInto('maintenance_holds')
    .values({ incident_number: incidentNumber, run_id: runId, first_run_id: runId, created_at: now, released_at: null })
    .onConflict((oc) => oc.column('incident_number').doUpdateSet({ run_id: runId, released_at: null }))
    .execute();
}

/** Incidents held by the run and not yet released, with their state. */
export async function heldByRun(db: Kysely<DB>, runId: number): Promise<{ number: number; status: string; source_id: number; labels: string }[]> {
  const rows = await db
    .selectFrom('maintenance_holds')
    .innerJoin('incidents', 'incidents.number', 'maintenance_holds.incident_number')
    .select(['incidents.number', 'incidents.status', 'incidents.source_id', 'incidents.labels'])
    .where('maintenance_holds.run_id', '=', runId)
    .where('maintenance_holds.released_at', 'is', null)
    .orderBy('incidents.number')
    .execute();
  return rows.map((r) => ({ ...r, number: Number(r.number), source_id: Number(r.source_id) }));
}

export async function moveHold(db: Kysely<DB>, incidentNumber: number, runId: number): Promise<void> {
  await db.updateTable('maintenance_holds').set({ run_id: runId }).where('incident_number', '=', incidentNumber).execute();
}

export async function releaseHold(db: Kysely<DB>, incidentNumber: number, now: number): Promise<void> {
  await db.updateTable('maintenance_holds').set({ released_at: now }).where('incident_number', '=', incidentNumber).where('released_at', 'is', null).execute();
}

/** Incidents opened during the run (the card's count), with their state, newest last. */
export async function incidentsOfRun(db: Kysely<DB>, runId: number): Promise<{ number: number; title: string; status: string; severity: string }[]> {
  const rows = await db
    .selectFrom('maintenance_holds')
    .innerJoin('incidents', 'incidents.number', 'maintenance_holds.incident_number')
    .select(['incidents.number', 'incidents.title', 'incidents.status', 'incidents.severity'])
    .where('maintenance_holds.first_run_id', '=', runId)
    .orderBy('incidents.number')
    .execute();
  return rows.map((r) => ({ ...r, number: Number(r.number) }));
}

// A window's start and end are rows of the timers table (fired by escalation's scanner), one
// waiting row per window and kind: "maintenance_start:<id>", "maintenance_end:<id>".
export type MaintenanceTimerKind = 'maintenance_start' | 'maintenance_end';
export const maintenanceTimerKey = (kind: MaintenanceTimerKind, windowId: number) => `${kind}:${windowId}`;

export async function scheduleMaintenanceTimer(db: Kysely<DB>, kind: MaintenanceTimerKind, windowId: number, dueAt: number, data: unknown, now: number): Promise<void> {
  const text = JSON.stringify(data);
  await db
    .insertInto('timers')
    .values({ kind, incident_number: 0, due_at: dueAt, data: text, status: 'pending', pending_key: maintenanceTimerKey(kind, windowId), created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('pending_key').doUpdateSet({ due_at: dueAt, data: text, attempts: 0, last_error: null, updated_at: now }))
    .execute();
}

export async function cancelMaintenanceTimers(db: Kysely<DB>, windowId: number, now: number, kinds: readonly MaintenanceTimerKind[]): Promise<void> {
  await db
    .updateTable('timers')
    .set({ status: 'cancelled', pending_key: null, done_at: now, updated_at: now })
    .where('pending_key', 'in', kinds.map((k) => maintenanceTimerKey(k, windowId)))
    .where('status', '=', 'pending')
    .execute();
}
