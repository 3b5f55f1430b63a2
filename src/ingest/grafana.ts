import { z } from 'zod';
import type { NormalizedAlertBatch } from './types.ts';
import { alertmanagerAlertSchema, groupFacts, normalizeAmAlert } from './alertmanager.ts';
import { MAX_ALERTS_PER_PAYLOAD, compact, pushLink, stringMap, text, uniqueByFingerprint } from './common.ts';

// Grafana unified alerting webhook ("version": "1"): Alertmanager's shape plus orgId, per-alert
// values/silenceURL/dashboardURL/panelURL, and templated title/message/state. Documented at
// https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/

const grafanaAlertSchema = alertmanagerAlertSchema.extend({
  silenceURL: text(4096).optional(),
  dashboardURL: text(4096).optional(),
  panelURL: text(4096).optional(),
  imageURL: text(4096).optional(),
  values: z.record(z.string(), z.unknown()).nullable().optional(),
  valueString: text().optional(),
});

export const grafanaPayloadSchema = z.object({
  version: z.string().max(16).optional(),
  orgId: z.number().int().optional(),
  groupKey: z.string().min(1, { message: 'must not be empty' }).max(4096),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: text(1024).optional(),
  groupLabels: stringMap.default({}),
  commonLabels: stringMap.default({}),
  commonAnnotations: stringMap.default({}),
  externalURL: text(4096).optional(),
  title: text().optional(),
  message: text(64 * 1024).optional(),
  state: z.string().max(64).optional(),
  alerts: z
    .array(grafanaAlertSchema)
    .min(1, { message: 'must contain at least one alert' })
    .max(MAX_ALERTS_PER_PAYLOAD),
});

export type GrafanaPayload = z.output<typeof grafanaPayloadSchema>;

export function normalizeGrafana(p: GrafanaPayload, now: number): NormalizedAlertBatch {
  const alerts = uniqueByFingerprint(
    p.alerts.map((a) => {
      const extra: Record<string, unknown> = {};
      for (const k of ['silenceURL', 'dashboardURL', 'panelURL', 'imageURL', 'valueString'] as const) if (a[k]) extra[k] = a[k];
      if (a.values && Object.keys(a.values).length) extra.values = a.values;
      return normalizeAmAlert(a, now, extra);
    }),
  );
  const facts = groupFacts(p, alerts, 'Grafana');
  const first = p.alerts[0];
  pushLink(facts.links, 'Alert rule', first.generatorURL);
  pushLink(facts.links, 'Dashboard', first.dashboardURL);
  pushLink(facts.links, 'Panel', first.panelURL);
  return {
    // The same group key in two Grafana organisations is two different groups.
    groupKey: p.orgId !== undefined ? `org${p.orgId}:${p.groupKey}` : p.groupKey,
    ...facts,
    labels: compact(p.commonLabels),
    alerts,
    truncatedAlerts: p.truncatedAlerts,
  };
}
