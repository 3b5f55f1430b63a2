import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { HarkError } from '../errors.ts';
import { systemClock, type Clock } from '../incident/ports.ts';
import { parseOrThrow } from '../incident/validate.ts';
import type { DB } from '../store/schema.ts';
import { findTeamByName, teamsOfMember } from '../store/team-repo.ts';
import { apiTokenByHash, findApiToken, insertApiToken, listApiTokens, revokeApiToken, touchApiToken, type ApiToken } from '../store/token-repo.ts';
import { isAdmin, type Caller } from './manage.ts';

// Scoped API tokens (issue 24): `admin` does what HARK_ADMIN_TOKEN does, `team` changes only what
// its team owns, `read` only reads. The token is shown once when it is made; only its sha256 is
// kept, so a stolen database holds no usable token. Admins make any token; a team lead (signed in
// to the web app) makes and revokes their own team's team tokens.

export const TOKEN_PREFIX = 'hark_';
/** last_used_at is written at most this often per token, so a busy pipeline does not write on every call. */
const TOUCH_EVERY_MS = 60_000;

const newTokenBody = z
  .object({
    name: z.string({ required_error: 'is required: a name that says who uses it, e.g. "ci-payments"' }).trim().min(1, 'must not be empty').max(80),
    scope: z.enum(['admin', 'team', 'read'], { errorMap: () => ({ message: 'must be one of admin, team, read' }) }),
    team: z.string().trim().min(1).optional(),
  })
  .strict();

export const hashApiToken = (token: string): string => crypto.createHash('sha256').update(token).digest('hex');

export function tokenJson(t: ApiToken) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: t.id,
    name: t.name,
    scope: t.scope,
    ...(t.teamName ? { team: t.teamName } : {}),
    created_by: t.createdBy,
    created_at: iso(t.createdAt),
    last_used_at: iso(t.lastUsedAt),
  };
}

export class TokenService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Makes a token → its fields and the token itself, which is never shown again. */
  async create(caller: Caller, input: unknown): Promise<ReturnType<typeof tokenJson> & { token: string }> {
    const body = parseOrThrow(newTokenBody, input);
    let teamId: number | null = null;
    if (body.scope === 'team') {
      if (!body.team) throw new HarkError('invalid', 'team: required for a team token: the team whose objects it may change');
      const team = await findTeamByName(this.db, body.team);
      if (!team) throw new HarkError('invalid', `team: no team named "${body.team}"; GET /api/v1/teams lists them`);
      teamId = team.id;
      if (!isAdmin(caller) && !(await this.leads(caller, team.id))) {
        throw new HarkError('forbidden', `only admins and leads of team ${team.name} may make its tokens`);
      }
    } else {
      if (body.team !== undefined) throw new HarkError('invalid', `team: only a team token names a team; an ${body.scope} token is for all of Hark`);
      if (!isAdmin(caller)) throw new HarkError('forbidden', `only admins may make ${body.scope} tokens; a team lead makes team tokens`);
    }
    const token = TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const id = await insertApiToken(this.db, { name: body.name, scope: body.scope, teamId, tokenHash: hashApiToken(token), createdBy: caller.name, now });
    const made = await findApiToken(this.db, id);
    return { ...tokenJson(made!), token };
  }

  /** Live tokens the caller may see: every one for an admin, their teams' for a lead. */
  async list(caller: Caller): Promise<ApiToken[]> {
    if (isAdmin(caller)) return listApiTokens(this.db);
    const led = await this.ledTeams(caller);
    if (!led.length) throw new HarkError('forbidden', `${caller.name} leads no team; only admins and team leads see tokens`);
    return (await listApiTokens(this.db)).filter((t) => t.teamId !== null && led.includes(t.teamId));
  }

  async revoke(caller: Caller, id: number): Promise<void> {
    const t = await findApiToken(this.db, id);
    if (!t) throw new HarkError('not_found', `no token ${id}; GET /api/v1/tokens lists the live ones`);
    if (!isAdmin(caller) && !(t.teamId !== null && (await this.leads(caller, t.teamId)))) {
      throw new HarkError('forbidden', t.teamName ? `only admins and leads of team ${t.teamName} may revoke this token` : 'only admins may revoke this token');
    }
    await revokeApiToken(this.db, id, this.clock.now());
  }

  /** The caller a presented token stands for, or null (not one of ours, unknown or revoked). */
  async authenticate(token: string): Promise<Extract<Caller, { kind: 'api_token' }> | null> {
    if (!token.startsWith(TOKEN_PREFIX)) return null;
    const t = await apiTokenByHash(this.db, hashApiToken(token));
    if (!t) return null;
    const now = this.clock.now();
    if (t.lastUsedAt === null || now - t.lastUsedAt >= TOUCH_EVERY_MS) await touchApiToken(this.db, t.id, now);
    return { kind: 'api_token', tokenId: t.id, name: t.name, scope: t.scope, teamId: t.teamId, teamName: t.teamName };
  }

  private async leads(caller: Caller, teamId: number): Promise<boolean> {
    return (await this.ledTeams(caller)).includes(teamId);
  }

  private async ledTeams(caller: Caller): Promise<number[]> {
    if (caller.kind !== 'member') return [];
    return (await teamsOfMember(this.db, caller.memberId)).filter((t) => t.role === 'lead').map((t) => t.team.id);
  }
}
