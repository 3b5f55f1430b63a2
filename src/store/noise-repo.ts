import type { Kysely } from 'kysely';
import type { Incident } from '../incident/types.ts';
import { incidentFromRow } from './incident-repo.ts';
import type { DB } from './schema.ts';
import { fixedLimit, param, prepare } from './prepared.ts';

// Noise (issue 26): the last incident of an alert group and how often the group changed state
// lately (its open, resolved-by-itself and reopen timeline lines), so that a firing can reopen it.

/** The group's newest incident, locked for this transaction on PostgreSQL. */
// Asked by every alert that opens a group (prepared: see prepared.ts).
const lastOfGroupQuery = (db: Kysely<DB>, p: { sourceId: number; groupKey: string }) =>
  db.selectFrom('incidents').selectAll().where('source_id', '=', p.sourceId).where('group_key', '=', p.groupKey).orderBy('number', 'desc').limit(fixedLimit(1));
const groupParams = { sourceId: param<number>(), groupKey: param<string>() };
const lastOfGroupRead = prepare('last incident of a group', groupParams, lastOfGroupQuery);
const lastOfGroupForUpdate = prepare('last incident of a group for update', groupParams, (db, p) => lastOfGroupQuery(db, p).forUpdate());

export async function lastOfGroup(db: Kysely<DB>, sourceId: number, groupKey: string, lock: boolean): Promise<Incident | null> {
  const row = await (lock ? lastOfGroupForUpdate : lastOfGroupRead).first(db, { sourceId, groupKey });
  return row ? incidentFromRow(row) : null;
}

/** State changes of the group's incidents since `since`: opened, resolved by itself, reopened. */
export async function groupChangesSince(db: Kysely<DB>, sourceId: number, groupKey: string, since: number): Promise<number> {
  const r = await db
    .selectFrom('timeline')
    .innerJoin('incidents', 'incidents.number', 'timeline.incident_number')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('incidents.source_id', '=', sourceId)
    .where('incidents.group_key', '=', groupKey)
    .where('timeline.kind', 'in', ['open', 'auto_resolve', 'reopen'])
    .where('timeline.at', '>=', since)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** What the card says while the incident flaps; null when it stopped. */
export async function setFlapping(db: Kysely<DB>, number: number, flap: { changes: number; minutes: number } | null): Promise<void> {
  await db.updateTable('incidents').set({ flap_changes: flap?.changes ?? null, flap_minutes: flap?.minutes ?? null }).where('number', '=', number).execute();
}

/** A source's own noise settings (migration 019); null where it keeps the default. */
export interface SourceNoiseRow {
  readonly reopenMinutes: number | null;
  readonly flapChanges: number | null;
  readonly flapMinutes: number | null;
}

export async function sourceNoise(db: Kysely<DB>, sourceId: number): Promise<SourceNoiseRow> {
  const r = await db.selectFrom('sources').select(['reopen_minutes', 'flap_changes', 'flap_minutes']).where('id', '=', sourceId).executeTakeFirst();
  const n = (v: number | null | undefined) => (v === null || v === undefined ? null : Number(v));
  return { reopenMinutes: n(r?.reopen_minutes), flapChanges: n(r?.flap_changes), flapMinutes: n(r?.flap_minutes) };
}

/** Sets the fields given (undefined leaves one as it is, null restores its default). */
export async function setSourceNoise(db: Kysely<DB>, sourceId: number, change: Partial<SourceNoiseRow>): Promise<void> {
  const values: Record<string, number | null> = {};
  if (change.reopenMinutes !== undefined) values.reopen_minutes = change.reopenMinutes;
  if (change.flapChanges !== undefined) values.flap_changes = change.flapChanges;
  if (change.flapMinutes !== undefined) values.flap_minutes = change.flapMinutes;
  if (Object.keys(values).length) await db.updateTable('sources').set(values).where('id', '=', sourceId).execute();
}
