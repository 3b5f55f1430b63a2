// Alertmanager's API v2, the calls Hark makes: create a silence, expire one, list silences (to find
// its own, issue 29) and list the alerts a set of matchers selects (to refuse a silence wider than
// its incident). Grafana serves the same API for its built-in Alertmanager under
// /api/alertmanager/grafana, so one client does both. Spec:
// https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml
// (POST /silences → {silenceID}; DELETE /silence/{silenceID}; GET /silences; GET /alerts?filter=).
//
// Every call has a short deadline: a card click waits for it, and Lark drops a click answer after
// 3 seconds. A failure is an AlertmanagerError whose `problem` says which of the three it was, in
// words a person can act on, and whether the request may have taken effect anyway (`mayHaveActed`:
// a silence Alertmanager created after Hark stopped waiting). Error texts never carry a URL's
// credentials.

import { hasCredentials, redactUrlsIn } from '../redact.ts';

export interface AlertmanagerTarget {
  /** Base URL: http://alertmanager:9093, or https://grafana.example.com/api/alertmanager/grafana */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>` (a proxy in front of Alertmanager, Grafana's service account). */
  readonly token: string | null;
}

export interface Matcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: false;
  readonly isEqual: true;
}

export interface SilenceRequest {
  readonly matchers: readonly Matcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
  /** Set to update an existing silence (Alertmanager may answer with a new id). */
  readonly id?: string;
}

export type Problem = 'unreachable' | 'slow' | 'refused';

export class AlertmanagerError extends Error {
  constructor(
    readonly problem: Problem,
    message: string,
    readonly status?: number,
    /** True when Alertmanager may have acted on the request though Hark got no answer (slow, cut off, a proxy's 5xx). */
    readonly mayHaveActed = false,
  ) {
    super(redactUrlsIn(message));
    this.name = 'AlertmanagerError';
  }
}

/** A silence as GET /api/v2/silences lists it (the fields Hark reads). */
export interface ListedSilence {
  readonly id: string;
  readonly state: string;
  readonly comment: string;
  readonly endsAt: number;
}

/** Connection errors that mean the request never left: nothing can have been created. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL']);

export class AlertmanagerClient {
  constructor(readonly timeoutMs: number) {}

  /** Creates (or updates) a silence; returns the silenceID Alertmanager answered with. */
  async createSilence(t: AlertmanagerTarget, s: SilenceRequest, timeoutMs?: number): Promise<string> {
    const body = {
      ...(s.id ? { id: s.id } : {}),
      matchers: s.matchers,
      startsAt: new Date(s.startsAt).toISOString(),
      endsAt: new Date(s.endsAt).toISOString(),
      createdBy: s.createdBy,
      comment: s.comment,
    };
    const res = await this.call(t, 'POST', '/api/v2/silences', body, timeoutMs);
    const id = (res as { silenceID?: unknown } | null)?.silenceID;
    if (typeof id !== 'string' || !id) throw new AlertmanagerError('refused', `${host(t)} answered without a silenceID`);
    return id;
  }

  /** Expires a silence. One that is already gone counts as done. */
  async expireSilence(t: AlertmanagerTarget, id: string, timeoutMs?: number): Promise<void> {
    try {
      await this.call(t, 'DELETE', `/api/v2/silence/${encodeURIComponent(id)}`, undefined, timeoutMs);
    } catch (err) {
      if (err instanceof AlertmanagerError && err.status === 404) return;
      throw err;
    }
  }

  /** Every silence Alertmanager holds (active, pending and recently expired). */
  async listSilences(t: AlertmanagerTarget, timeoutMs?: number): Promise<ListedSilence[]> {
    const res = await this.call(t, 'GET', '/api/v2/silences', undefined, timeoutMs);
    if (!Array.isArray(res)) throw new AlertmanagerError('refused', `${host(t)} answered GET /api/v2/silences with something that is not a list`);
    return res.flatMap((x: any) =>
      x && typeof x.id === 'string'
        ? [{ id: x.id, state: String(x.status?.state ?? ''), comment: String(x.comment ?? ''), endsAt: Date.parse(String(x.endsAt ?? '')) || 0 }]
        : [],
    );
  }

  /** The fingerprints and labels of the alerts these equality matchers select at Alertmanager now. */
  async alertsMatching(t: AlertmanagerTarget, matchers: readonly Matcher[], timeoutMs?: number): Promise<{ fingerprint: string; labels: Record<string, string> }[]> {
    const q = matchers.map((m) => `filter=${encodeURIComponent(`${m.name}=${JSON.stringify(m.value)}`)}`).join('&');
    const res = await this.call(t, 'GET', `/api/v2/alerts${q ? `?${q}` : ''}`, undefined, timeoutMs);
    if (!Array.isArray(res)) throw new AlertmanagerError('refused', `${host(t)} answered GET /api/v2/alerts with something that is not a list`);
    return res.flatMap((x: any) => (x && typeof x.fingerprint === 'string' ? [{ fingerprint: x.fingerprint, labels: (x.labels ?? {}) as Record<string, string> }] : []));
  }

  private async call(t: AlertmanagerTarget, method: string, path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<unknown> {
    if (hasCredentials(t.url)) {
      // Stored before such URLs were refused: fetch would refuse it and quote it, password and all.
      throw new AlertmanagerError('refused', 'alertmanager_url contains a user name or password, which Hark does not send: set alertmanager_url again without them and put the credential in alertmanager_token');
    }
    const url = t.url.replace(/\/+$/, '') + path;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (t.token) headers.authorization = `Bearer ${t.token}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
        redirect: 'error',
      });
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw new AlertmanagerError('slow', `${host(t)} did not answer within ${seconds(Math.max(timeoutMs, this.timeoutMs))} s`, undefined, method !== 'GET');
      }
      const why = e.cause?.code ?? e.cause?.message ?? e.message ?? 'connection failed';
      throw new AlertmanagerError('unreachable', `cannot reach ${host(t)} (${why})`, undefined, method !== 'GET' && !NOT_SENT.has(e.cause?.code ?? ''));
    }
    let text: string;
    try {
      text = await res.text();
    } catch {
      throw new AlertmanagerError('slow', `${host(t)} did not finish its answer within ${seconds(Math.max(timeoutMs, this.timeoutMs))} s`, undefined, method !== 'GET' && res.ok);
    }
    if (!res.ok) {
      const detail = oneLine(text) || res.statusText;
      const hint = res.status === 401 || res.status === 403 ? ' (check alertmanager_token)' : res.status === 404 ? ' (check alertmanager_url)' : '';
      // A 5xx may come from a proxy that gave up waiting while Alertmanager went on.
      throw new AlertmanagerError('refused', `${host(t)} refused: ${res.status} ${detail}${hint}`, res.status, method !== 'GET' && res.status >= 500);
    }
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      throw new AlertmanagerError('refused', `${host(t)} answered with something that is not JSON; is alertmanager_url the Alertmanager API?`);
    }
  }
}

/** The host part of the URL, for messages (never the token or a path with secrets). */
function host(t: AlertmanagerTarget): string {
  try {
    return `Alertmanager at ${new URL(t.url).host}`;
  } catch {
    return 'Alertmanager';
  }
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}
