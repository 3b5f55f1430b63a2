// The Alertmanager v4 webhook the ingest benchmark sends: 10 firing alerts opening group `g`,
// shaped like https://prometheus.io/docs/alerting/latest/configuration/#webhook_config

export const ALERTS_PER_PAYLOAD = 10;

/** An Alertmanager v4 payload opening group `g` with 10 firing alerts. */
export function payload(g: number): string {
  const alerts = Array.from({ length: ALERTS_PER_PAYLOAD }, (_, i) => ({
    status: 'firing',
    labels: { alertname: 'HighRequestLatency', job: 'api', instance: `api-${i}.prod:8080`, group: `g${g}`, severity: i === 0 ? 'critical' : 'warning' },
    annotations: { summary: `p99 latency above 500ms on api-${i}`, description: 'p99 latency has been above 500ms for 5 minutes.' },
    startsAt: '2026-05-01T09:52:26.739266876+02:00',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.prod:9090/graph?g0.expr=histogram_quantile%280.99%2C+rate%28http_request_duration_seconds_bucket%5B5m%5D%29%29+%3E+0.5',
    fingerprint: `${g.toString(16).padStart(8, '0')}${i.toString(16).padStart(8, '0')}`,
  }));
  return JSON.stringify({
    receiver: 'hark', status: 'firing', alerts,
    groupLabels: { alertname: 'HighRequestLatency', group: `g${g}` },
    commonLabels: { alertname: 'HighRequestLatency', job: 'api', group: `g${g}` },
    commonAnnotations: { description: 'p99 latency has been above 500ms for 5 minutes.' },
    externalURL: 'http://alertmanager.prod:9093', version: '4',
    groupKey: `{}:{alertname="HighRequestLatency", group="g${g}"}`, truncatedAlerts: 0,
  });
}

