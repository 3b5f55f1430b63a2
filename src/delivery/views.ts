import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { nextEscalationFrom } from '../escalation/timers.ts';
import { cardSilenceScope } from '../alertmanager/card-scope.ts';
import { canSilence } from '../alertmanager/silenceable.ts';
import { parseSeverity } from '../incident/severity.ts';
import type { IncidentView } from '../render/index.ts';
import { incidentCardData, pickableMembers, stormCardData } from '../store/card-repo.ts';
import type { DB } from '../store/schema.ts';
import { currentLevelPages, type PageRecord } from '../store/page-repo.ts';

// What a card shows, read from the database at send time (a patch always shows the incident's
// current state, however many changes it stands for).

export interface LoadedIncident {
  view: IncidentView;
  version: number;
  /** Hash of the view: equal hashes render equal cards (apart from "5 min ago"). Computed when read. */
  readonly hash: string;
}

function json<T>(text: string | null, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function viewHash(view: unknown): string {
  return crypto.createHash('sha1').update(JSON.stringify(view)).digest('hex');
}

function pagedView(pages: PageRecord[]): IncidentView['paged'] {
  if (pages.length === 0 || pages[0].level === null) return null;
  return { level: pages[0].level, people: pages.map((p) => ({ name: p.name, seenAt: p.seenAt })) };
}

export async function loadIncident(db: Kysely<DB>, number: number, publicUrl: string): Promise<LoadedIncident | null> {
  const row = await incidentCardData(db, number);
  if (!row) return null;
  const status = row.status === 'acknowledged' || row.status === 'resolved' ? row.status : 'triggered';
  const labels = json<Record<string, string>>(row.labels, {});
  const silenceable = canSilence({ kind: row.source_kind, alertmanagerUrl: row.source_alertmanager_url }, row.group_key);
  const view: IncidentView = {
    number: Number(row.number),
    title: row.title,
    status,
    snoozedUntil: row.snoozed_until,
    severity: parseSeverity(row.severity) ?? 'warning',
    source: row.source_name,
    labels,
    startedAt: row.created_at,
    firingCount: Number(row.alert_firing ?? 0),
    alertCount: Number(row.alert_total ?? 0),
    ackedBy: row.acked_by_name,
    ackedAt: row.acked_at,
    ackedUntil: row.acked_until == null ? null : Number(row.acked_until),
    resolvedBy: row.resolved_by_name,
    resolvedAt: row.resolved_at,
    description: row.description,
    links: json<{ title: string; url: string }[]>(row.links, []),
    webUrl: `${publicUrl.replace(/\/+$/, '')}/h5/incidents/${row.number}`,
    // The waiting escalation timer, if any: "escalates to level 2 at 10:15" (issue 7).
    nextEscalation: nextEscalationFrom(row.escalate_due, row.escalate_data),
    // Issue 14: people added by hand, the latest note, and whom "Add responder" offers.
    responders: json<{ name: string; by: string }[]>(row.responders ?? null, []).map((r) => ({ name: r.name, by: r.by })),
    latestNote: json<{ text: string; by: string; at: number } | null>(row.latest_note ?? null, null),
    roster: row.status === 'resolved' ? [] : (await pickableMembers(db)).map((m) => ({ id: Number(m.id), name: m.name })),
    warRoom: row.war_room_name && row.war_room_link ? { name: row.war_room_name, url: row.war_room_link } : null,
    // Issue 25: who was paged at the current level, and whether each has read their card.
    paged: row.status === 'triggered' ? pagedView(await currentLevelPages(db, Number(row.number))) : null,
    flapping: row.flap_changes != null && row.flap_minutes != null ? { changes: Number(row.flap_changes), minutes: Number(row.flap_minutes) } : null,
    silence: row.silence_until != null && row.silence_by != null ? { until: Number(row.silence_until), by: row.silence_by } : null,
    silenceable,
    // What a silence would match, shown before anyone presses (issue 29).
    silenceScope: silenceable ? await cardSilenceScope(db, Number(row.number), labels, row.source_silence_labels ?? null) : null,
  };
  // The hash is for delivery; a click's answer only needs the view, so it is computed when asked for.
  return {
    view,
    version: row.version,
    get hash() {
      return viewHash(view);
    },
  };
}

/** Input of renderStormCard. */
export interface StormView {
  source: string;
  chatName: string;
  collapsed: number;
  waiting: number;
  bySeverity: Record<string, number>;
  since: number;
  /** The storm ended (quiet for long enough): the card is its summary (issue 26). */
  ended?: boolean;
  /** Incidents it covered that are not resolved yet. */
  stillOpen?: { number: number; title: string }[];
}

export interface LoadedStorm {
  view: StormView;
  hash: string;
  chatId: string;
  messageId: string | null;
  expired: boolean;
}

export async function loadStorm(db: Kysely<DB>, stormId: number): Promise<LoadedStorm | null> {
  const data = await stormCardData(db, stormId);
  if (!data) return null;
  const { storm, members } = data;
  const bySeverity: Record<string, number> = { critical: 0, warning: 0, info: 0 };
  let waiting = 0;
  for (const m of members) {
    bySeverity[m.severity] = (bySeverity[m.severity] ?? 0) + 1;
    // "Waiting": nobody has taken it yet.
    if (m.status === 'triggered') waiting++;
  }
  const view: StormView = {
    source: storm.source_name,
    chatName: storm.chat_name ?? storm.chat_id,
    collapsed: members.length,
    waiting,
    bySeverity,
    since: storm.started_at,
    ...(storm.open_key === null
      ? { ended: true, stillOpen: members.filter((m) => m.status !== 'resolved').map((m) => ({ number: Number(m.number), title: m.title })) }
      : {}),
  };
  return { view, hash: viewHash(view), chatId: storm.chat_id, messageId: storm.message_id, expired: storm.expired_at !== null };
}
