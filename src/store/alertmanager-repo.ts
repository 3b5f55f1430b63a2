import type { Kysely } from 'kysely';
import type { DB, SilenceRow } from './schema.ts';

// Alertmanager both ways (issue 16), as stored: a source's Alertmanager address and heartbeat
// (columns of `sources`), an incident's silence (`silences`), and the heartbeat's durable timer
// (a `timers` row of kind "heartbeat"; see src/escalation/timers.ts for the table's rules).

export interface SourceSettings {
  readonly sourceId: number;
  readonly name: string;
  readonly kind: string;
  readonly alertmanagerUrl: string | null;
  readonly alertmanagerToken: string | null;
  readonly heartbeatMinutes: number | null;
  /** The last heartbeat ping; null until the first (a heartbeat is armed only after it). */
  readonly heartbeatAt: number | null;
}

export interface SettingsChange {
  alertmanagerUrl?: string | null;
  alertmanagerToken?: string | null;
  heartbeatMinutes?: number | null;
}

const SETTINGS = ['id', 'name', 'kind', 'alertmanager_url', 'alertmanager_token', 'heartbeat_minutes', 'heartbeat_at'] as const;

type SettingsRow = { id: number; name: string; kind: string; alertmanager_url: string | null; alertmanager_token: string | null; heartbeat_minutes: number | null; heartbeat_at: number | null };

function settingsFromRow(r: SettingsRow): SourceSettings {
  return {
    sourceId: Number(r.id),
    name: r.name,
    kind: r.kind,
    alertmanagerUrl: r.alertmanager_url,
    alertmanagerToken: r.alertmanager_token,
    heartbeatMinutes: r.heartbeat_minutes === null ? null : Number(r.heartbeat_minutes),
    heartbeatAt: r.heartbeat_at === null ? null : Number(r.heartbeat_at),
  };
}

export async function settingsByName(db: Kysely<DB>, name: string): Promise<SourceSettings | null> {
  const r = await db.selectFrom('sources').select(SETTINGS).where('name', '=', name).executeTakeFirst();
  return r ? settingsFromRow(r as SettingsRow) : null;
}

export async function settingsById(db: Kysely<DB>, id: number, forUpdate = false): Promise<SourceSettings | null> {
  let q = db.selectFrom('sources').select(SETTINGS).where('id', '=', id);
  if (forUpdate) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  return r ? settingsFromRow(r as SettingsRow) : null;
}

export async function updateSettings(db: Kysely<DB>, sourceId: number, c: SettingsChange): Promise<void> {
  const set: Record<string, unknown> = {};
  if (c.alertmanagerUrl !== undefined) set.alertmanager_url = c.alertmanagerUrl;
  if (c.alertmanagerToken !== undefined) set.alertmanager_token = c.alertmanagerToken;
  if (c.heartbeatMinutes !== undefined) set.heartbeat_minutes = c.heartbeatMinutes;
  if (Object.keys(set).length === 0) return;
  await db.updateTable('sources').set(set).where('id', '=', sourceId).execute();
}

export async function recordPing(db: Kysely<DB>, sourceId: number, at: number): Promise<void> {
  await db.updateTable('sources').set({ heartbeat_at: at }).where('id', '=', sourceId).execute();
}

export async function silenceOf(db: Kysely<DB>, incidentNumber: number): Promise<SilenceRow | null> {
  const r = await db.selectFrom('silences').selectAll().where('incident_number', '=', incidentNumber).executeTakeFirst();
  return r ? { ...r, incident_number: Number(r.incident_number), starts_at: Number(r.starts_at), ends_at: Number(r.ends_at) } : null;
}

export async function putSilence(db: Kysely<DB>, row: SilenceRow): Promise<void> {
  const { incident_number: _n, ...rest } = row;
  await db
    .insertInto('silences')
    .values(row)
    .onConflict((oc) => oc.column('incident_number').doUpdateSet(rest))
    .execute();
}

export async function deleteSilence(db: Kysely<DB>, incidentNumber: number): Promise<void> {
  await db.deleteFrom('silences').where('incident_number', '=', incidentNumber).execute();
}

// Heartbeat timers share the timers table with escalation: kind "heartbeat", one waiting per
// source (pending_key "heartbeat:<source id>"), incident_number 0 (there is no incident yet) and
// the source id in data. The scanner fires each once across replicas, as it does escalation steps.
export const HEARTBEAT_TIMER = 'heartbeat';
const heartbeatKey = (sourceId: number) => `${HEARTBEAT_TIMER}:${sourceId}`;

export async function scheduleHeartbeat(db: Kysely<DB>, sourceId: number, dueAt: number, now: number): Promise<void> {
  const data = JSON.stringify({ source_id: sourceId });
  await db
    .insertInto('timers')
    .values({ kind: HEARTBEAT_TIMER, incident_number: 0, due_at: dueAt, data, status: 'pending', pending_key: heartbeatKey(sourceId), created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('pending_key').doUpdateSet({ due_at: dueAt, data, attempts: 0, last_error: null, updated_at: now }))
    .execute();
}

export async function cancelHeartbeat(db: Kysely<DB>, sourceId: number, now: number): Promise<void> {
  await db
    .updateTable('timers')
    .set({ status: 'cancelled', pending_key: null, done_at: now, updated_at: now })
    .where('pending_key', '=', heartbeatKey(sourceId))
    .execute();
}

/** When the source's heartbeat check is due, or null when none is waiting. */
export async function heartbeatDue(db: Kysely<DB>, sourceId: number): Promise<number | null> {
  const r = await db.selectFrom('timers').select('due_at').where('pending_key', '=', heartbeatKey(sourceId)).executeTakeFirst();
  return r ? Number(r.due_at) : null;
}

/** The source id a heartbeat timer's data names, or null. */
export function heartbeatSourceOf(data: string | null): number | null {
  try {
    const id = (JSON.parse(data ?? 'null') as { source_id?: unknown } | null)?.source_id;
    return Number.isSafeInteger(id) ? (id as number) : null;
  } catch {
    return null;
  }
}
