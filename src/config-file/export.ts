import { Document } from 'yaml';
import { deserializeMatchers, displayMatchers } from '../delivery/matchers.ts';
import { parseStoredPolicy } from '../escalation/policy.ts';
import { scheduleSchema } from '../schedule/spec.ts';
import type { StoredState } from '../store/config-repo.ts';
import type { TeamSettings } from '../store/team-repo.ts';

// `hark config export [--team T]`: the database as a configuration file that plans as no change
// (a round trip). Groups are written by name when the name is unique, else by chat_id; secrets
// never: a source's token_env (and its Alertmanager token's) are written back by name only.

export function exportConfig(state: StoredState, team?: string): string {
  const names = new Map<string, number>();
  for (const c of state.chats) names.set(c.name, (names.get(c.name) ?? 0) + 1);
  const chatName = new Map(state.chats.map((c) => [c.chat_id, c.name]));
  const chat = (id: string) => {
    const name = chatName.get(id);
    return name !== undefined && names.get(name) === 1 && name !== id ? name : id;
  };
  const teamName = new Map(state.teams.map((t) => [t.id, t.name]));
  const sourceTeam = new Map(state.sources.map((s) => [s.name, s.team_id]));
  const iso = (ms: number) => new Date(ms).toISOString();
  const owned = (teamId: number | null) => team === undefined || (teamId !== null && teamName.get(teamId) === team);

  const teams = state.teams.filter((t) => team === undefined || t.name === team);
  const inTeams = new Set(teams.flatMap((t) => t.members.map((m) => m.email)));
  const members = state.members.filter((m) => m.email && (team === undefined || inTeams.has(m.email)));
  const out = {
    teams: teams.map((t) => {
      const s: TeamSettings = t.settings ? JSON.parse(t.settings) : {};
      return {
        name: t.name,
        time_zone: t.time_zone,
        ...(t.home_chat_id ? { home_chat: chat(t.home_chat_id) } : {}),
        open_to_all_responders: t.open_to_all_responders === 1,
        members: [...t.members].sort((a, b) => a.email.localeCompare(b.email)).map((m) => ({ email: m.email, role: m.role })),
        ...(s.work ? { work: s.work } : {}),
        ...(s.sleep ? { sleep: s.sleep } : {}),
        ...(s.report !== undefined ? { report: s.report } : {}),
      };
    }),
    members: members.map((m) => ({ name: m.name, email: m.email!, role: m.role, ...(m.time_zone ? { time_zone: m.time_zone } : {}) })),
    sources: state.sources
      .filter((s) => owned(s.team_id))
      .map((s) => {
        const policy = parseStoredPolicy(s.escalation);
        return {
          name: s.name,
          kind: s.kind,
          ...(s.team_id !== null ? { team: teamName.get(s.team_id) } : {}),
          ...(s.token_env ? { token_env: s.token_env } : {}),
          routes: s.routes.map((r) => {
            const labels = displayMatchers(deserializeMatchers(r.labels));
            const empty = Array.isArray(labels) ? labels.length === 0 : Object.keys(labels).length === 0;
            return { chat: chat(r.chat_id), min_severity: r.min_severity, ...(empty ? {} : { labels }) };
          }),
          ...(policy ? { escalation: policy } : {}),
          ...(s.alertmanager_url ? { alertmanager: { url: s.alertmanager_url, ...(s.alertmanager_token_env ? { token_env: s.alertmanager_token_env } : {}) } } : {}),
          ...(s.heartbeat_minutes ? { heartbeat_minutes: s.heartbeat_minutes } : {}),
          ...(s.silence_labels ? { silence_labels: JSON.parse(s.silence_labels) } : {}),
          ...(s.auto_for ? { war_room: { auto_for: s.auto_for } } : {}),
          ...(s.flap_changes !== null || s.flap_minutes !== null ? { flap: { changes: s.flap_changes ?? 0, minutes: s.flap_minutes ?? 0 } } : {}),
          ...(s.reopen_minutes !== null ? { reopen_minutes: s.reopen_minutes } : {}),
        };
      }),
    schedules: state.schedules
      .filter((s) => owned(s.team_id))
      .map((s) => {
        const parsed = scheduleSchema.safeParse(JSON.parse(s.spec));
        const spec = parsed.success ? parsed.data : JSON.parse(s.spec);
        return {
          name: s.name,
          ...(s.team_id !== null ? { team: teamName.get(s.team_id) } : {}),
          ...spec,
          ...(spec.notify ? { notify: { ...spec.notify, chats: spec.notify.chats.map(chat) } } : {}),
        };
      }),
    maintenance: state.windows
      .filter((w) => owned(sourceTeam.get(w.source_name) ?? null))
      .map((w) => {
        const labels = displayMatchers(deserializeMatchers(w.labels));
        const empty = Array.isArray(labels) ? labels.length === 0 : Object.keys(labels).length === 0;
        const r = w.recurring ? (JSON.parse(w.recurring) as { days: string[]; from: string; to: string; timeZone: string }) : null;
        return {
          source: w.source_name,
          ...(empty ? {} : { labels }),
          ...(r ? { recurring: { days: r.days, from: r.from, to: r.to, time_zone: r.timeZone } } : { start: iso(w.starts_at!), end: iso(w.ends_at!) }),
          ...(w.reason ? { reason: w.reason } : {}),
        };
      }),
  };
  const doc = new Document(out);
  doc.commentBefore = ` Hark configuration${team ? ` of team ${team}` : ''}, exported. Apply with: hark config apply -f FILE\n Editors complete and check it with the JSON Schema docs/hark.schema.json`;
  return doc.toString({ lineWidth: 0 });
}
