import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { HarkError } from '../errors.ts';
import { hashToken } from '../incident/source-service.ts';
import type { Clock } from '../incident/ports.ts';
import { isUniqueViolation } from '../store/db-errors.ts';
import {
  deleteMember, deleteSource, incidentCountOfSource, insertManagedMember, insertManagedSource, readConfigState, replaceRoutes,
  setScheduleManaged, setWindowManaged, takeConfigLock, updateManagedMember, updateManagedSource, type SourceWrite, type Stamp, type StoredState,
} from '../store/config-repo.ts';
import { insertWindow } from '../store/maintenance-repo.ts';
import { bumpRevision, addScheduleEvent, deleteSchedule, saveSchedule } from '../store/schedule-repo.ts';
import type { DB } from '../store/schema.ts';
import { deleteTeam, replaceTeamMembers, upsertTeam, type TeamSettings } from '../store/team-repo.ts';
import { setAutoFor } from '../store/war-room-repo.ts';
import { authorizeChanges, callerTeam, type ConfigCaller } from './authorize.ts';
import { exportConfig } from './export.ts';
import { loadConfigTexts, type LoadedConfig } from './load.ts';
import { currentFields, planChanges, publicChange, type Change, type PlannedChange } from './plan.ts';
import { resolveConfig, type ResolvedConfig, type Wanted } from './resolve.ts';

// Plan, apply and export (README "Teams and configuration as code"). An apply is one transaction:
// it takes the configuration lock first (store/config-repo.ts: a second apply on another replica
// waits, then re-plans against what the first committed), plans against the state it then reads,
// checks the caller covers every object touched, and writes every change or none.

export interface ConfigHooks {
  /** A schedule was written or deleted: move its handoff and daily notices (in the transaction). */
  scheduleChanged(trx: Kysely<DB>, scheduleId: number, now: number): Promise<void>;
  scheduleRemoved(trx: Kysely<DB>, scheduleId: number, now: number): Promise<void>;
  /** A source's heartbeat timeout changed: move or cancel its check (in the transaction). */
  heartbeatChanged(trx: Transaction<DB>, sourceId: number): Promise<void>;
  /** A maintenance window was made: plan its start (a window already in force starts now). */
  windowCreated(trx: Transaction<DB>, windowId: number, now: number): Promise<void>;
  /** A maintenance window goes: it is deleted, and one in force ends now. */
  windowRemoved(trx: Transaction<DB>, windowId: number, now: number, by: string): Promise<void>;
  /** Teams were made or changed: plan their weekly reports (in the transaction). */
  teamsChanged(trx: Transaction<DB>): Promise<void>;
}

export interface ApplyResult {
  changes: Change[];
  /** Tokens generated for new sources without token_env: shown this once. */
  tokens: { source: string; token: string }[];
  revision: number;
}

export interface ConfigOptions {
  prune?: boolean;
  /** Who applies it, recorded as managed_by ("applied … by <name>"). */
  caller: ConfigCaller;
}

const ADMIN: ConfigCaller = { kind: 'admin_token', name: 'admin' };

export class ConfigService {
  constructor(
    private readonly d: { db: Kysely<DB>; clock: Clock; env: Record<string, string | undefined>; hooks?: Partial<ConfigHooks> },
  ) {}

  /** What applying would change (reads only). */
  async plan(input: string | LoadedConfig, opts: ConfigOptions = { caller: ADMIN }): Promise<Change[]> {
    const loaded = typeof input === 'string' ? loadConfigTexts([{ file: 'body', text: input }]) : input;
    const state = await readConfigState(this.d.db);
    const changes = this.planned(loaded, state, opts);
    authorizeChanges(opts.caller, changes, 'plan');
    return changes.map(publicChange);
  }

  /** Applies the configuration in one transaction, or changes nothing. */
  async apply(input: string | LoadedConfig, opts: ConfigOptions = { caller: ADMIN }): Promise<ApplyResult> {
    const loaded = typeof input === 'string' ? loadConfigTexts([{ file: 'body', text: input }]) : input;
    const now = this.d.clock.now();
    const stamp: Stamp = { at: now, by: opts.caller.name };
    try {
      return await this.d.db.transaction().execute(async (trx) => {
        const revision = await takeConfigLock(trx, stamp.by, now);
        const state = await readConfigState(trx);
        const resolved = resolveConfig(loaded, state, this.d.env);
        const changes = planChanges(resolved, state, { prune: opts.prune, pruneTeam: callerTeam(opts.caller) });
        authorizeChanges(opts.caller, changes, 'apply');
        const tokens = await this.write(trx, resolved, state, changes, stamp);
        if (changes.some((c) => c.kind === 'team' && c.op !== 'delete')) await this.d.hooks?.teamsChanged?.(trx);
        return { changes: changes.map(publicChange), tokens, revision };
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new HarkError('conflict', `nothing was applied: two sources would share one token (check that each token_env names its own secret), or another apply made the same object at once; plan again (${(err as Error).message.split('\n')[0]})`);
      }
      throw err;
    }
  }

  /** The database as a configuration file (YAML), optionally one team's part. */
  async export(team?: string): Promise<string> {
    const state = await readConfigState(this.d.db);
    if (team !== undefined && !state.teams.some((t) => t.name === team)) {
      const names = state.teams.map((t) => t.name);
      throw new HarkError('not_found', `there is no team named "${team}"${names.length ? `; there are ${names.join(', ')}` : ''}`);
    }
    return exportConfig(state, team);
  }

  private planned(loaded: LoadedConfig, state: StoredState, opts: ConfigOptions): PlannedChange[] {
    return planChanges(resolveConfig(loaded, state, this.d.env), state, { prune: opts.prune, pruneTeam: callerTeam(opts.caller) });
  }

  private async write(trx: Transaction<DB>, resolved: ResolvedConfig, state: StoredState, changes: readonly PlannedChange[], stamp: Stamp) {
    const touched = new Set(changes.filter((c) => c.op !== 'delete').map((c) => `${c.kind} ${c.name}`));
    const wanted = (kind: Wanted['kind']) => resolved.wanted.filter((w) => w.kind === kind && touched.has(`${kind} ${w.name}`));
    const tokens: ApplyResult['tokens'] = [];

    const memberIds = new Map(state.members.filter((m) => m.email).map((m) => [m.email!, m.id]));
    for (const w of wanted('member')) {
      const m = { name: String(w.fields.name), email: w.name, role: String(w.fields.role), time_zone: (w.fields.time_zone as string | null) ?? null };
      const id = memberIds.get(w.name);
      if (id === undefined) memberIds.set(w.name, await insertManagedMember(trx, m, stamp));
      else await updateManagedMember(trx, id, m, stamp);
    }

    const teamIds = new Map(state.teams.map((t) => [t.name, t.id]));
    for (const w of wanted('team')) {
      const f = w.fields;
      const id = await upsertTeam(trx, {
        name: w.name, timeZone: String(f.time_zone), homeChatId: (f.home_chat as string | null) ?? null,
        openToAllResponders: f.open_to_all_responders === true, settings: f.settings as TeamSettings, managedAt: stamp.at, managedBy: stamp.by,
      }, stamp.at);
      teamIds.set(w.name, id);
      const members = (f.members as { email: string; role: 'lead' | 'member' }[]).map((m) => ({ memberId: memberIds.get(m.email)!, role: m.role }));
      await replaceTeamMembers(trx, id, members, stamp.at);
    }
    const teamId = (name: unknown) => (name === null || name === undefined ? null : teamIds.get(String(name)) ?? null);

    const sourceRows = new Map(state.sources.map((s) => [s.name, s]));
    const sourceIds = new Map(state.sources.map((s) => [s.name, s.id]));
    for (const w of wanted('source')) {
      const f = w.fields;
      const secret = resolved.secrets.get(w.name) ?? {};
      const flap = f.flap as { changes: number; minutes: number } | null;
      const stored = sourceRows.get(w.name);
      const row: SourceWrite = {
        kind: String(f.kind), team_id: teamId(f.team), token_env: (f.token_env as string | null) ?? null, escalation: (f.escalation as string | null) ?? null,
        alertmanager_url: (f.alertmanager_url as string | null) ?? null,
        alertmanager_token: f.alertmanager_token_env ? (secret.alertmanagerToken ?? null) : null,
        alertmanager_token_env: (f.alertmanager_token_env as string | null) ?? null,
        heartbeat_minutes: (f.heartbeat_minutes as number | null) ?? null, silence_labels: (f.silence_labels as string | null) ?? null,
        reopen_minutes: (f.reopen_minutes as number | null) ?? null, flap_changes: flap?.changes ?? null, flap_minutes: flap?.minutes ?? null,
      };
      let id: number;
      if (!stored) {
        let token = secret.token;
        if (!token) {
          token = `hark_${crypto.randomBytes(32).toString('base64url')}`;
          tokens.push({ source: w.name, token });
        }
        id = await insertManagedSource(trx, w.name, hashToken(token), row, stamp);
        sourceIds.set(w.name, id);
      } else {
        id = stored.id;
        await updateManagedSource(trx, id, row, secret.token ? hashToken(secret.token) : null, stamp);
      }
      await replaceRoutes(trx, id, f.routes as { chat_id: string; min_severity: string; labels: string }[], stamp);
      if ((stored?.auto_for ?? null) !== f.war_room) await setAutoFor(trx, id, (f.war_room as string | null) ?? null, stamp.at);
      if ((stored?.heartbeat_minutes ?? null) !== row.heartbeat_minutes) await this.d.hooks?.heartbeatChanged?.(trx, id);
    }

    for (const w of wanted('schedule')) {
      const spec = String(w.fields.spec);
      const r = await saveSchedule(trx, { name: w.name, timeZone: JSON.parse(spec).time_zone, spec, now: stamp.at });
      await setScheduleManaged(trx, r.id, teamId(w.fields.team), stamp);
      await bumpRevision(trx, r.id);
      await addScheduleEvent(trx, { scheduleId: r.id, at: stamp.at, kind: 'schedule', via: 'api', actor: stamp.by, message: `schedule ${r.created ? 'created' : 'changed'} by the configuration file (${stamp.by})` });
      await this.d.hooks?.scheduleChanged?.(trx, r.id, stamp.at);
    }

    // A window that changed is replaced (the old one ends as DELETE ends it); one only adopted is marked.
    const windows = currentFields(state);
    for (const w of wanted('maintenance')) {
      const old = windows.get(`maintenance ${w.name}`);
      const change = changes.find((c) => c.kind === 'maintenance' && c.name === w.name)!;
      if (old?.id !== undefined && change.fields?.length === 1 && change.fields[0] === 'managed') {
        await setWindowManaged(trx, old.id, stamp);
        continue;
      }
      if (old?.id !== undefined) await this.d.hooks?.windowRemoved?.(trx, old.id, stamp.at, stamp.by);
      const f = w.fields;
      const id = await insertWindow(trx, {
        sourceId: sourceIds.get(String(f.source))!, labels: String(f.labels), start: f.start as number | null, end: f.end as number | null,
        recurring: f.recurring as string | null, reason: f.reason as string | null, by: stamp.by, now: stamp.at,
      });
      await setWindowManaged(trx, id, stamp);
      await this.d.hooks?.windowCreated?.(trx, id, stamp.at);
    }

    for (const c of changes.filter((x) => x.op === 'delete')) await this.remove(trx, c, state, stamp);
    return tokens;
  }

  private async remove(trx: Transaction<DB>, c: PlannedChange, state: StoredState, stamp: Stamp): Promise<void> {
    if (c.kind === 'maintenance') {
      const id = currentFields(state).get(`maintenance ${c.name}`)!.id!;
      await this.d.hooks?.windowRemoved?.(trx, id, stamp.at, stamp.by);
    } else if (c.kind === 'schedule') {
      const s = state.schedules.find((x) => x.name === c.name)!;
      await deleteSchedule(trx, s.id, stamp.at);
      await this.d.hooks?.scheduleRemoved?.(trx, s.id, stamp.at);
    } else if (c.kind === 'source') {
      const s = state.sources.find((x) => x.name === c.name)!;
      const n = await incidentCountOfSource(trx, s.id);
      if (n > 0) throw new HarkError('conflict', `source ${c.name}: has ${n} incidents, so it cannot be deleted; keep it in the file (nothing was applied)`);
      await deleteSource(trx, s.id);
    } else if (c.kind === 'team') {
      await deleteTeam(trx, state.teams.find((x) => x.name === c.name)!.id);
    } else {
      await deleteMember(trx, state.members.find((x) => x.email === c.name)!.id);
    }
  }
}
