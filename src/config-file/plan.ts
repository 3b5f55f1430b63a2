import { hashToken } from '../incident/source-service.ts';
import type { StoredState } from '../store/config-repo.ts';
import type { TeamSettings } from '../store/team-repo.ts';
import { windowName } from './schema.ts';
import { routesField, scheduleSpecField, settingsField, storedPolicyField, teamMembersField, type Fields, type Kind, type ResolvedConfig } from './resolve.ts';

// The plan: what applying the file would change, object by object. Each object's canonical fields
// (resolve.ts for the file, `currentFields` for the database) are compared one by one; an object
// equal to the file but not yet managed is an update of "managed". Deletions only with prune, and
// only of objects a file declared before (managed), never of objects made by hand.

export interface Change {
  readonly op: 'create' | 'update' | 'delete';
  readonly kind: Kind;
  readonly name: string;
  readonly fields?: readonly string[];
}

/** A change with what authorisation needs: every team that owns the object before or after. */
export interface PlannedChange extends Change {
  readonly owners: readonly (string | null)[];
}

export interface PlanOptions {
  prune?: boolean;
  /** Prune only what this team owns (a team-scoped token's apply). */
  pruneTeam?: string | null;
}

export const KIND_ORDER: readonly Kind[] = ['member', 'team', 'source', 'schedule', 'maintenance'];

/** The current fields of every object in the database, keyed "kind name". */
export function currentFields(state: StoredState): Map<string, { fields: Fields; owner: string | null; managed: boolean; id?: number }> {
  const teamName = new Map(state.teams.map((t) => [t.id, t.name]));
  const out = new Map<string, { fields: Fields; owner: string | null; managed: boolean; id?: number }>();
  for (const m of state.members) {
    if (!m.email) continue;
    out.set(`member ${m.email}`, { owner: null, managed: m.managed_at !== null, fields: { name: m.name, role: m.role, time_zone: m.time_zone } });
  }
  for (const t of state.teams) {
    const settings = t.settings ? (JSON.parse(t.settings) as TeamSettings) : {};
    out.set(`team ${t.name}`, {
      owner: t.name,
      managed: t.managed_at !== null,
      fields: {
        time_zone: t.time_zone,
        home_chat: t.home_chat_id,
        open_to_all_responders: t.open_to_all_responders === 1,
        members: teamMembersField(t.members),
        settings: settingsField(settings),
      },
    });
  }
  for (const s of state.sources) {
    const team = s.team_id === null ? null : (teamName.get(s.team_id) ?? null);
    out.set(`source ${s.name}`, {
      owner: team,
      managed: s.managed_at !== null,
      fields: {
        kind: s.kind,
        team,
        token_env: s.token_env,
        routes: routesField(s.routes),
        escalation: storedPolicyField(s.escalation),
        alertmanager_url: s.alertmanager_url,
        alertmanager_token_env: s.alertmanager_token_env,
        heartbeat_minutes: s.heartbeat_minutes,
        silence_labels: s.silence_labels,
        war_room: s.auto_for,
        flap: s.flap_changes === null && s.flap_minutes === null ? null : { changes: s.flap_changes, minutes: s.flap_minutes },
        reopen_minutes: s.reopen_minutes,
      },
    });
  }
  for (const s of state.schedules) {
    const team = s.team_id === null ? null : (teamName.get(s.team_id) ?? null);
    out.set(`schedule ${s.name}`, { owner: team, managed: s.managed_at !== null, fields: { team, spec: scheduleSpecField(JSON.parse(s.spec)) } });
  }
  // Windows are known by source and reason; of two with one name, the managed (else the newest) counts.
  const sourceOwner = new Map(state.sources.map((s) => [s.name, s.team_id === null ? null : (teamName.get(s.team_id) ?? null)]));
  for (const w of state.windows) {
    const key = `maintenance ${windowName(w.source_name, w.reason)}`;
    if (out.get(key)?.managed && w.managed_at === null) continue;
    const fields = { source: w.source_name, labels: w.labels, start: w.starts_at, end: w.ends_at, recurring: w.recurring, reason: w.reason };
    out.set(key, { owner: sourceOwner.get(w.source_name) ?? null, managed: w.managed_at !== null, fields, id: w.id });
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function planChanges(resolved: ResolvedConfig, state: StoredState, opts: PlanOptions = {}): PlannedChange[] {
  const current = currentFields(state);
  const changes: PlannedChange[] = [];
  const declared = new Set<string>();
  const sources = new Map(state.sources.map((s) => [s.name, s]));
  for (const w of resolved.wanted) {
    const key = `${w.kind} ${w.name}`;
    declared.add(key);
    const now = current.get(key);
    if (!now) {
      changes.push({ op: 'create', kind: w.kind, name: w.name, owners: [w.owner] });
      continue;
    }
    const fields = Object.keys(w.fields).filter((f) => !same(w.fields[f], now.fields[f]));
    if (w.kind === 'source') {
      const secret = resolved.secrets.get(w.name);
      const stored = sources.get(w.name)!;
      if (secret?.token && hashToken(secret.token) !== stored.token_hash) fields.push('token');
      if (secret?.alertmanagerToken !== undefined && secret.alertmanagerToken !== stored.alertmanager_token) fields.push('alertmanager_token');
      else if (w.fields.alertmanager_token_env === null && stored.alertmanager_token !== null) fields.push('alertmanager_token');
    }
    if (fields.length === 0 && !now.managed) fields.push('managed');
    if (fields.length) changes.push({ op: 'update', kind: w.kind, name: w.name, fields, owners: [...new Set([now.owner, w.owner])] });
  }
  if (opts.prune) {
    for (const [key, now] of current) {
      if (declared.has(key) || !now.managed) continue;
      if (opts.pruneTeam !== undefined && opts.pruneTeam !== null && now.owner !== opts.pruneTeam) continue;
      const [kind, ...rest] = key.split(' ');
      changes.push({ op: 'delete', kind: kind as Kind, name: rest.join(' '), owners: [now.owner] });
    }
  }
  const rank = (c: PlannedChange) => (c.op === 'delete' ? 10 - KIND_ORDER.indexOf(c.kind) : KIND_ORDER.indexOf(c.kind));
  return changes.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

/** The plan as the API and the command line show it (without the owners). */
export const publicChange = (c: PlannedChange): Change => ({ op: c.op, kind: c.kind, name: c.name, ...(c.fields ? { fields: c.fields } : {}) });

/** "+ source payments-am", "~ source payments-am: escalation, routes", "- schedule old". */
export function formatChange(c: Change): string {
  const sign = c.op === 'create' ? '+' : c.op === 'update' ? '~' : '-';
  return `${sign} ${c.kind} ${c.name}${c.fields?.length ? `: ${c.fields.join(', ')}` : ''}`;
}

export function summary(changes: readonly Change[]): string {
  if (!changes.length) return 'No changes: the database matches the configuration.';
  const n = (op: Change['op']) => changes.filter((c) => c.op === op).length;
  return `Plan: ${n('create')} to create, ${n('update')} to change, ${n('delete')} to delete.`;
}
