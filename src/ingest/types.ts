import type { AlertStatus, Link, Severity } from '../incident/types.ts';

// What every payload kind (Alertmanager, Grafana, generic) is turned into before the incident
// service sees it: the service knows nothing about the senders' formats.

export interface NormalizedAlert {
  /** Identity of the alert inside its group: Alertmanager/Grafana fingerprint, generic alert_key. */
  readonly fingerprint: string;
  readonly status: AlertStatus;
  readonly severity: Severity;
  readonly title: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly extra: Record<string, unknown> | null;
  readonly startsAt: number;
  readonly endsAt: number | null;
}

export interface NormalizedAlertBatch {
  /** Alerts with the same source and group key belong to one incident. */
  readonly groupKey: string;
  /** Used when the batch opens an incident. */
  readonly title: string;
  readonly description: string | null;
  readonly labels: Record<string, string>;
  readonly links: Link[];
  /** Unique by fingerprint (a repeated fingerprint keeps its last occurrence). */
  readonly alerts: NormalizedAlert[];
  /** Alerts the sender left out (Alertmanager max_alerts); recorded, never invented. */
  readonly truncatedAlerts: number;
}
