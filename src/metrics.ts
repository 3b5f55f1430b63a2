import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Hark's Prometheus metrics. The names and labels are a contract (the README's Metrics section,
 * deploy/grafana-dashboard.json and deploy/prometheus-rules.yml rely on them). One registry per
 * service instance: tests start several in one process.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hark_' });
  const registers = [registry];
  return {
    registry,
    larkEvents: new Counter({
      name: 'hark_lark_events_total',
      help: 'Lark events and callbacks received, by type',
      labelNames: ['type'] as const,
      registers,
    }),
    larkConnected: new Gauge({
      name: 'hark_lark_connected',
      help: '1 while the Lark long connection is connected (set by the connection as it changes), 0 otherwise',
      registers,
    }),
    httpRequests: new Histogram({
      name: 'hark_http_request_duration_seconds',
      help: 'HTTP request duration by route template, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    outboxPending: new Gauge({
      name: 'hark_outbox_pending',
      help: 'Cards and card updates waiting in the outbox to be handed to Lark',
      registers,
    }),
    outboxOldestAge: new Gauge({
      name: 'hark_outbox_oldest_age_seconds',
      help: 'Age of the oldest card or update waiting in the outbox (0 when empty)',
      registers,
    }),
    deliveries: new Counter({
      name: 'hark_deliveries_total',
      help: 'Outbox deliveries by result: sent, updated, retry, rate_limited, failed, dropped',
      labelNames: ['result'] as const,
      registers,
    }),
    larkRateLimited: new Counter({
      name: 'hark_lark_rate_limited_total',
      help: "Calls Lark refused for its rate limits, by Lark's code (or HTTP status)",
      labelNames: ['code'] as const,
      registers,
    }),
    timerLag: new Histogram({
      name: 'hark_timer_lag_seconds',
      help: 'How late an escalation step or snooze end fired, after its due time',
      labelNames: ['kind'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    incidents: new Gauge({
      name: 'hark_incidents',
      help: 'Open incidents (not resolved) by status and severity',
      labelNames: ['status', 'severity'] as const,
      registers,
    }),
    // Insights (issue 27): time to acknowledge and to resolve, pages by the hours they fell in.
    incidentAck: new Histogram({
      name: 'hark_incident_ack_seconds',
      help: 'Seconds from an incident\'s first page to its first acknowledgement, by owning team and severity',
      labelNames: ['team', 'severity'] as const,
      buckets: [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400],
      registers,
    }),
    incidentResolve: new Histogram({
      name: 'hark_incident_resolve_seconds',
      help: 'Seconds from an incident opening to its resolution, by owning team and severity',
      labelNames: ['team', 'severity'] as const,
      buckets: [60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400, 259200],
      registers,
    }),
    pages: new Counter({
      name: 'hark_pages_total',
      help: 'Private incident cards delivered to people, by owning team and the hours they fell in (work, off, sleep) in the person\'s zone',
      labelNames: ['team', 'hours'] as const,
      registers,
    }),
    clickDuration: new Histogram({
      name: 'hark_click_duration_seconds',
      help: "Card button clicks: from the callback's arrival to Hark's answer (Lark waits at most 3 s)",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3],
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

export const OPEN_STATUSES = ['triggered', 'acknowledged', 'snoozed'] as const;
export const SEVERITIES = ['critical', 'warning', 'info'] as const;

/** What the scrape-time gauges read from the database. */
export interface MetricsSource {
  outbox(now: number): Promise<{ pending: number; oldestCreatedAt: number | null }>;
  openIncidents(now: number): Promise<{ status: string; severity: string; count: number }[]>;
}

/**
 * Gauges that describe the database (outbox backlog, open incidents) are read when Prometheus
 * scrapes, so every replica reports the shared truth without a background loop.
 */
export function collectFromStore(metrics: Metrics, source: MetricsSource, clock: () => number = Date.now): void {
  let outbox: Promise<{ pending: number; oldestCreatedAt: number | null }> | null = null;
  const readOutbox = () => (outbox ??= source.outbox(clock()).finally(() => setTimeout(() => (outbox = null), 0)));
  const set = <T>(fn: () => Promise<T>, apply: (v: T) => void) =>
    fn().then(apply, () => undefined); // a failed read leaves the last value; /readyz reports the database
  Object.assign(metrics.outboxPending, {
    collect: () => set(readOutbox, (o) => metrics.outboxPending.set(o.pending)),
  });
  Object.assign(metrics.outboxOldestAge, {
    collect: () =>
      set(readOutbox, (o) => metrics.outboxOldestAge.set(o.oldestCreatedAt === null ? 0 : Math.max(0, (clock() - o.oldestCreatedAt) / 1000))),
  });
  Object.assign(metrics.incidents, {
    collect: () =>
      set(
        () => source.openIncidents(clock()),
        (rows) => {
          // Every combination is reported (0 when none), so dashboards show flat lines, not gaps.
          for (const status of OPEN_STATUSES) for (const severity of SEVERITIES) metrics.incidents.set({ status, severity }, 0);
          for (const r of rows) metrics.incidents.set({ status: r.status, severity: r.severity }, r.count);
        },
      ),
  });
}

/** The callbacks the services take, feeding the metrics (so main.ts only passes them along). */
export function metricsObservers(metrics: Metrics) {
  return {
    delivery: {
      delivered: (result: string) => metrics.deliveries.inc({ result }),
      rateLimited: (code: string) => metrics.larkRateLimited.inc({ code }),
    },
    timerFired: (kind: string, lagMs: number) => metrics.timerLag.observe({ kind }, Math.max(0, lagMs) / 1000),
    connection: (connected: boolean) => metrics.larkConnected.set(connected ? 1 : 0),
    /** Times `handle` when it answers a card click. */
    click: <T>(kind: string, handle: () => Promise<T>): Promise<T> => {
      if (kind !== 'card_action') return handle();
      const end = metrics.clickDuration.startTimer();
      return handle().finally(() => end());
    },
  };
}
