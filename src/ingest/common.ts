import crypto from 'node:crypto';
import { z } from 'zod';
import type { Link } from '../incident/types.ts';

// Pieces shared by the payload schemas. Bounds keep one payload from filling the database:
// the body limit caps the total, these cap each part.

export const MAX_ALERTS_PER_PAYLOAD = 5000;
const MAX_TEXT = 16 * 1024;

export const text = (max = MAX_TEXT) => z.string().max(max, { message: `must be at most ${max} characters` });

/** Label and annotation maps: string keys to string values, as Prometheus and Grafana send them. */
export const stringMap = z.record(z.string().max(256), text()).refine((m) => Object.keys(m).length <= 256, {
  message: 'must have at most 256 entries',
});

/** RFC 3339 timestamp → epoch ms; Go's zero time ("0001-01-01T00:00:00Z", meaning "unset") → null. */
export const timestamp = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be an RFC 3339 timestamp such as 2024-05-01T10:02:00Z' })
  .transform((s) => {
    const ms = Date.parse(s);
    return ms <= 0 ? null : ms;
  });

const isHttpUrl = (u: string | undefined): u is string => !!u && /^https?:\/\/\S+$/i.test(u);

/** Adds a link when the URL is http(s): anything else (javascript:, empty) never reaches a card. */
export function pushLink(links: Link[], title: string, url: string | undefined): void {
  if (isHttpUrl(url) && !links.some((l) => l.url === url)) links.push({ title, url });
}

/** A stable fingerprint from sorted labels, for payloads that carry none. */
export function fingerprintOfLabels(labels: Record<string, string>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
  return crypto.createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Keeps the last alert of each fingerprint, in first-seen order. */
export function uniqueByFingerprint<T extends { fingerprint: string }>(alerts: T[]): T[] {
  const byFp = new Map<string, T>();
  for (const a of alerts) byFp.set(a.fingerprint, a);
  return [...byFp.values()];
}

/** Drops empty strings and non-string values from a free-form map, so stored labels are clean strings. */
export function compact(map: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map ?? {})) if (typeof v === 'string' && v !== '') out[k] = v;
  return out;
}
