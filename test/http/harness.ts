import type { AddressInfo } from 'node:net';
import { buildHark } from '../../src/app.ts';
import { testConfig } from '../helpers/config.ts';
import { createHttpServer } from '../../src/http/server.ts';
import type { IncidentModule } from '../../src/incident/module.ts';
import type { IncidentChange, IncidentListener } from '../../src/incident/ports.ts';
import { ADMIN_TOKEN, apiClient } from '../helpers/api.ts';
import { FakeClock as Clock } from '../helpers/clock.ts';
import { silentLogger } from '../../src/log.ts';
import { createSharedState } from '../../src/state/index.ts';
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

/**
 * Hark as production builds it (src/app.ts buildHark) over a real store, its Koa app listening on
 * port 0; nothing started (no Lark is called). `listener` is told every change after the features'.
 */
export async function startServer(
  store: TestStore,
  opts: { bodyLimitBytes?: number; maxInFlight?: number; maxInFlightPerSource?: number; bodyTimeoutMs?: number; listener?: IncidentListener } = {},
): Promise<Server> {
  const clock = new FakeClock();
  const listener = new RecordingListener();
  const state = createSharedState();
  // Nothing here calls Lark: the HTTP API alone is under test.
  const config = testConfig({
    DATABASE_URL: store.url,
    ...(opts.bodyTimeoutMs !== undefined ? { HARK_BODY_TIMEOUT_MS: String(opts.bodyTimeoutMs) } : {}),
  });
  const hark = await buildHark(config, {
    logger: silentLogger,
    clock,
    store,
    state,
    incidentListener: opts.listener ?? listener,
    ingest: { bodyLimitBytes: opts.bodyLimitBytes, maxInFlight: opts.maxInFlight, maxInFlightPerSource: opts.maxInFlightPerSource },
  });
  const server = createHttpServer(hark.app.callback(), config.bodyTimeoutMs);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const api = apiClient(url, null);
  const call: Server['call'] = async (method, path, o = {}) => {
    if (o.raw === undefined) return api(method, path, o.body, o.token ?? null);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    const res = await fetch(url + path, { method, headers, body: o.raw });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return {
    ...hark.services,
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
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await hark.stop();
      await state.close();
    },
  };
}
