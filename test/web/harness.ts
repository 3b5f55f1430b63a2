import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from '../../src/config.ts';
import { buildHark } from '../../src/app.ts';
import type { Delivery } from '../../src/delivery/index.ts';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import type { IncidentModule } from '../../src/http/routes/index.ts';
import type { Source } from '../../src/incident/types.ts';
import { normalizePayload } from '../../src/ingest/normalize.ts';
import { silentLogger, type Logger } from '../../src/log.ts';
import { createSharedState, type SharedState } from '../../src/state/index.ts';
import type { Web } from '../../src/web/index.ts';
import { openSqliteTestStore, type TestStore } from '../helpers/store.ts';
import { ADMIN_TOKEN, fetchJson } from '../helpers/api.ts';

// Hark as src/app.ts builds it (buildHark) against the emulator and SQLite, over a real socket:
// the admin API (accepting web sessions) and the web app.

export { ADMIN_TOKEN } from '../helpers/api.ts';

export interface WebRig {
  emulator: Emulator;
  store: TestStore;
  state: SharedState;
  services: IncidentModule;
  delivery: Delivery;
  web: Web;
  config: Config;
  source: Source;
  /** Hark's base URL (also HARK_PUBLIC_URL). */
  url: string;
  api(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  emu<T = any>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T>;
  /** A Lark user in the emulator. */
  larkUser(name: string, email?: string): Promise<{ open_id: string; union_id: string }>;
  /** Fires a generic alert; returns the incident number. */
  fire(p: { title: string; key?: string; status?: 'firing' | 'resolved'; severity?: string; labels?: Record<string, string | number>; description?: string; links?: unknown[] }): Promise<number>;
  /** A group with the bot in it, subscribed to the source. */
  group(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startWebRig(opts: { env?: Record<string, string>; logger?: Logger; delivery?: boolean } = {}): Promise<WebRig> {
  const emulator = await startEmulator({ port: 0 });
  const store = await openSqliteTestStore();
  const state = createSharedState();
  const logger = opts.logger ?? silentLogger;
  // Listen first: HARK_PUBLIC_URL (the OAuth redirect) must name the port the OS chose.
  let handler: http.RequestListener = (_req, res) => res.end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({
    LARK_APP_ID: emulator.appId,
    LARK_APP_SECRET: emulator.appSecret,
    LARK_DOMAIN: emulator.url,
    HARK_PUBLIC_URL: url,
    DATABASE_URL: store.url,
    HARK_ADMIN_TOKEN: ADMIN_TOKEN,
    HARK_SESSION_SECRET: 'web-test-session-secret-0123456789',
    ...opts.env,
  });
  // The production wiring (src/app.ts); the long connection is not started (the web app needs none).
  const hark = await buildHark(config, {
    logger,
    store,
    state,
    delivery: { pollMs: 100, retryBaseMs: 50, retryMaxMs: 400 },
    web: { timeZone: 'UTC' },
  });
  const { delivery, services, web, app } = hark;
  handler = app.callback();
  if (opts.delivery !== false) delivery.worker.start();
  const { source } = await services.sources.create({ name: 'checkout', kind: 'generic' });

  const api: WebRig['api'] = (method, route, body, headers = { authorization: `Bearer ${ADMIN_TOKEN}` }) =>
    fetchJson(url + route, method, body, { 'content-type': 'application/json', ...headers });
  const rig: WebRig = {
    emulator,
    store,
    state,
    services,
    delivery,
    web,
    config,
    source,
    url,
    api,
    emu: (method, route, body) => emulator.control(method, route, body),
    larkUser: (name, email) => emulator.control('POST', '/__emulator/users', { name, ...(email ? { email } : {}) }),
    async fire(p) {
      const batch = normalizePayload('generic', { severity: 'critical', ...p, alert_key: p.key ?? p.title }, Date.now());
      const r = await services.incidents.ingest(source, batch);
      if (!r.incident) throw new Error(r.message);
      return r.incident.number;
    },
    async group(name) {
      const owner = await emulator.control('POST', '/__emulator/users', { name: `${name} owner` });
      const { chat_id } = await emulator.control('POST', '/__emulator/chats', { name, members: [owner.open_id] });
      await emulator.control('POST', `/__emulator/chats/${chat_id}/bot`, { present: true });
      await delivery.chats.botAdded(chat_id, name);
      await delivery.chats.subscribe(chat_id, source.name, {});
      return chat_id;
    },
    async close() {
      await hark.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await emulator.close();
      await state.close();
      await store.cleanup();
    },
  };
  return rig;
}

/**
 * A cookie-keeping HTTP client for the security tests: follows nothing by itself, so every
 * redirect of the OAuth dance is visible. Cookies are kept by name only (both servers are on
 * 127.0.0.1, where browsers do not separate cookies by port either).
 */
export class Client {
  readonly cookies = new Map<string, string>();

  async request(url: string, init: { method?: string; form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const res = await fetch(url, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    return { status: res.status, location: res.headers.get('location'), text, headers: res.headers };
  }

  /** The CSRF token of the page's forms. */
  static csrfOf(html: string): string {
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!m) throw new Error('no CSRF field on the page');
    return m[1];
  }
}

/**
 * The OAuth dance by hand: /auth/lark/login → emulator authorize (already logged in as `openId`)
 * → /auth/lark/callback. Returns the callback's answer and the code it carried.
 */
export async function oauthLogin(rig: WebRig, client: Client, openId: string, next = '/h5') {
  await client.request(`${rig.emulator.url}/__emulator/login?open_id=${encodeURIComponent(openId)}`);
  const login = await client.request(`${rig.url}/auth/lark/login?next=${encodeURIComponent(next)}`);
  if (login.status !== 302 || !login.location) throw new Error(`login answered ${login.status}`);
  const authorize = await client.request(login.location);
  if (authorize.status !== 302 || !authorize.location) throw new Error(`authorize answered ${authorize.status}: ${authorize.text}`);
  const callbackUrl = authorize.location;
  const callback = await client.request(callbackUrl);
  return { callback, callbackUrl, authorizeUrl: login.location };
}

