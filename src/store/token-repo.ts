import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';

// Scoped API tokens (issue 24, table api_tokens): only the token's sha256 is stored.

export interface ApiToken {
  id: number;
  name: string;
  scope: 'admin' | 'team' | 'read';
  teamId: number | null;
  teamName: string | null;
  createdBy: string;
  createdAt: number;
  lastUsedAt: number | null;
}

const COLUMNS = [
  'api_tokens.id',
  'api_tokens.name',
  'api_tokens.scope',
  'api_tokens.team_id',
  'teams.name as team_name',
  'api_tokens.created_by',
  'api_tokens.created_at',
  'api_tokens.last_used_at',
] as const;

function fromRow(r: {
  id: number;
  name: string;
  scope: 'admin' | 'team' | 'read';
  team_id: number | null;
  team_name: string | null;
  created_by: string;
  created_at: number;
  last_used_at: number | null;
}): ApiToken {
  return {
    id: Number(r.id),
    name: r.name,
    scope: r.scope,
    teamId: r.team_id === null ? null : Number(r.team_id),
    teamName: r.team_name,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  };
}

export async function insertApiToken(
  db: Kysely<DB>,
  t: { name: string; scope: ApiToken['scope']; teamId: number | null; tokenHash: string; createdBy: string; now: number },
): Promise<number> {
  const row = await db
    .insertInto('api_tokens')
    .values({ name: t.name, scope: t.scope, team_id: t.teamId, token_hash: t.tokenHash, created_by: t.createdBy, created_at: t.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Tokens not revoked, oldest first; with a team, only that team's. */
export async function listApiTokens(db: Kysely<DB>, teamId?: number): Promise<ApiToken[]> {
  let q = db.selectFrom('api_tokens').leftJoin('teams', 'teams.id', 'api_tokens.team_id').select(COLUMNS).where('api_tokens.revoked_at', 'is', null);
  if (teamId !== undefined) q = q.where('api_tokens.team_id', '=', teamId);
  return (await q.orderBy('api_tokens.id').execute()).map(fromRow);
}

/** The live (not revoked) token with this id, or null. */
export function findApiToken(db: Kysely<DB>, id: number): Promise<ApiToken | null> {
  return liveToken(db, 'id', id);
}

/** The live token with this hash, or null (unknown or revoked). */
export function apiTokenByHash(db: Kysely<DB>, tokenHash: string): Promise<ApiToken | null> {
  return liveToken(db, 'token_hash', tokenHash);
}

async function liveToken(db: Kysely<DB>, column: 'id' | 'token_hash', value: number | string): Promise<ApiToken | null> {
  const r = await db
    .selectFrom('api_tokens')
    .leftJoin('teams', 'teams.id', 'api_tokens.team_id')
    .select(COLUMNS)
    .where(`api_tokens.${column}`, '=', value)
    .where('api_tokens.revoked_at', 'is', null)
    .executeTakeFirst();
  return r ? fromRow(r) : null;
}

export async function touchApiToken(db: Kysely<DB>, id: number, now: number): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
}

/** Revokes a live token; false when there was none. */
export async function revokeApiToken(db: Kysely<DB>, id: number, now: number): Promise<boolean> {
  const res = await db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
