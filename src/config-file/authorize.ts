import { HarkError } from '../errors.ts';
import type { PlannedChange } from './plan.ts';

// Who may plan or apply a configuration (POST /api/v1/config/plan|apply, issue 24): the caller
// must cover every object the plan touches. The admin token, an admin-scope API token and an
// admin's web session cover everything; a team-scope token covers only what its team owns (its
// team, and sources and schedules owned by it before and after); a read-scope token may plan but
// not apply. Shaped like the API's Principal (src/http/routes/auth.ts), which is passed as it is.

export type ConfigCaller =
  | { readonly kind: 'admin_token'; readonly name: string }
  | { readonly kind: 'member'; readonly name: string; readonly role: string }
  | { readonly kind: 'api_token'; readonly name: string; readonly scope: 'admin' | 'team' | 'read'; readonly teamName: string | null };

/** The team a caller is confined to (prune stays within it), or null for all. */
export const callerTeam = (c: ConfigCaller): string | null => (c.kind === 'api_token' && c.scope === 'team' ? c.teamName : null);

/** Throws HarkError forbidden naming the first object the caller may not touch. */
export function authorizeChanges(caller: ConfigCaller, changes: readonly PlannedChange[], mode: 'plan' | 'apply'): void {
  if (caller.kind === 'admin_token') return;
  if (caller.kind === 'member') {
    if (caller.role === 'admin') return;
    throw new HarkError('forbidden', `${caller.name} is a ${caller.role}; configuration files are planned and applied by admins or with an API token`);
  }
  if (caller.scope === 'admin') return;
  if (caller.scope === 'read') {
    if (mode === 'plan') return;
    throw new HarkError('forbidden', `token "${caller.name}" has read scope: it may plan but not apply; apply with an admin or team token`);
  }
  const team = caller.teamName;
  for (const c of changes) {
    if (c.kind === 'member') {
      throw new HarkError('forbidden', `member ${c.name}: members are shared by every team; a token of team ${team} may not ${c.op} them (an admin applies members)`);
    }
    if (c.kind === 'team' && c.op !== 'update') {
      throw new HarkError('forbidden', `team ${c.name}: a token of team ${team} may not ${c.op} a team (an admin does)`);
    }
    const other = c.owners.find((o) => o !== team);
    if (other !== undefined) {
      const owner = other === null ? 'no team (an admin manages it)' : `team ${other}`;
      throw new HarkError('forbidden', `${c.kind} ${c.name} belongs to ${owner}; a token of team ${team} may change only what team ${team} owns`);
    }
  }
}
