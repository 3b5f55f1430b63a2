import { z } from 'zod';
import { severityOrDefault } from '../incident/severity.ts';
import type { Link } from '../incident/types.ts';
import type { NormalizedAlert, NormalizedAlertBatch } from './types.ts';
import {
  MAX_ALERTS_PER_PAYLOAD,
  compact,
  fingerprintOfLabels,
  pushLink,
  stringMap,
  text,
  timestamp,
  uniqueByFingerprint,
} from './common.ts';

// Alertmanager webhook, version 4, as documented at
// https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
// Unknown fields are ignored (zod strips them) so newer Alertmanagers keep working.

export const alertmanagerAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: stringMap,
  annotations: stringMap.default({}),
  startsAt: timestamp,
  endsAt: timestamp.optional(),
  generatorURL: text(4096).optional(),
  fingerprint: z.string().min(1).max(256).optional(),
});

export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4', { errorMap: () => ({ message: 'must be "4" (Alertmanager webhook version 4)' }) }),
  groupKey: z.string().min(1, { message: 'must not be empty' }).max(4096),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: text(1024).optional(),
  groupLabels: stringMap.default({}),
  commonLabels: stringMap.default({}),
  commonAnnotations: stringMap.default({}),
  externalURL: text(4096).optional(),
  alerts: z
    .array(alertmanagerAlertSchema)
    .min(1, { message: 'must contain at least one alert' })
    .max(MAX_ALERTS_PER_PAYLOAD),
});

export type AlertmanagerPayload = z.output<typeof alertmanagerPayloadSchema>;
type AmAlert = z.output<typeof alertmanagerAlertSchema>;

/** One alert of an Alertmanager-shaped payload (Grafana's is a superset) → NormalizedAlert. */
export function normalizeAmAlert(a: AmAlert, now: number, extra: Record<string, unknown> = {}): NormalizedAlert {
  const labels = compact(a.labels);
  const annotations = compact(a.annotations);
  const ex: Record<string, unknown> = { ...extra };
  if (a.generatorURL) ex.generatorURL = a.generatorURL;
  return {
    fingerprint: a.fingerprint ?? fingerprintOfLabels(labels),
    status: a.status,
    severity: severityOrDefault(labels.severity ?? labels.priority ?? labels.level),
    title: annotations.summary || labels.alertname || 'alert',
    labels,
    annotations,
    extra: Object.keys(ex).length ? ex : null,
    startsAt: a.startsAt ?? now,
    // Alertmanager sets endsAt in the future on firing alerts (resolve_timeout): only a resolved alert has ended.
    endsAt: a.status === 'resolved' ? (a.endsAt ?? now) : null,
  };
}

/** Title, description and links of the group, shared by Alertmanager and Grafana. */
export function groupFacts(
  p: Pick<AlertmanagerPayload, 'commonLabels' | 'commonAnnotations' | 'groupLabels'>,
  alerts: NormalizedAlert[],
  kindName: string,
): { title: string; description: string | null; links: Link[] } {
  const first = alerts[0];
  const others = alerts.length - 1;
  const title =
    p.commonAnnotations.summary ||
    p.commonLabels.alertname ||
    p.groupLabels.alertname ||
    (first ? `${first.title}${others > 0 ? ` and ${others} more` : ''}` : `${kindName} alert`);
  const description = p.commonAnnotations.description || (alerts.length === 1 ? first.annotations.description : null) || null;
  const links: Link[] = [];
  pushLink(links, 'Runbook', p.commonAnnotations.runbook_url ?? first?.annotations.runbook_url);
  return { title, description, links };
}

export function normalizeAlertmanager(p: AlertmanagerPayload, now: number): NormalizedAlertBatch {
  const alerts = uniqueByFingerprint(p.alerts.map((a) => normalizeAmAlert(a, now)));
  const facts = groupFacts(p, alerts, 'Alertmanager');
  pushLink(facts.links, 'Source', p.alerts[0].generatorURL);
  pushLink(facts.links, 'Alertmanager', p.externalURL);
  return {
    groupKey: p.groupKey,
    ...facts,
    labels: compact(p.commonLabels),
    alerts,
    truncatedAlerts: p.truncatedAlerts,
  };
}
