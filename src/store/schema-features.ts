import type { Generated } from 'kysely';

// Row types of the later features (silences in flight, Take over bindings, urgent usage,
// maintenance windows), exactly as stored (see migrations/); schema.ts joins them into DB.

/** A silence asked of Alertmanager whose answer Hark has not seen yet (migration 011). */
export interface SilenceAttemptRow {
  token: string;
  incident_number: number;
  state: 'pending' | 'cancelled';
  matchers: string;
  ends_at: number;
  created_by: number | null;
  created_by_name: string;
  created_at: number;
}

/** A Take over button a sent card carries (issue 29): the schedule, by the card's message id. */
export interface ScheduleCardRow {
  message_id: string;
  schedule: string;
  created_at: number;
}

/** SMS and phone urgent notices Lark raised for Hark in one calendar month (UTC). */
export interface UrgentUsageRow {
  month: string;
  used: number;
}

/** Maintenance windows (issue 26, migration 015). */
export interface MaintenanceWindowRow {
  id: Generated<number>;
  source_id: number;
  /** Serialized label matchers (delivery/matchers.ts). */
  labels: string;
  starts_at: number | null;
  ends_at: number | null;
  /** JSON {days, from, to, timeZone} for a recurring window. */
  recurring: string | null;
  reason: string | null;
  created_by_name: string;
  created_at: number;
  deleted_at: number | null;
  /** Set when declared in a configuration file (issue 24): run-time edits are refused. */
  managed_at: Generated<number | null>;
  managed_by: Generated<string | null>;
}

export interface MaintenanceRunRow {
  id: Generated<number>;
  window_id: number;
  occurrence_start: number;
  occurrence_end: number;
  alerts: Generated<number>;
  started_at: number;
  ended_at: number | null;
  ended_by: string | null;
}

export interface MaintenanceCardRow {
  id: Generated<number>;
  run_id: number;
  chat_id: string;
  chat_name: string | null;
  message_id: string | null;
  rendered_hash: string | null;
}

export interface MaintenanceHoldRow {
  incident_number: number;
  run_id: number;
  first_run_id: number;
  created_at: number;
  released_at: number | null;
}

/** Teams (issue 24, migration 020). */
export interface TeamRow {
  id: Generated<number>;
  name: string;
  time_zone: string;
  home_chat_id: string | null;
  open_to_all_responders: number;
  /** JSON {work?: {days, from, to}, sleep?: {from, to}, report?: {day, at}}; NULL: the defaults. */
  settings: string | null;
  managed_at: number | null;
  managed_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface TeamMemberRow {
  team_id: number;
  member_id: number;
  role: 'lead' | 'member';
  created_at: number;
}

/** Scoped API tokens (issue 24): only the sha256 of the token is stored. */
export interface ApiTokenRow {
  id: Generated<number>;
  name: string;
  scope: 'admin' | 'team' | 'read';
  team_id: number | null;
  token_hash: string;
  created_by: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** The silence Hark made in Alertmanager for an incident (issue 16). */
export interface SilenceRow {
  incident_number: number;
  silence_id: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  created_by: number | null;
  created_by_name: string;
  created_at: number;
}

/** One row (id 1): every configuration apply updates it first, so applies take turns (migration 023). */
export interface ConfigLockRow {
  id: number;
  revision: number;
  applied_at: number | null;
  applied_by: string | null;
}

/** A person paged for an incident (issue 25, migration 025): when they read it, when buzzed louder for not reading it. */
export interface PageRow {
  id: Generated<number>;
  incident_number: number;
  open_id: string;
  member_name: string;
  member_email: string | null;
  /** 1-based escalation level; null: added by hand. */
  level: number | null;
  paged_at: number;
  seen_at: number | null;
  unseen_buzz_at: number | null;
}

/** Whether Hark last marked its private chat with a person time-sensitive (issue 25, migration 025). */
export interface FeedCardRow {
  open_id: string;
  time_sensitive: number;
  updated_at: number;
}

/** A chat command handled (issue 19): the replies it produced, replayed on a redelivery. */
export interface CommandOutcomeRow {
  message_id: string;
  /** JSON: the replies the command produced ('[]' while pending). */
  replies: string;
  /** When the row was claimed; renewed by its owner while pending. */
  created_at: number;
  /** 'pending' while a delivery runs the command; 'done' once its replies are recorded. */
  state: Generated<string>;
  /** The delivery running the command (pending rows only). */
  owner: string | null;
}

/** What the insights keep of pruned incidents, per UTC day, source and severity (migration 032, src/insights/rollup.ts). */
export interface InsightDayRow {
  /** UTC date, YYYY-MM-DD, of the incidents' opening. */
  day: string;
  source_id: number;
  severity: string;
  team_id: number | null;
  opened: number;
  escalated: number;
  /** Acknowledged within 5 minutes of the first page. */
  acked_fast: number;
  /** Resolved by the alert with nobody acting. */
  auto_resolved: number;
  /** JSON number[]: seconds from first page to first ack, one per acknowledged incident. */
  ack_s: string;
  /** JSON number[]: seconds from open to resolved. */
  resolve_s: string;
  /** JSON [openId, epoch ms][]: each private page. */
  pages: string;
  updated_at: number;
}
