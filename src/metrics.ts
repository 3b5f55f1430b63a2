import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per service instance (tests start several in one process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hark_' });
  return {
    registry,
    larkEvents: new Counter({
      name: 'hark_lark_events_total',
      help: 'Lark events and callbacks received, by type',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    larkConnected: new Gauge({
      name: 'hark_lark_connected',
      help: '1 while the Lark long connection is connected',
      registers: [registry],
    }),
    httpRequests: new Histogram({
      name: 'hark_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
