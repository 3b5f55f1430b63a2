import type { Generated } from 'kysely';

// Row types, exactly as stored (see migrations/). Domain types live in src/incident and are
// joined to these by the mappers at the repository edge.

export interface SourceRow {
  id: Generated<number>;
  name: string;
  kind: string;
  token_hash: string;
  escalation: string | null;
  created_at: number;
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
}
