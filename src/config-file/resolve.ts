import { parseMatchers, serializeMatchers } from '../delivery/matchers.ts';
import { parseStoredPolicy, type EscalationPolicy } from '../escalation/policy.ts';
import { parseWindowBody, windowColumns } from '../maintenance/service.ts';
import { scheduleSchema } from '../schedule/spec.ts';
import type { StoredState } from '../store/config-repo.ts';
import type { TeamSettings } from '../store/team-repo.ts';
import type { ConfigProblem, LoadedConfig } from './load.ts';
import { ConfigFileError } from './load.ts';
import { windowName } from './schema.ts';

// The file's references resolved against itself and the database: groups by chat_id or exact
// name, members by email, teams and schedules by name. Each object becomes its canonical fields,
// the same form the database's rows are read into (stored.ts), so a plan is a comparison of two
// records per object. An unknown or ambiguous reference is a problem at its file position.

export type Kind = 'team' | 'member' | 'source' | 'schedule' | 'maintenance';
export type Fields = Record<string, unknown>;

export interface Wanted {
  readonly kind: Kind;
  readonly name: string;
  readonly fields: Fields;
  /** The team that owns it (sources, schedules; a team owns itself), or null. */
  readonly owner: string | null;
}

export interface ResolvedConfig {
  readonly wanted: Wanted[];
  /** Secrets read from the environment, by source name: never part of the compared fields. */
  readonly secrets: Map<string, { token?: string; alertmanagerToken?: string }>;
}

type Env = Record<string, string | undefined>;

export function resolveConfig(loaded: LoadedConfig, state: StoredState, env: Env): ResolvedConfig {
  const { config } = loaded;
  const problems: ConfigProblem[] = [];
  const p = (path: (string | number)[], message: string) => problems.push(loaded.problem(path, message));

  const emails = new Set([...config.members.map((m) => m.email), ...state.members.map((m) => m.email ?? '')]);
  const teams = new Set([...config.teams.map((t) => t.name), ...state.teams.map((t) => t.name)]);
  const schedules = new Set([...config.schedules.map((s) => s.name), ...state.schedules.map((s) => s.name)]);
  const chatIds = new Set(state.chats.map((c) => c.chat_id));
  const byName = new Map<string, string[]>();
  for (const c of state.chats) byName.set(c.name, [...(byName.get(c.name) ?? []), c.chat_id]);

  const chat = (ref: string, path: (string | number)[]): string => {
    if (chatIds.has(ref)) return ref;
    const ids = byName.get(ref) ?? [];
    if (ids.length === 1) return ids[0];
    if (ids.length > 1) p(path, `"${ref}" names ${ids.length} groups (${ids.join(', ')}); write the chat_id of the one you mean`);
    else p(path, `Hark is in no group named "${ref}"; add the bot to the group first, or write its chat_id (GET /api/v1/chats lists them)`);
    return ref;
  };
  const member = (email: string, path: (string | number)[]) => {
    if (!emails.has(email)) p(path, `no member has the email ${email}; add them under members:`);
  };
  const team = (name: string | undefined, path: (string | number)[]): string | null => {
    if (name === undefined) return null;
    if (!teams.has(name)) p(path, `there is no team named "${name}"; declare it under teams:`);
    return name;
  };

  const wanted: Wanted[] = [];
  config.members.forEach((m) => {
    wanted.push({ kind: 'member', name: m.email, owner: null, fields: { name: m.name, role: m.role, time_zone: m.time_zone ?? null } });
  });
  config.teams.forEach((t, i) => {
    t.members.forEach((m, j) => member(m.email, ['teams', i, 'members', j, 'email']));
    const settings: TeamSettings = {};
    if (t.work) settings.work = t.work;
    if (t.sleep) settings.sleep = t.sleep;
    if (t.report !== undefined) settings.report = t.report;
    wanted.push({
      kind: 'team',
      name: t.name,
      owner: t.name,
      fields: {
        time_zone: t.time_zone,
        home_chat: t.home_chat === undefined ? null : chat(t.home_chat, ['teams', i, 'home_chat']),
        open_to_all_responders: t.open_to_all_responders,
        members: teamMembersField(t.members),
        settings: settingsField(settings),
      },
    });
  });
  const secrets = new Map<string, { token?: string; alertmanagerToken?: string }>();
  config.sources.forEach((s, i) => {
    const owner = team(s.team, ['sources', i, 'team']);
    const secret: { token?: string; alertmanagerToken?: string } = {};
    const fromEnv = (name: string, path: (string | number)[]) => {
      const v = env[name];
      if (v === undefined || v.trim() === '') p(path, `the environment variable ${name} is not set; set it where Hark applies the file (the secret never goes in the file)`);
      return v?.trim();
    };
    if (s.token_env) secret.token = fromEnv(s.token_env, ['sources', i, 'token_env']);
    if (s.alertmanager?.token_env) secret.alertmanagerToken = fromEnv(s.alertmanager.token_env, ['sources', i, 'alertmanager', 'token_env']);
    secrets.set(s.name, secret);
    const routes = s.routes.map((r, j) => ({
      chat_id: chat(r.chat, ['sources', i, 'routes', j, 'chat']),
      min_severity: r.min_severity,
      labels: serializeMatchers(parseMatchers(r.labels)),
    }));
    let escalation: EscalationPolicy | null = null;
    if (s.escalation) {
      escalation = {
        ...s.escalation,
        levels: s.escalation.levels.map((l, li) => ({
          ...l,
          targets: l.targets.map((t, ti) => {
            const at = ['sources', i, 'escalation', 'levels', li, 'targets', ti];
            if ('member' in t) member(t.member, [...at, 'member']);
            else if ('schedule' in t) {
              if (!schedules.has(t.schedule)) p([...at, 'schedule'], `there is no schedule named "${t.schedule}"; declare it under schedules:`);
            } else return { chat: chat(t.chat, [...at, 'chat']) };
            return t;
          }),
        })),
      };
    }
    wanted.push({
      kind: 'source',
      name: s.name,
      owner,
      fields: {
        kind: s.kind,
        team: owner,
        token_env: s.token_env ?? null,
        routes: routesField(routes),
        escalation: escalation ? storedPolicyField(JSON.stringify(escalation)) : null,
        alertmanager_url: s.alertmanager ? s.alertmanager.url.replace(/\/+$/, '') : null,
        alertmanager_token_env: s.alertmanager?.token_env ?? null,
        heartbeat_minutes: s.heartbeat_minutes || null,
        silence_labels: s.silence_labels ? JSON.stringify([...new Set(s.silence_labels)]) : null,
        war_room: s.war_room?.auto_for ?? null,
        flap: s.flap ? { changes: s.flap.changes, minutes: s.flap.minutes } : null,
        reopen_minutes: s.reopen_minutes ?? null,
      },
    });
  });
  config.schedules.forEach((s, i) => {
    const owner = team(s.team, ['schedules', i, 'team']);
    s.layers.forEach((l, li) => {
      l.members.forEach((m, mi) => member(m, ['schedules', i, 'layers', li, 'members', mi]));
    });
    const notify = s.notify ? { ...s.notify, chats: s.notify.chats.map((c, ci) => chat(c, ['schedules', i, 'notify', 'chats', ci])) } : undefined;
    wanted.push({ kind: 'schedule', name: s.name, owner, fields: { team: owner, spec: scheduleSpecField({ time_zone: s.time_zone, layers: s.layers, notify }) } });
  });
  const sourceTeam = new Map<string, string | null>(state.sources.map((s) => [s.name, s.team_id === null ? null : (state.teams.find((t) => t.id === s.team_id)?.name ?? null)]));
  for (const w of wanted) if (w.kind === 'source') sourceTeam.set(w.name, w.owner);
  config.maintenance.forEach((m, i) => {
    if (!sourceTeam.has(m.source)) p(['maintenance', i, 'source'], `there is no source named "${m.source}"; declare it under sources:`);
    const input = parseWindowBody(m, Number.NEGATIVE_INFINITY);
    wanted.push({ kind: 'maintenance', name: windowName(input.source, input.reason), owner: sourceTeam.get(m.source) ?? null, fields: windowColumns(input) });
  });
  if (problems.length) throw new ConfigFileError(problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col));
  return { wanted, secrets };
}

// Canonical forms shared with stored.ts: both sides go through these.

export const teamMembersField = (list: readonly { email: string; role: string }[]) =>
  [...list].map((m) => ({ email: m.email.toLowerCase(), role: m.role })).sort((a, b) => a.email.localeCompare(b.email));

export const settingsField = (s: TeamSettings): TeamSettings => ({
  ...(s.work ? { work: { days: s.work.days, from: s.work.from, to: s.work.to } } : {}),
  ...(s.sleep ? { sleep: { from: s.sleep.from, to: s.sleep.to } } : {}),
  ...(s.report !== undefined ? { report: s.report === null ? null : { day: s.report.day, at: s.report.at } } : {}),
});

export const routesField = (list: readonly { chat_id: string; min_severity: string; labels: string }[]) =>
  [...list].map((r) => ({ chat_id: r.chat_id, min_severity: r.min_severity, labels: r.labels })).sort((a, b) => a.chat_id.localeCompare(b.chat_id));

/** A schedule's spec as the API stores it (scheduleSchema's output), as JSON text. */
export function scheduleSpecField(spec: unknown): string {
  const parsed = scheduleSchema.safeParse(spec);
  return JSON.stringify(parsed.success ? parsed.data : spec);
}

/** A stored escalation policy in the same text form as the file's (null: none). */
export function storedPolicyField(text: string | null): string | null {
  const p = parseStoredPolicy(text);
  return p ? JSON.stringify(p) : null;
}
