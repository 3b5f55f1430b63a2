import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { HarkError } from '../errors.ts';
import type { DB } from '../store/schema.ts';
import type { IncidentStore } from '../store/incident-store.ts';
import { systemClock, type Clock } from './ports.ts';
import { SOURCE_KINDS, type Source, type SourceKind } from './types.ts';
import { parseOrThrow } from './validate.ts';

export const SOURCE_NAME = /^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$/;

const newSourceSchema = z.object({
  name: z.string().regex(SOURCE_NAME, {
    message: 'must be a slug: 1-64 lowercase letters, digits, "-" or "_", starting and ending with a letter or digit',
  }),
  kind: z.enum(SOURCE_KINDS),
});

/**
 * Tokens are 256 random bits, so a plain sha256 is enough to store them: a slow password hash
 * (bcrypt, scrypt) only helps against guessing low-entropy secrets, and 2^256 cannot be guessed.
 * A fast, deterministic hash also lets ingest find the source with one indexed lookup instead of
 * running an expensive KDF per request (which would itself be a way to overload us).
 */
export const hashToken = (token: string): string => crypto.createHash('sha256').update(token).digest('hex');

const newToken = () => `hark_${crypto.randomBytes(32).toString('base64url')}`;

export class SourceService {
  private readonly db: Kysely<DB>;
  private readonly repo: IncidentStore;
  private readonly clock: Clock;

  constructor(deps: { db: Kysely<DB>; repo: IncidentStore; clock?: Clock }) {
    this.db = deps.db;
    this.repo = deps.repo;
    this.clock = deps.clock ?? systemClock;
  }

  /** Creates a source; the token is returned here once and never again. */
  async create(input: unknown): Promise<{ source: Source; token: string }> {
    const { name, kind } = parseOrThrow(newSourceSchema, input);
    const token = newToken();
    try {
      const source = await this.repo.insertSource(this.db, { name, kind, tokenHash: hashToken(token), now: this.clock.now() });
      return { source, token };
    } catch (err) {
      if (this.repo.isUniqueViolation(err)) throw new HarkError('conflict', `name: a source named "${name}" already exists`);
      throw err;
    }
  }

  list(): Promise<Source[]> {
    return this.repo.listSources(this.db);
  }

  /** The source of this name; HarkError not_found naming the sources there are. */
  async byName(name: string): Promise<Source> {
    const source = await this.repo.findSourceByName(this.db, name);
    if (source) return source;
    const names = (await this.repo.listSources(this.db)).map((s) => s.name);
    throw new HarkError('not_found', `source: there is no source named "${name}"${names.length ? `; there are ${names.join(', ')}` : ''}`);
  }

  /**
   * The source whose token was presented, which must be of `kind` (each kind has its own route).
   * 401 for a missing or unknown token; 400 when a valid token is sent to another kind's route,
   * saying which route to use, since that is a configuration mistake rather than an attack.
   */
  async authenticate(token: string | null, kind: SourceKind): Promise<Source> {
    const source = await this.ofToken(token);
    if (source.kind !== kind) {
      const route = source.kind === 'generic' ? '/api/v1/alerts' : `/api/v1/alerts/${source.kind}`;
      throw new HarkError(
        'invalid',
        `source "${source.name}" is of kind ${source.kind}, not ${kind}: send its alerts to ${route}`,
      );
    }
    return source;
  }

  /**
   * The source named `name` in a heartbeat's path, proven by its token (any kind): 401 for a
   * missing or unknown token, 403 when the token is another source's, naming the path to ping.
   */
  async authenticateNamed(token: string | null, name: string): Promise<Source> {
    const source = await this.ofToken(token);
    if (source.name !== name) {
      throw new HarkError('forbidden', `this token belongs to source ${source.name}, not ${name}: ping /api/v1/heartbeats/${source.name}`);
    }
    return source;
  }

  private async ofToken(token: string | null): Promise<Source> {
    if (!token) throw new HarkError('unauthorized', 'missing source token: send it as "Authorization: Bearer <token>"');
    const source = await this.repo.findSourceByTokenHash(this.db, hashToken(token));
    if (!source) throw new HarkError('unauthorized', 'unknown source token');
    return source;
  }
}
