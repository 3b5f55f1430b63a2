import type { NormalizedAlert } from '../ingest/types.ts';
import { worstSeverity } from './severity.ts';
import type { Alert, Severity } from './types.ts';

// How a batch of alerts changes the alerts already in an incident: pure, so the "a resend that
// changes nothing changes nothing" rule is decided here and tested without a database.

export interface AlertMerge {
  /** Alerts to insert or overwrite (new, or different from what is stored). */
  readonly writes: Alert[];
  /** Alerts that started firing: new firing ones, or resolved ones firing again. */
  readonly started: Alert[];
  /** Alerts that went from firing to resolved. */
  readonly ended: Alert[];
  /** Every alert of the incident after the merge. */
  readonly all: Alert[];
  /** Worst severity among firing alerts after the merge, or null when none fires. */
  readonly firingSeverity: Severity | null;
}

export function toAlert(incidentNumber: number, a: NormalizedAlert, now: number): Alert {
  return { ...a, incidentNumber, updatedAt: now };
}

/** Same content, ignoring updatedAt: an exact resend. */
function sameAlert(a: Alert, b: Alert): boolean {
  return (
    a.status === b.status &&
    a.severity === b.severity &&
    a.title === b.title &&
    a.startsAt === b.startsAt &&
    a.endsAt === b.endsAt &&
    JSON.stringify(a.labels) === JSON.stringify(b.labels) &&
    JSON.stringify(a.annotations) === JSON.stringify(b.annotations) &&
    JSON.stringify(a.extra) === JSON.stringify(b.extra)
  );
}

export function mergeAlerts(
  incidentNumber: number,
  existing: ReadonlyMap<string, Alert>,
  incoming: readonly NormalizedAlert[],
  now: number,
): AlertMerge {
  const writes: Alert[] = [];
  const started: Alert[] = [];
  const ended: Alert[] = [];
  const after = new Map(existing);
  for (const n of incoming) {
    const next = toAlert(incidentNumber, n, now);
    const old = existing.get(n.fingerprint);
    if (old && sameAlert(old, next)) continue;
    // A changed annotation (e.g. "current value 93%") refreshes the alert but is not an event.
    writes.push(next);
    after.set(n.fingerprint, next);
    if (next.status === 'firing' && old?.status !== 'firing') started.push(next);
    if (next.status === 'resolved' && old?.status === 'firing') ended.push(next);
  }
  const all = [...after.values()];
  return {
    writes,
    started,
    ended,
    all,
    firingSeverity: worstSeverity(all.filter((a) => a.status === 'firing').map((a) => a.severity)),
  };
}

/** "3 alerts firing: HighCPU, DiskFull and 1 more; 1 resolved: Latency" */
export function describeAlertChanges(started: readonly Alert[], ended: readonly Alert[]): string {
  const names = (list: readonly Alert[]) => {
    const shown = list.slice(0, 3).map((a) => a.title);
    return list.length > 3 ? `${shown.join(', ')} and ${list.length - 3} more` : shown.join(', ');
  };
  const parts: string[] = [];
  if (started.length) parts.push(`${started.length} alert${started.length === 1 ? '' : 's'} firing: ${names(started)}`);
  if (ended.length) parts.push(`${ended.length} resolved: ${names(ended)}`);
  return parts.join('; ');
}
