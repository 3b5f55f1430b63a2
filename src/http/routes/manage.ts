import type { Context, Middleware } from 'koa';
import type { Kysely } from 'kysely';
import { HarkError } from '../../errors.ts';
import { maintenanceOwner, scheduleOwner, sourceOwner, subscriptionOwner, type OwnedObject } from '../../store/access-repo.ts';
import type { DB } from '../../store/schema.ts';
import { setScheduleTeam, setSourceTeam, teamOfIncident } from '../../store/team-repo.ts';
import { checkManage, checkNotManaged, creatorTeam, type Need } from '../../teams/manage.ts';
import { findSourceByName } from '../../store/source-repo.ts';
import { findSchedule } from '../../store/schedule-repo.ts';

// The team-ownership check of every mutating admin route (issue 24, src/teams/manage.ts), as Koa
// middleware placed after requirePrincipal(…, {teams: true}) and the body parser.

export interface ManageOptions {
  /** `lead` for definitions, `member` for overrides and maintenance windows. */
  need: Need;
  /** Who may change a team-less (or new) object besides admins: as before teams. */
  teamless: 'admin' | 'responder';
  /** The objects whose being managed by a configuration file refuses this change (default: none). */
  managed?: (ctx: Context, owned: OwnedObject | null) => Promise<Array<OwnedObject | null>>;
}

export function manage(db: Kysely<DB>, find: (ctx: Context) => Promise<OwnedObject | null>, opts: ManageOptions): Middleware {
  return async (ctx, next) => {
    const owned = await find(ctx);
    await checkManage(db, ctx.state.principal!, owned, opts.need, opts.teamless);
    if (opts.managed) checkNotManaged(...(await opts.managed(ctx, owned)));
    await next();
  };
}

/** The object itself is what a file may manage. */
export const itself = async (_ctx: Context, owned: OwnedObject | null) => [owned];

export const bySource = (db: Kysely<DB>, param = 'name') => (ctx: Context) => sourceOwner(db, String(ctx.params[param]));
export const bySchedule = (db: Kysely<DB>) => (ctx: Context) => scheduleOwner(db, String(ctx.params.name));
export const byMaintenance = (db: Kysely<DB>) => (ctx: Context) =>
  /^\d{1,15}$/.test(ctx.params.id) ? maintenanceOwner(db, Number(ctx.params.id)) : Promise.resolve(null);
/** A maintenance window being made belongs to the source its body names. */
export const byBodySource = (db: Kysely<DB>) => (ctx: Context) => {
  const source = (ctx.request.body as { source?: unknown } | undefined)?.source;
  return typeof source === 'string' ? sourceOwner(db, source) : Promise.resolve(null);
};
/** A subscription is refused when the file manages it, or manages its source (whose routing it is). */
export const subscriptionManaged = (db: Kysely<DB>) => async (ctx: Context, owned: OwnedObject | null) => [
  owned,
  await subscriptionOwner(db, String(ctx.params.chat_id), String(ctx.params.source)),
];

/** A source or schedule a team token made belongs to its team. */
export async function adoptForCaller(db: Kysely<DB>, ctx: Context, kind: 'source' | 'schedule', name: string): Promise<void> {
  const team = creatorTeam(ctx.state.principal!);
  if (team === null) return;
  if (kind === 'source') {
    const s = await findSourceByName(db, name);
    if (s) await setSourceTeam(db, s.id, team);
  } else {
    const s = await findSchedule(db, name);
    if (s) await setScheduleTeam(db, Number(s.id), team);
  }
}

/**
 * A team token acts only on its team's incidents (persons are judged by the incident service's
 * rule, src/teams/access.ts). Place after requirePrincipal on routes under /incidents/:number.
 */
export function incidentScope(db: Kysely<DB>): Middleware {
  return async (ctx, next) => {
    const p = ctx.state.principal;
    if (p?.kind === 'api_token' && p.scope === 'team' && ctx.method !== 'GET') {
      const n = Number(String(ctx.params.number ?? '').replace(/^#/, ''));
      const team = Number.isInteger(n) && n > 0 ? await teamOfIncident(db, n) : null;
      if (team?.id !== p.teamId) {
        throw new HarkError(
          'forbidden',
          team ? `incident #${n} belongs to team ${team.name}; this token is for team ${p.teamName}` : `incident #${n} belongs to no team; this token is for team ${p.teamName}`,
        );
      }
    }
    await next();
  };
}
