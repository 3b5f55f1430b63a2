import type { Generated } from 'kysely';
import type {
  MaintenanceCardRow,
  MaintenanceHoldRow,
  MaintenanceRunRow,
  MaintenanceWindowRow,
  ScheduleCardRow,
  TeamMemberRow,
  TeamRow,
  ApiTokenRow,
  CommandOutcomeRow,
  ConfigLockRow,
  FeedCardRow,
  PageRow,
  InsightDayRow,
  SilenceAttemptRow,
  SilenceRow,
  UrgentUsageRow,
} from './schema-features.ts';

export type * from './schema-features.ts';

// Row types, exactly as stored (see migrations/). Domain types live in src/incident and are
// joined to these by the mappers at the repository edge.

export interface SourceRow {
  id: Generated<number>;
  name: string;
  kind: string;
  token_hash: string;
  escalation: string | null;
  created_at: number;
  /** Alertmanager both ways (migration 009). */
  alertmanager_url: Generated<string | null>;
  alertmanager_token: Generated<string | null>;
  heartbeat_minutes: Generated<number | null>;
  heartbeat_at: Generated<number | null>;
  /** JSON array of the label names a silence must match on; NULL = ["alertname"] (migration 011). */
  silence_labels: Generated<string | null>;
  /** Noise settings (migration 019): NULL = the default, 0 = off. */
  reopen_minutes: Generated<number | null>;
  flap_changes: Generated<number | null>;
  flap_minutes: Generated<number | null>;
  /** Owning team (issue 24); NULL: no team. */
  team_id: Generated<number | null>;
  /** Set when declared in a configuration file (issue 24): run-time edits are refused. */
  managed_at: Generated<number | null>;
  managed_by: Generated<string | null>;
  /** The environment variables a configuration file took the secrets from (migration 023). */
  token_env: Generated<string | null>;
  alertmanager_token_env: Generated<string | null>;
}

export interface MemberRow {
  id: Generated<number>;
  name: string;
  email: string | null;
  role: string;
  open_id: string | null;
  union_id: string | null;
  created_at: number;
  linked_at: number | null;
  /** Set when declared in a configuration file (issue 24): run-time edits are refused. */
  managed_at: Generated<number | null>;
  managed_by: Generated<string | null>;
  /** The person's own time zone (insights); NULL: their team's. */
  time_zone: Generated<string | null>;
}

export interface IncidentRow {
  number: Generated<number>;
  source_id: number;
  group_key: string;
  open_key: string | null;
  title: string;
  description: string | null;
  status: string;
  severity: string;
  labels: string;
  links: string;
  snoozed_until: number | null;
  snoozed_by: number | null;
  snoozed_by_name: string | null;
  snoozed_at: number | null;
  acked_by: number | null;
  acked_by_name: string | null;
  acked_at: number | null;
  /** When the acknowledgement's time box ends; null: until resolved (migration 017). */
  acked_until?: number | null;
  resolved_by: number | null;
  resolved_by_name: string | null;
  resolved_at: number | null;
  last_action: string;
  last_action_by: number | null;
  last_action_by_name: string;
  last_action_via: string;
  last_action_at: number;
  version: Generated<number>;
  created_at: number;
  updated_at: number;
  /** JSON [{name, by, at}]: responders added by hand (migration 007). */
  responders?: string | null;
  /** JSON {text, by, at}: the latest note (migration 007). */
  latest_note?: string | null;
  /** While its alert flaps (migration 016): what the card says, "Flapping: N changes in M min". */
  flap_changes?: number | null;
  flap_minutes?: number | null;
}

export interface AlertRow {
  id: Generated<number>;
  incident_number: number;
  fingerprint: string;
  status: string;
  severity: string;
  title: string;
  labels: string;
  annotations: string;
  extra: string | null;
  starts_at: number;
  ends_at: number | null;
  updated_at: number;
}

export interface TimelineRow {
  id: Generated<number>;
  incident_number: number;
  at: number;
  kind: string;
  via: string;
  actor_id: number | null;
  actor_name: string | null;
  message: string;
  data: string | null;
}

export interface PayloadRow {
  id: Generated<number>;
  source_id: number;
  incident_number: number | null;
  received_at: number;
  body: string;
}

export interface ChatRow {
  chat_id: string;
  name: string;
  status: string;
  created_at: number;
  updated_at: number;
}

export interface SubscriptionRow {
  chat_id: string;
  source_id: number;
  min_severity: string;
  labels: string;
  created_at: number;
  /** Set when declared in a configuration file (issue 24): run-time edits are refused. */
  managed_at: Generated<number | null>;
  managed_by: Generated<string | null>;
}

/** Delivery (issue 4): one row per install; `install_id` prefixes message uuids. */
export interface DeliveryMetaRow {
  key: string;
  value: string;
}

/** Delivery outbox: a send or card update waiting for (or done by) a worker. */
export interface OutboxRow {
  id: Generated<number>;
  op: string;
  subject: string;
  incident_number: number | null;
  storm_id: number | null;
  target_type: string;
  target_id: string;
  target_name: string | null;
  message_id: string | null;
  card: string | null;
  rate_key: string;
  priority: number;
  status: string;
  pending_key: string | null;
  gen: Generated<number>;
  attempts: Generated<number>;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  result_message_id: string | null;
  created_at: number;
  updated_at: number;
  done_at: number | null;
  /** A send: the urgent notice (app | sms | phone) to raise once delivered; an `urgent` row: the one to raise (migration 007). */
  urgent?: string | null;
  /** Subject 'maintenance': the maintenance card sent or updated (migration 015). */
  maintenance_card_id?: number | null;
}

/** A copy of an incident card in a chat or a private chat, updated in place. */
export interface IncidentMessageRow {
  id: Generated<number>;
  incident_number: number;
  message_id: string;
  target_type: string;
  target_id: string;
  target_name: string | null;
  outbox_id: number | null;
  sent_at: number;
  rendered_version: number;
  rendered_hash: string;
  fresh_version: number | null;
  expired_at: number | null;
}

export interface StormRow {
  id: Generated<number>;
  chat_id: string;
  source_id: number;
  open_key: string | null;
  started_at: number;
  last_collapsed_at: number;
  message_id: string | null;
  rendered_hash: string | null;
  expired_at: number | null;
}

export interface StormIncidentRow {
  storm_id: number;
  incident_number: number;
  created_at: number;
}

/** A web-app session (issue 6): the cookie holds the random id, the row its sha256. */
export interface SessionRow {
  id_hash: string;
  member_id: number;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

/** A card action by someone not yet linked, to finish after they link (issue 6). */
export interface PendingActionRow {
  id: Generated<number>;
  open_id: string;
  op: string;
  incident_number: number;
  duration: string | null;
  created_at: number;
  expires_at: number;
}

/** A durable timer (issue 7): an escalation step or a snooze end, due at `due_at`. */
export interface TimerRow {
  id: Generated<number>;
  kind: string;
  incident_number: number;
  due_at: number;
  data: string | null;
  status: string;
  pending_key: string | null;
  attempts: Generated<number>;
  last_error: Generated<string | null>;
  fired_by: Generated<string | null>;
  created_at: number;
  updated_at: number;
  done_at: Generated<number | null>;
}

/** An on-call schedule (issue 13): `spec` is the API's JSON, normalised. */
export interface ScheduleRow {
  id: Generated<number>;
  name: string;
  time_zone: string;
  spec: string;
  created_at: number;
  updated_at: number;
  /** Goes up with every change of the schedule or its overrides (migration 013). */
  revision: Generated<number>;
  /** Owning team (issue 24); NULL: no team. */
  team_id: Generated<number | null>;
  /** Set when declared in a configuration file (issue 24): run-time edits are refused. */
  managed_at: Generated<number | null>;
  managed_by: Generated<string | null>;
}

/** War rooms (issue 15): the Lark group made for one incident. */
export interface WarRoomRow {
  incident_number: number;
  status: string;
  uuid: string;
  name: string;
  chat_id: string | null;
  link: string | null;
  requested_by: string;
  card_message_id: string | null;
  pinned_at: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface ScheduleOverrideRow {
  id: Generated<number>;
  schedule_id: number;
  member_email: string;
  start_at: number;
  end_at: number;
  replaces_email: string | null;
  created_by: string;
  via: string;
  created_at: number;
}

/** A schedule's timeline: overrides made and deleted, the schedule changed, take-overs. */
export interface ScheduleEventRow {
  id: Generated<number>;
  schedule_id: number;
  at: number;
  kind: string;
  via: string;
  actor_name: string;
  message: string;
}

/** The secret of an iCal feed URL: a schedule's, or one member's shifts. */
export interface CalendarFeedRow {
  token: string;
  schedule_id: number | null;
  member_id: number | null;
  created_at: number;
}

export interface WarRoomMemberRow {
  incident_number: number;
  open_id: string;
  name: string;
  status: string;
  created_at: number;
  updated_at: number;
}

export interface SourceWarRoomRow {
  source_id: number;
  auto_for: string | null;
  updated_at: number;
}



export interface DB {
  sources: SourceRow;
  members: MemberRow;
  incidents: IncidentRow;
  alerts: AlertRow;
  timeline: TimelineRow;
  payloads: PayloadRow;
  chats: ChatRow;
  subscriptions: SubscriptionRow;
  delivery_meta: DeliveryMetaRow;
  outbox: OutboxRow;
  incident_messages: IncidentMessageRow;
  storms: StormRow;
  storm_incidents: StormIncidentRow;
  sessions: SessionRow;
  pending_actions: PendingActionRow;
  timers: TimerRow;
  command_outcomes: CommandOutcomeRow;
  schedules: ScheduleRow;
  schedule_overrides: ScheduleOverrideRow;
  schedule_events: ScheduleEventRow;
  calendar_feeds: CalendarFeedRow;
  war_rooms: WarRoomRow;
  war_room_members: WarRoomMemberRow;
  source_war_rooms: SourceWarRoomRow;
  silences: SilenceRow;
  silence_attempts: SilenceAttemptRow;
  schedule_cards: ScheduleCardRow;
  urgent_usage: UrgentUsageRow;
  maintenance_windows: MaintenanceWindowRow;
  maintenance_runs: MaintenanceRunRow;
  maintenance_cards: MaintenanceCardRow;
  maintenance_holds: MaintenanceHoldRow;
  teams: TeamRow;
  team_members: TeamMemberRow;
  api_tokens: ApiTokenRow;
  config_lock: ConfigLockRow;
  pages: PageRow;
  insight_days: InsightDayRow;
  feed_cards: FeedCardRow;
}
