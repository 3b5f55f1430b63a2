// Domain types of incidents, alerts, sources and members. No kysely, no Koa, no Lark: rows are
// mapped to these at the repository edge (src/store/*-repo.ts).

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export type AlertStatus = 'firing' | 'resolved';

/** How a change was made (README "Concepts", Timeline): card button, chat command, web app, HTTP API, or Hark itself. */
export const VIAS = ['card', 'command', 'web', 'api', 'auto'] as const;
export type Via = (typeof VIAS)[number];

export const SOURCE_KINDS = ['alertmanager', 'grafana', 'generic'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const MEMBER_ROLES = ['admin', 'responder', 'viewer'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/**
 * The five lifecycle operations a person performs on an incident, whatever the way in: card
 * buttons, chat commands, the web app, pending "link, then finish" actions, the admin API.
 */
export const INCIDENT_OPS = ['ack', 'unack', 'snooze', 'resolve', 'reopen'] as const;
export type IncidentOp = (typeof INCIDENT_OPS)[number];
export const isIncidentOp = (op: unknown): op is IncidentOp => typeof op === 'string' && (INCIDENT_OPS as readonly string[]).includes(op);

/** Who may perform them: responders and admins; viewers look (the one role check for incident changes). */
export const ACTING_ROLES: readonly MemberRole[] = ['admin', 'responder'];
export const canChangeIncidents = (role: string): boolean => (ACTING_ROLES as readonly string[]).includes(role);

/** Who acts: a member (id set) or Hark/an integration/an API caller (id null). */
export interface Actor {
  readonly id: number | null;
  readonly name: string;
  readonly via: Via;
  /** The Lark chat a button or command came from, when it matters (an incident's war room, issue 24). */
  readonly chatId?: string | null;
}

/** Who did something and when: the answer to "already acknowledged by Alice at 10:02". */
export interface Stamp {
  readonly id: number | null;
  readonly name: string;
  readonly at: number;
}

/** The state changes of an incident; also the `kind` of their timeline entries. */
export type ActionKind = 'open' | 'ack' | 'unack' | 'snooze' | 'snooze_end' | 'resolve' | 'auto_resolve' | 'reopen' | 'ack_extend' | 'hand_back';

export interface Incident {
  readonly number: number;
  readonly sourceId: number;
  readonly groupKey: string;
  /** `<sourceId>:<groupKey>` while this incident collects the group's alerts; null once resolved. */
  readonly openKey: string | null;
  readonly title: string;
  readonly description: string | null;
  readonly status: IncidentStatus;
  readonly severity: Severity;
  readonly labels: Readonly<Record<string, string>>;
  readonly links: readonly Link[];
  readonly snoozedUntil: number | null;
  readonly snoozedBy: Stamp | null;
  readonly ackedBy: Stamp | null;
  /** When the acknowledgement's time box ends (issue 25); null or absent: until resolved. */
  readonly ackedUntil?: number | null;
  readonly resolvedBy: Stamp | null;
  /** The last state change, so a repeated unack or reopen can say who did it first. */
  readonly lastAction: { readonly kind: ActionKind; readonly by: Stamp; readonly via: Via };
  /** Bumped on every change; conditional updates compare it. */
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface Link {
  readonly title: string;
  readonly url: string;
}

export interface Alert {
  readonly incidentNumber: number;
  readonly fingerprint: string;
  readonly status: AlertStatus;
  readonly severity: Severity;
  readonly title: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Kind-specific extras kept for display: generatorURL, silenceURL, Grafana values… */
  readonly extra: Readonly<Record<string, unknown>> | null;
  readonly startsAt: number;
  readonly endsAt: number | null;
  readonly updatedAt: number;
}

export type TimelineKind = ActionKind | 'alerts';

export interface TimelineEntry {
  readonly id: number;
  readonly incidentNumber: number;
  readonly at: number;
  readonly kind: TimelineKind | string;
  readonly via: Via;
  readonly actorId: number | null;
  readonly actorName: string | null;
  readonly message: string;
  readonly data: unknown;
}

export interface Source {
  readonly id: number;
  readonly name: string;
  readonly kind: SourceKind;
  readonly createdAt: number;
}

export interface Member {
  readonly id: number;
  readonly name: string;
  readonly email: string | null;
  readonly role: MemberRole;
  readonly openId: string | null;
  readonly unionId: string | null;
  readonly createdAt: number;
  readonly linkedAt: number | null;
}

/** One incident with everything the detail page and the card need. */
export interface IncidentDetail {
  readonly incident: Incident;
  readonly source: Source;
  readonly alerts: readonly Alert[];
  readonly timeline: readonly TimelineEntry[];
}

/** A row of the incident list. */
export interface IncidentSummary {
  readonly incident: Incident;
  readonly sourceName: string;
}

export const openKeyOf = (sourceId: number, groupKey: string): string => `${sourceId}:${groupKey}`;
