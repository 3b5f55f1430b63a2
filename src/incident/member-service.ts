import type { Kysely } from 'kysely';
import { z } from 'zod';
import { HarkError } from '../errors.ts';
import type { IncidentStore } from '../store/incident-store.ts';
import type { DB } from '../store/schema.ts';
import { systemClock, type Clock } from './ports.ts';
import { MEMBER_ROLES, type Actor, type Member, type Via } from './types.ts';
import { parseOrThrow } from './validate.ts';

const newMemberSchema = z.object({
  name: z.string().trim().min(1, { message: 'must not be empty' }).max(200),
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(320)
    .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { message: 'must be an email address' }),
  role: z.enum(MEMBER_ROLES),
  // Lark open_ids look like "ou_…"; an admin may link someone directly (README "HTTP routes", POST /api/v1/members).
  lark_open_id: z
    .string()
    .regex(/^ou_[A-Za-z0-9_-]{1,128}$/, { message: 'must be a Lark open_id such as ou_7d8a6e6df7621556ce0d21922b676706' })
    .optional(),
});

export class MemberService {
  private readonly db: Kysely<DB>;
  private readonly repo: IncidentStore;
  private readonly clock: Clock;

  constructor(deps: { db: Kysely<DB>; repo: IncidentStore; clock?: Clock }) {
    this.db = deps.db;
    this.repo = deps.repo;
    this.clock = deps.clock ?? systemClock;
  }

  async create(input: unknown): Promise<Member> {
    const m = parseOrThrow(newMemberSchema, input);
    try {
      return await this.repo.insertMember(this.db, {
        name: m.name,
        email: m.email,
        role: m.role,
        openId: m.lark_open_id ?? null,
        now: this.clock.now(),
      });
    } catch (err) {
      if (!this.repo.isUniqueViolation(err)) throw err;
      const taken = await this.repo.findMemberByEmail(this.db, m.email);
      throw new HarkError(
        'conflict',
        taken ? `email: a member with email ${m.email} already exists` : 'lark_open_id: already linked to another member',
      );
    }
  }

  list(): Promise<Member[]> {
    return this.repo.listMembers(this.db);
  }

  findByEmail(email: string): Promise<Member | null> {
    return this.repo.findMemberByEmail(this.db, email);
  }

  /** The actor for "act as this member" (`{by: email}` on the admin API); 400 when nobody has that email. */
  async actorByEmail(email: string, via: Via): Promise<Actor> {
    const m = await this.repo.findMemberByEmail(this.db, email);
    if (!m) throw new HarkError('invalid', `by: no member has the email ${email}`);
    return { id: m.id, name: m.name, via };
  }
}
