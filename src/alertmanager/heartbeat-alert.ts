import type { NormalizedAlert, NormalizedAlertBatch } from '../ingest/types.ts';

// The incident a silent heartbeat opens is an ordinary alert group of its source, made by Hark:
// it joins the incident machinery (cards, paging, escalation) like any alert, and the next ping
// sends its "resolved" so it resolves the way alerts do.

/** The group key of the heartbeat incident; never a key Alertmanager or Grafana produce. */
export const HEARTBEAT_GROUP_KEY = 'hark:heartbeat';
const FINGERPRINT = 'hark-heartbeat';

/** "5", "0.5", "0.05": minutes as people set them (tests scale them down to fractions). */
export function minutesText(m: number): string {
  return Number.isInteger(m) ? String(m) : String(Number(m.toPrecision(3)));
}

export function heartbeatBatch(
  source: string,
  minutes: number,
  lastPing: number,
  status: 'firing' | 'resolved',
  now: number,
): NormalizedAlertBatch {
  const title = `No heartbeat from ${source} for ${minutesText(minutes)} min`;
  const labels = { alertname: 'HarkHeartbeat', hark_source: source };
  const description =
    `Hark expects ${source} to ping at least every ${minutesText(minutes)} min (POST /api/v1/heartbeats/${source}, ` +
    `or Alertmanager's always-firing Watchdog alert); the last ping came at ${new Date(lastPing).toISOString()}. ` +
    'Its monitoring may be down: alerts from it would not reach anyone.';
  const alert: NormalizedAlert = {
    fingerprint: FINGERPRINT,
    status,
    severity: 'critical',
    title,
    labels,
    annotations: { summary: title, description },
    extra: null,
    startsAt: lastPing,
    endsAt: status === 'resolved' ? now : null,
  };
  return { groupKey: HEARTBEAT_GROUP_KEY, title, description, labels, links: [], alerts: [alert], truncatedAlerts: 0 };
}

/**
 * Alertmanager's conventional always-firing alert (kube-prometheus and the Prometheus docs call it
 * `Watchdog`): it is a heartbeat, never an incident. Returns the batch without it, and whether a
 * firing one was there (a resolved Watchdog means the pipeline is going quiet: dropped, not a ping).
 */
export function splitWatchdog(batch: NormalizedAlertBatch): { rest: NormalizedAlertBatch; ping: boolean } {
  const isWatchdog = (a: NormalizedAlert) => a.labels.alertname === 'Watchdog';
  if (!batch.alerts.some(isWatchdog)) return { rest: batch, ping: false };
  const ping = batch.alerts.some((a) => isWatchdog(a) && a.status === 'firing');
  return { rest: { ...batch, alerts: batch.alerts.filter((a) => !isWatchdog(a)) }, ping };
}
