import { param, prepare } from './prepared.ts';
import type { Kysely, Selectable } from 'kysely';
import type { Source, SourceKind } from '../incident/types.ts';
import type { DB, SourceRow } from './schema.ts';
import { escalationAhead } from './read-ahead.ts';

// Sources as stored: the token itself is never stored, only its sha256 (see source-service.ts).

export function sourceFromRow(r: Pick<Selectable<SourceRow>, 'id' | 'name' | 'kind' | 'created_at'>): Source {
  return { id: r.id, name: r.name, kind: r.kind as SourceKind, createdAt: r.created_at };
}

const COLUMNS = ['id', 'name', 'kind', 'created_at'] as const;

export async function insertSource(
  db: Kysely<DB>,
  s: { name: string; kind: SourceKind; tokenHash: string; now: number },
): Promise<Source> {
  const row = await db
    .insertInto('sources')
    .values({ name: s.name, kind: s.kind, token_hash: s.tokenHash, escalation: null, created_at: s.now })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return sourceFromRow(row);
}

// Every alert payload authenticates its source first: prepared, so ingest skips kysely's builder (issue 28).
const sourceByTokenHash = prepare('source by token hash', { tokenHash: param<string>() }, (db, p) =>
  db.selectFrom('sources').select(COLUMNS).where('token_hash', '=', p.tokenHash),
);

export async function findSourceByTokenHash(db: Kysely<DB>, tokenHash: string): Promise<Source | null> {
  const row = await sourceByTokenHash.first(db, { tokenHash });
  return row ? sourceFromRow(row) : null;
}

export async function findSourceByName(db: Kysely<DB>, name: string): Promise<Source | null> {
  const row = await db.selectFrom('sources').select(COLUMNS).where('name', '=', name).executeTakeFirst();
  return row ? sourceFromRow(row) : null;
}

export async function findSourceById(db: Kysely<DB>, id: number): Promise<Source | null> {
  const row = await db.selectFrom('sources').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return row ? sourceFromRow(row) : null;
}

export async function listSources(db: Kysely<DB>): Promise<Source[]> {
  const rows = await db.selectFrom('sources').select(COLUMNS).orderBy('name').execute();
  return rows.map(sourceFromRow);
}

export async function sourceNames(db: Kysely<DB>): Promise<string[]> {
  return (await db.selectFrom('sources').select('name').orderBy('name').execute()).map((r) => r.name);
}

/** A source's stored escalation policy text (null: none), by name; undefined when there is no such source. */
export async function findEscalationByName(db: Kysely<DB>, name: string): Promise<{ id: number; name: string; escalation: string | null } | undefined> {
  return db.selectFrom('sources').select(['id', 'name', 'escalation']).where('name', '=', name).executeTakeFirst();
}

/** Stores (or with null removes) a source's escalation policy, as JSON text. */
export async function setEscalation(db: Kysely<DB>, sourceId: number, policyJson: string | null): Promise<void> {
  await db.updateTable('sources').set({ escalation: policyJson }).where('id', '=', sourceId).execute();
}

/** The stored escalation policy text of a source (every unack and snooze end reads it: prepared). */
export async function escalationOf(db: Kysely<DB>, sourceId: number): Promise<string | null> {
  const ahead = escalationAhead(db, sourceId);
  if (ahead !== undefined) return ahead;
  return (await policyOfSource.first(db, { sourceId }))?.escalation ?? null;
}

const policyOfSource = prepare('escalation policy of a source', { sourceId: param<number>() }, (db, p) =>
  db.selectFrom('sources').select('escalation').where('id', '=', p.sourceId),
);
