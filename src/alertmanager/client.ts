// Alertmanager's API v2, the two calls Hark makes: create a silence and expire one. Grafana serves
// the same API for its built-in Alertmanager under /api/alertmanager/grafana, so one client does
// both. Spec: https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml
// (POST /silences → {silenceID}; DELETE /silence/{silenceID}).
//
// Every call has a short deadline: a card click waits for it, and Lark drops a click answer after
// 3 seconds. A failure is an AlertmanagerError whose `problem` says which of the three it was, in
// words a person can act on.

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
  ) {
    super(message);
    this.name = 'AlertmanagerError';
  }
}

export class AlertmanagerClient {
  constructor(private readonly timeoutMs: number) {}

  /** Creates (or updates) a silence; returns the silenceID Alertmanager answered with. */
  async createSilence(t: AlertmanagerTarget, s: SilenceRequest): Promise<string> {
    const body = {
      ...(s.id ? { id: s.id } : {}),
      matchers: s.matchers,
      startsAt: new Date(s.startsAt).toISOString(),
      endsAt: new Date(s.endsAt).toISOString(),
      createdBy: s.createdBy,
      comment: s.comment,
    };
    const res = await this.call(t, 'POST', '/api/v2/silences', body);
    const id = (res as { silenceID?: unknown } | null)?.silenceID;
    if (typeof id !== 'string' || !id) throw new AlertmanagerError('refused', `${host(t)} answered without a silenceID`);
    return id;
  }

  /** Expires a silence. One that is already gone counts as done. */
  async expireSilence(t: AlertmanagerTarget, id: string): Promise<void> {
    try {
      await this.call(t, 'DELETE', `/api/v2/silence/${encodeURIComponent(id)}`);
    } catch (err) {
      if (err instanceof AlertmanagerError && err.status === 404) return;
      throw err;
    }
  }

  private async call(t: AlertmanagerTarget, method: string, path: string, body?: unknown): Promise<unknown> {
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
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw new AlertmanagerError('slow', `${host(t)} did not answer within ${this.timeoutMs / 1000} s`);
      }
      const why = e.cause?.code ?? e.cause?.message ?? e.message ?? 'connection failed';
      throw new AlertmanagerError('unreachable', `cannot reach ${host(t)} (${why})`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch {
      throw new AlertmanagerError('slow', `${host(t)} did not finish its answer within ${this.timeoutMs / 1000} s`);
    }
    if (!res.ok) {
      const detail = oneLine(text) || res.statusText;
      const hint = res.status === 401 || res.status === 403 ? ' (check alertmanager_token)' : res.status === 404 ? ' (check alertmanager_url)' : '';
      throw new AlertmanagerError('refused', `${host(t)} refused: ${res.status} ${detail}${hint}`, res.status);
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

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}
