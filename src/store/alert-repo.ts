import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Alert, AlertStatus, Severity } from '../incident/types.ts';
import { param, prepare, type Param, type PreparedQuery } from './prepared.ts';
import type { AlertRow, DB } from './schema.ts';

// The alerts of incidents: row ↔ domain mapping, and the bulk upsert every ingest runs
// (incident-repo.ts re-exports these, so the incident services see one repository).

type Db = Kysely<DB>;
type NewAlertRow = Omit<Insertable<AlertRow>, 'id'>;

export function alertFromRow(r: Selectable<AlertRow>): Alert {
  return {
    incidentNumber: r.incident_number,
    fingerprint: r.fingerprint,
    status: r.status as AlertStatus,
    severity: r.severity as Severity,
    title: r.title,
    labels: JSON.parse(r.labels),
    annotations: JSON.parse(r.annotations),
    extra: r.extra === null ? null : JSON.parse(r.extra),
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    updatedAt: r.updated_at,
  };
}

export function alertToRow(a: Alert): NewAlertRow {
  return {
    incident_number: a.incidentNumber,
    fingerprint: a.fingerprint,
    status: a.status,
    severity: a.severity,
    title: a.title,
    labels: JSON.stringify(a.labels),
    annotations: JSON.stringify(a.annotations),
    extra: a.extra === null ? null : JSON.stringify(a.extra),
    starts_at: a.startsAt,
    ends_at: a.endsAt,
    updated_at: a.updatedAt,
  };
}

export async function alertRowsOf(db: Db, incidentNumber: number): Promise<Selectable<AlertRow>[]> {
  return db.selectFrom('alerts').selectAll().where('incident_number', '=', incidentNumber).orderBy('id').execute();
}

const COLUMNS = ['incident_number', 'fingerprint', 'status', 'severity', 'title', 'labels', 'annotations', 'extra', 'starts_at', 'ends_at', 'updated_at'] as const;

/**
 * Rows a statement. A payload's alerts go in one statement (10 in a typical Alertmanager group,
 * 5,000 at most): one prepared statement per row count up to CHUNK (prepared.ts; building a
 * 10-row upsert with kysely cost more than SQLite took to run it), bigger payloads in CHUNKs.
 * 11 columns × 100 rows stay far below SQLite's 32,766 bound parameters.
 */
const CHUNK = 100;
const upserts = new Map<number, PreparedQuery<Record<string, unknown>, unknown>>();

function buildUpsert(db: Db, rows: NewAlertRow[]) {
  return db
    .insertInto('alerts')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['incident_number', 'fingerprint']).doUpdateSet((eb) => ({
        status: eb.ref('excluded.status'),
        severity: eb.ref('excluded.severity'),
        title: eb.ref('excluded.title'),
        labels: eb.ref('excluded.labels'),
        annotations: eb.ref('excluded.annotations'),
        extra: eb.ref('excluded.extra'),
        starts_at: eb.ref('excluded.starts_at'),
        ends_at: eb.ref('excluded.ends_at'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    );
}

/** The upsert of `n` rows, its parameters named `<column><row>`. */
function upsertOf(n: number): PreparedQuery<Record<string, unknown>, unknown> {
  let q = upserts.get(n);
  if (!q) {
    const params: Record<string, Param<unknown>> = {};
    for (let i = 0; i < n; i++) for (const c of COLUMNS) params[`${c}${i}`] = param();
    q = prepare(`upsert ${n} alerts`, params, (db, p) =>
      buildUpsert(db, Array.from({ length: n }, (_, i) => Object.fromEntries(COLUMNS.map((c) => [c, p[`${c}${i}`]])) as unknown as NewAlertRow)),
    );
    upserts.set(n, q);
  }
  return q;
}

/** Inserts new alerts and overwrites changed ones (by incident + fingerprint) in bulk statements. */
export async function upsertAlerts(db: Db, rows: NewAlertRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const values: Record<string, unknown> = {};
    chunk.forEach((r, j) => {
      for (const c of COLUMNS) values[`${c}${j}`] = r[c];
    });
    // A column left undefined is one kysely's builder would leave out: that statement, built as before.
    if (Object.values(values).includes(undefined)) await buildUpsert(db, chunk).execute();
    else await upsertOf(chunk.length).execute(db, values);
  }
}
