import type { Kysely } from 'kysely';
import { HarkError } from '../errors.ts';
import type { MemberRole } from '../incident/types.ts';
import { sourceOwner, subscriptionOwner, type OwnedObject } from '../store/access-repo.ts';
import type { DB } from '../store/schema.ts';
import { teamRoleOf } from '../store/team-repo.ts';

// Who may change what a team owns (issue 24, README "Security"): a global admin (person, the
// bootstrap HARK_ADMIN_TOKEN or an admin-scoped token) changes everything; a team lead, or a
// team-scoped token, changes only what the team owns (its sources with their routing and
// escalation, its schedules, its maintenance windows); a team member may make overrides and
// maintenance windows of the team's objects, as any responder may of team-less ones. An object a
// configuration file declared (managed) refuses run-time edits from everyone.

/** Who calls (the admin API's Principal, structurally; src/http/routes/auth.ts). */
export type Caller =
  | { readonly kind: 'admin_token'; readonly name: string }
  | { readonly kind: 'member'; readonly memberId: number; readonly name: string; readonly role: MemberRole }
  | {
      readonly kind: 'api_token';
      readonly tokenId: number;
      readonly name: string;
      readonly scope: 'admin' | 'team' | 'read';
      readonly teamId: number | null;
      readonly teamName: string | null;
    };

/** What the change needs of a person: `lead` for definitions (sources, routing, policies, schedules), `member` for overrides and maintenance. */
export type Need = 'lead' | 'member';

export function isAdmin(c: Caller): boolean {
  return c.kind === 'admin_token' || (c.kind === 'api_token' && c.scope === 'admin') || (c.kind === 'member' && c.role === 'admin');
}

const label = (o: OwnedObject) => `${o.kind} ${o.name}`;

/**
 * Throws 403 naming the owner when the caller may not change `obj`; returns normally when they
 * may. `obj` null (it does not exist yet): admins, and team tokens (the new object becomes their
 * team's); persons who are not admins fall back on the route's own role rule (`teamless`).
 */
export async function checkManage(db: Kysely<DB>, c: Caller, obj: OwnedObject | null, need: Need, teamless: 'admin' | 'responder'): Promise<void> {
  if (isAdmin(c)) return;
  if (c.kind === 'api_token') {
    if (c.scope === 'read') throw new HarkError('forbidden', `token "${c.name}" is read-only; changes need a team or admin token`);
    if (obj === null) return;
    if (obj.teamId === c.teamId) return;
    throw new HarkError(
      'forbidden',
      obj.teamName
        ? `${label(obj)} belongs to team ${obj.teamName}; this token is for team ${c.teamName}`
        : `${label(obj)} belongs to no team; this token is for team ${c.teamName}: ask an admin`,
    );
  }
  if (c.kind !== 'member' || c.role === 'viewer') throw new HarkError('forbidden', `${c.name} is a viewer; viewers cannot change anything`);
  if (obj === null || obj.teamId === null) {
    if (teamless === 'responder') return;
    throw new HarkError('forbidden', `${c.name} is a ${c.role}; this needs admin`);
  }
  const role = await teamRoleOf(db, obj.teamId, c.memberId);
  if (need === 'member' ? role !== null : role === 'lead') return;
  throw new HarkError(
    'forbidden',
    `${label(obj)} belongs to team ${obj.teamName}; only its ${need === 'lead' ? 'leads' : 'members'} and admins may change it`,
  );
}

/** "managed by the config file (applied <when> by <who>); change it there", or null when the object is not managed. */
export function managedRefusal(obj: OwnedObject | null): string | null {
  if (!obj || obj.managedAt === null) return null;
  const when = new Date(obj.managedAt).toISOString().slice(0, 16).replace('T', ' ');
  return `${label(obj)} is managed by the config file (applied ${when} UTC by ${obj.managedBy ?? 'unknown'}); change it there`;
}

/** Throws 409 when a configuration file manages the object (run-time edits are refused). */
export function checkNotManaged(...objs: Array<OwnedObject | null>): void {
  for (const o of objs) {
    const why = managedRefusal(o);
    if (why) throw new HarkError('conflict', why);
  }
}

/** The team a new object made by this caller belongs to: a team token's team; null otherwise. */
export function creatorTeam(c: Caller): number | null {
  return c.kind === 'api_token' && c.scope === 'team' ? c.teamId : null;
}

/**
 * May this person change which groups receive a source (`@Hark subscribe`, issue 24)? Admins, and
 * leads of the source's team; never a route or source a configuration file manages. `text` null:
 * the usual "admins only" refusal.
 */
export async function routingRefusal(
  db: Kysely<DB>,
  person: { id: number; name: string; role: MemberRole },
  chatId: string,
  source: string,
): Promise<{ ok: true } | { ok: false; text: string | null }> {
  const owned = await sourceOwner(db, source);
  if (person.role !== 'admin') {
    if (!owned?.teamId) return { ok: false, text: null };
    if ((await teamRoleOf(db, owned.teamId, person.id)) !== 'lead') {
      return { ok: false, text: `source ${owned.name} belongs to team ${owned.teamName}; only its leads and admins may change which groups receive it` };
    }
  }
  const managed = managedRefusal(owned) ?? managedRefusal(await subscriptionOwner(db, chatId, source));
  return managed ? { ok: false, text: managed } : { ok: true };
}

/** A person's change to a source's maintenance from the chat (`maintain`, `unmaintain`): the sentence refusing it, or null. */
export async function maintenanceRefusal(db: Kysely<DB>, person: { id: number; name: string; role: MemberRole }, source: string): Promise<string | null> {
  try {
    await checkManage(db, { kind: 'member', memberId: person.id, name: person.name, role: person.role }, await sourceOwner(db, source), 'member', 'responder');
    return null;
  } catch (err) {
    if (err instanceof HarkError && err.code === 'forbidden') return err.message;
    throw err;
  }
}
