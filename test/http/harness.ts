import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { createApp } from '../../src/http/app.ts';
import { createHttpServer } from '../../src/http/server.ts';
import { createApiRouters } from '../../src/http/routes/index.ts';
import { createIncidentModule, type IncidentModule } from '../../src/incident/module.ts';
import type { IncidentChange, IncidentListener } from '../../src/incident/ports.ts';
import { incidentStore } from '../../src/store/incident-store.ts';
import { ADMIN_TOKEN } from '../helpers/api.ts';
import { FakeClock as Clock } from '../helpers/clock.ts';
import { silentLogger } from '../../src/log.ts';
import type { TestStore } from '../helpers/store.ts';

export { ADMIN_TOKEN } from '../helpers/api.ts';

/** The shared test clock (test/helpers/clock.ts), starting at a fixed instant here. */
export class FakeClock extends Clock {
  constructor(t = Date.parse('2026-05-01T10:00:00Z')) {
    super(t);
  }
}

/** Records every change the service announces, with the transaction it arrived in. */
export class RecordingListener implements IncidentListener {
  readonly changes: IncidentChange[] = [];
  async onChange(_trx: unknown, change: IncidentChange): Promise<void> {
    this.changes.push(change);
  }
  types(): string[] {
    return this.changes.map((c) => c.type);
  }
}

export interface Server extends IncidentModule {
  url: string;
  clock: FakeClock;
  listener: RecordingListener;
  store: TestStore;
  /** fetch against the server: JSON in, {status, body} out. */
  call(method: string, path: string, opts?: { token?: string | null; body?: unknown; raw?: string }): Promise<{ status: number; body: any }>;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Creates a source and returns its token. */
  source(name: string, kind: 'alertmanager' | 'grafana' | 'generic'): Promise<string>;
  close(): Promise<void>;
}

/** The real Koa app with the real routers over a real store, listening on port 0. */
export async function startServer(
  store: TestStore,
  opts: { bodyLimitBytes?: number; maxInFlight?: number; maxInFlightPerSource?: number; bodyTimeoutMs?: number; listener?: IncidentListener } = {},
): Promise<Server> {
  const clock = new FakeClock();
  const listener = new RecordingListener();
  const mod = createIncidentModule({ db: store.db, repo: incidentStore, clock, listener: opts.listener ?? listener });
  const routers = createApiRouters({
    ...mod,
    clock,
    config: { adminToken: ADMIN_TOKEN },
    ingest: {
      bodyLimitBytes: opts.bodyLimitBytes,
      maxInFlight: opts.maxInFlight,
      maxInFlightPerSource: opts.maxInFlightPerSource,
      bodyTimeoutMs: opts.bodyTimeoutMs,
    },
  });
  const app = createApp({
    logger: silentLogger,
    registry: new Registry(),
    readiness: { check: async () => ({ db: true }) },
    routers,
    bodyLimitBytes: opts.bodyLimitBytes,
  });
  const server = createHttpServer(app.callback(), opts.bodyTimeoutMs);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call: Server['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = {};
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined;
    if (o.raw !== undefined || o.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = o.raw ?? JSON.stringify(o.body);
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return {
    ...mod,
    url,
    clock,
    listener,
    store,
    call,
    admin: (method, path, body) => call(method, path, { token: ADMIN_TOKEN, body }),
    async source(name, kind) {
      const r = await call('POST', '/api/v1/sources', { token: ADMIN_TOKEN, body: { name, kind } });
      if (r.status !== 201) throw new Error(`source create failed: ${JSON.stringify(r.body)}`);
      return r.body.token;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
