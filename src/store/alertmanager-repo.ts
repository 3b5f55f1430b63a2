import type { Kysely } from 'kysely';
import type { DB, SilenceAttemptRow, SilenceRow } from './schema.ts';

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
  /** Label names every silence of this source must match on (default ["alertname"]). */
  readonly silenceLabels: readonly string[];
}

export const DEFAULT_SILENCE_LABELS: readonly string[] = ['alertname'];

export interface SettingsChange {
  alertmanagerUrl?: string | null;
  alertmanagerToken?: string | null;
  heartbeatMinutes?: number | null;
  /** null restores the default. */
  silenceLabels?: readonly string[] | null;
}

const SETTINGS = ['id', 'name', 'kind', 'alertmanager_url', 'alertmanager_token', 'heartbeat_minutes', 'heartbeat_at', 'silence_labels'] as const;

type SettingsRow = {
  id: number;
  name: string;
  kind: string;
  alertmanager_url: string | null;
  alertmanager_token: string | null;
  heartbeat_minutes: number | null;
  heartbeat_at: number | null;
  silence_labels: string | null;
};

/** A source's silence_labels column as a list (the default when unset). */
export function silenceLabelsOf(text: string | null): readonly string[] {
  try {
    const v = JSON.parse(text ?? 'null') as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : DEFAULT_SILENCE_LABELS;
  } catch {
    return DEFAULT_SILENCE_LABELS;
  }
}

function settingsFromRow(r: SettingsRow): SourceSettings {
  return {
    sourceId: Number(r.id),
    name: r.name,
    kind: r.kind,
    alertmanagerUrl: r.alertmanager_url,
    alertmanagerToken: r.alertmanager_token,
    heartbeatMinutes: r.heartbeat_minutes === null ? null : Number(r.heartbeat_minutes),
    heartbeatAt: r.heartbeat_at === null ? null : Number(r.heartbeat_at),
    silenceLabels: silenceLabelsOf(r.silence_labels),
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
  if (c.silenceLabels !== undefined) set.silence_labels = c.silenceLabels === null ? null : JSON.stringify(c.silenceLabels);
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

// Silence attempts (issue 29): written before Alertmanager is asked, gone once its answer is known
// (or found in its silence list, or given up on). The token is also in the silence's comment.
export async function addSilenceAttempt(db: Kysely<DB>, row: SilenceAttemptRow): Promise<void> {
  await db.insertInto('silence_attempts').values(row).execute();
}

export async function silenceAttemptsOf(db: Kysely<DB>, incidentNumber: number): Promise<SilenceAttemptRow[]> {
  const rows = await db.selectFrom('silence_attempts').selectAll().where('incident_number', '=', incidentNumber).orderBy('created_at').execute();
  return rows.map((r) => ({ ...r, incident_number: Number(r.incident_number), ends_at: Number(r.ends_at), created_at: Number(r.created_at), created_by: r.created_by === null ? null : Number(r.created_by) }));
}

/** Removes the attempt; false when another replica (or an earlier answer) already did. */
export async function dropSilenceAttempt(db: Kysely<DB>, token: string): Promise<boolean> {
  const r = await db.deleteFrom('silence_attempts').where('token', '=', token).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Unsilence: attempts still unanswered are to be expired when they turn up. */
export async function cancelSilenceAttempts(db: Kysely<DB>, incidentNumber: number): Promise<void> {
  await db.updateTable('silence_attempts').set({ state: 'cancelled' }).where('incident_number', '=', incidentNumber).execute();
}

/** Incidents with attempts whose outcome is unknown (the start-up sweep). */
export async function incidentsWithSilenceAttempts(db: Kysely<DB>): Promise<number[]> {
  const rows = await db.selectFrom('silence_attempts').select('incident_number').distinct().execute();
  return rows.map((r) => Number(r.incident_number));
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
