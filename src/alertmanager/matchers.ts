import type { Matcher } from './client.ts';

/**
 * Equality matchers that select the incident's alerts in Alertmanager: the labels every one of
 * them carries with the same value (which include the group's labels, since Alertmanager groups by
 * them). `fallback` (the incident's common labels as the webhook sent them) is used when the alerts
 * are not stored. An empty list would silence everything, so the caller refuses that.
 */
export function matchersFor(alertLabels: readonly Readonly<Record<string, string>>[], fallback: Readonly<Record<string, string>>): Matcher[] {
  let common: Record<string, string> | null = null;
  for (const labels of alertLabels) {
    if (common === null) common = { ...labels };
    else for (const k of Object.keys(common)) if (labels[k] !== common[k]) delete common[k];
  }
  const chosen = common && Object.keys(common).length ? common : { ...fallback };
  return Object.keys(chosen)
    .filter((k) => k !== '' && chosen[k] !== '')
    .sort()
    .map((name) => ({ name, value: chosen[name], isRegex: false as const, isEqual: true as const }));
}

/** `alertname="DiskFull", instance="db1"`, for timelines and messages. */
export function describeMatchers(ms: readonly Matcher[]): string {
  return ms.map((m) => `${m.name}="${m.value}"`).join(', ');
}
