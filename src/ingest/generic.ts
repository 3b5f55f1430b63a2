import { z } from 'zod';
import { parseSeverity, severityOrDefault } from '../incident/severity.ts';
import type { Link } from '../incident/types.ts';
import type { NormalizedAlertBatch } from './types.ts';
import { pushLink, text } from './common.ts';

// The generic JSON event for any HTTP client (curl, CI jobs, cron checks):
//   { "title": "Disk full on db-1", "severity": "critical", "status": "firing",
//     "alert_key": "disk-db-1", "description": "...", "labels": {"host": "db-1"},
//     "links": ["https://…", {"title": "Runbook", "url": "https://…"}] }
// alert_key identifies the alert (defaults to the title); group_key groups alerts into one
// incident (defaults to alert_key). Send the same alert_key with "status": "resolved" to resolve.

const link = z.union([
  z.string().url({ message: 'must be a URL' }),
  z.object({ title: text(200).optional(), url: z.string().url({ message: 'must be a URL' }) }),
]);

export const genericPayloadSchema = z.object({
  title: z.string().trim().min(1, { message: 'must not be empty' }).max(500),
  severity: z
    .string()
    .refine((s) => parseSeverity(s) !== null, {
      message: 'is not a severity; use critical, warning or info (P1, error, warn, low… are understood too)',
    })
    .optional(),
  status: z.enum(['firing', 'resolved']).default('firing'),
  alert_key: z.string().trim().min(1, { message: 'must not be empty' }).max(500).optional(),
  group_key: z.string().trim().min(1, { message: 'must not be empty' }).max(500).optional(),
  description: text().optional(),
  labels: z
    .record(z.string().max(256), z.union([z.string().max(16 * 1024), z.number(), z.boolean()]))
    .refine((m) => Object.keys(m).length <= 256, { message: 'must have at most 256 entries' })
    .default({}),
  links: z.array(link).max(20).default([]),
});

export type GenericPayload = z.output<typeof genericPayloadSchema>;

export function normalizeGeneric(p: GenericPayload, now: number): NormalizedAlertBatch {
  const labels = Object.fromEntries(Object.entries(p.labels).map(([k, v]) => [k, String(v)]));
  const alertKey = p.alert_key ?? p.title;
  const links: Link[] = [];
  p.links.forEach((l, i) =>
    typeof l === 'string' ? pushLink(links, `Link ${i + 1}`, l) : pushLink(links, l.title || `Link ${i + 1}`, l.url),
  );
  const annotations: Record<string, string> = p.description ? { description: p.description } : {};
  return {
    groupKey: p.group_key ?? alertKey,
    title: p.title,
    description: p.description ?? null,
    labels,
    links,
    alerts: [
      {
        fingerprint: alertKey,
        status: p.status,
        severity: p.severity ? severityOrDefault(p.severity) : severityOrDefault(labels.severity),
        title: p.title,
        labels,
        annotations,
        extra: null,
        startsAt: now,
        endsAt: p.status === 'resolved' ? now : null,
      },
    ],
    truncatedAlerts: 0,
  };
}
