import type { Severity } from './types.ts';

// Monitoring stacks spell severity many ways. These are the spellings seen in the wild
// (Prometheus mixins, PagerDuty/Opsgenie priorities, syslog levels); anything else falls back to
// DEFAULT_SEVERITY so that an odd label never drops an alert.
const SPELLINGS: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  page: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  emerg: 'critical',
  alert: 'critical',
  disaster: 'critical',
  error: 'critical',
  err: 'critical',
  high: 'critical',
  urgent: 'critical',
  sev1: 'critical',
  p0: 'critical',
  p1: 'critical',
  warning: 'warning',
  warn: 'warning',
  medium: 'warning',
  average: 'warning',
  major: 'warning',
  minor: 'warning',
  sev2: 'warning',
  sev3: 'warning',
  p2: 'warning',
  p3: 'warning',
  info: 'info',
  informational: 'info',
  information: 'info',
  notice: 'info',
  low: 'info',
  none: 'info',
  debug: 'info',
  ok: 'info',
  sev4: 'info',
  sev5: 'info',
  p4: 'info',
  p5: 'info',
};

/** An alert without a recognisable severity is a warning: visible, but nobody is paged as for critical. */
export const DEFAULT_SEVERITY: Severity = 'warning';

const RANK: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };

/** Maps a spelling ("P1", "page", "Warn") to a severity, or null when it is not one we know. */
export function parseSeverity(value: string | null | undefined): Severity | null {
  if (value == null) return null;
  return SPELLINGS[value.trim().toLowerCase()] ?? null;
}

/** The severity of a label value, falling back to DEFAULT_SEVERITY for unknown or missing values. */
export function severityOrDefault(value: string | null | undefined): Severity {
  return parseSeverity(value) ?? DEFAULT_SEVERITY;
}

export function compareSeverity(a: Severity, b: Severity): number {
  return RANK[a] - RANK[b];
}

/** The worst of the given severities, or null for none. */
export function worstSeverity(list: Iterable<Severity>): Severity | null {
  let worst: Severity | null = null;
  for (const s of list) if (worst === null || RANK[s] > RANK[worst]) worst = s;
  return worst;
}

/** Whether `s` is at least `min` (subscriptions filter on a minimum severity). */
export function atLeast(s: Severity, min: Severity): boolean {
  return RANK[s] >= RANK[min];
}

export const KNOWN_SEVERITY_SPELLINGS: readonly string[] = Object.keys(SPELLINGS);
