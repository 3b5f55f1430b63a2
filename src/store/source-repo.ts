import type { Kysely, Selectable } from 'kysely';
import type { Source, SourceKind } from '../incident/types.ts';
import type { DB, SourceRow } from './schema.ts';

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

export async function findSourceByTokenHash(db: Kysely<DB>, tokenHash: string): Promise<Source | null> {
  const row = await db.selectFrom('sources').select(COLUMNS).where('token_hash', '=', tokenHash).executeTakeFirst();
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
