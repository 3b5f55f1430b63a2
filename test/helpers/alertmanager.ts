import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from './wait.ts';

// A real Prometheus Alertmanager (Debian's prometheus-alertmanager package; .ci/run installs it)
// for tests: its web API on a port the OS picks, clustering off, state in a temp dir. Tests that
// need it use `describe.skipIf(!ALERTMANAGER_BIN)`; the missing binary is announced once, loudly.

const CANDIDATES = [process.env.HARK_TEST_ALERTMANAGER, '/usr/bin/prometheus-alertmanager', '/usr/bin/alertmanager', '/usr/local/bin/alertmanager'];

export const ALERTMANAGER_BIN: string | null = CANDIDATES.find((p): p is string => !!p && fs.existsSync(p)) ?? null;
export const AMTOOL_BIN: string | null = ['/usr/bin/amtool', '/usr/local/bin/amtool'].find((p) => fs.existsSync(p)) ?? null;

if (!ALERTMANAGER_BIN) {
  console.warn(
    '[hark tests] no Alertmanager binary (apt-get install prometheus-alertmanager, or set HARK_TEST_ALERTMANAGER): the tests against a real Alertmanager are skipped',
  );
}

export interface RunningAlertmanager {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  dir: string;
  /** Everything Alertmanager logged so far (for failure messages). */
  log(): string;
  /** POST /api/v2/alerts: firing alerts that end `forMs` from now. */
  postAlerts(alerts: { labels: Record<string, string>; annotations?: Record<string, string> }[], forMs?: number): Promise<void>;
  /** GET /api/v2/alerts, optionally filtered by equality matchers. */
  alerts(filter?: Record<string, string>): Promise<AmAlert[]>;
  silences(): Promise<AmSilence[]>;
  stop(): Promise<void>;
}

export interface AmAlert {
  labels: Record<string, string>;
  fingerprint: string;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[]; inhibitedBy: string[] };
}

export interface AmSilence {
  id: string;
  status: { state: 'active' | 'pending' | 'expired' };
  matchers: { name: string; value: string; isRegex: boolean; isEqual?: boolean }[];
  createdBy: string;
  comment: string;
  startsAt: string;
  endsAt: string;
}

/**
 * Starts Alertmanager with `config` (alertmanager.yml text). The web port is chosen by the OS
 * (`--web.listen-address=127.0.0.1:0`) and read back from its "Listening on" log line; an empty
 * `--cluster.listen-address` turns gossip off, so nothing else is bound.
 */
export async function startAlertmanager(config: string): Promise<RunningAlertmanager> {
  if (!ALERTMANAGER_BIN) throw new Error('no Alertmanager binary');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-am-'));
  const configFile = path.join(dir, 'alertmanager.yml');
  fs.writeFileSync(configFile, config);
  let output = '';
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(dir, 'data')}`,
      '--web.listen-address=127.0.0.1:0',
      '--cluster.listen-address=',
      '--log.level=debug',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = async () => {
    if (!exited) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  let url: string;
  try {
    const port = await waitFor(
      () => {
        if (exited) throw new Error(`alertmanager exited:\n${output}`);
        return /msg="Listening on" address=127\.0\.0\.1:(\d+)/.exec(output)?.[1];
      },
      { timeout: 15_000, message: 'Alertmanager listening' },
    );
    url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, { timeout: 15_000, message: 'Alertmanager ready' });
  } catch (err) {
    await stop();
    throw err;
  }
  const json = async (route: string, init?: RequestInit) => {
    const res = await fetch(url + route, { ...init, headers: { 'content-type': 'application/json' } });
    const text = await res.text();
    if (!res.ok) throw new Error(`alertmanager ${init?.method ?? 'GET'} ${route}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    url,
    dir,
    log: () => output,
    async postAlerts(alerts, forMs = 3_600_000) {
      const now = Date.now();
      await json('/api/v2/alerts', {
        method: 'POST',
        body: JSON.stringify(
          alerts.map((a) => ({
            labels: a.labels,
            annotations: a.annotations ?? {},
            startsAt: new Date(now - 1000).toISOString(),
            endsAt: new Date(now + forMs).toISOString(),
          })),
        ),
      });
    },
    async alerts(filter = {}) {
      const q = Object.entries(filter)
        .map(([k, v]) => `filter=${encodeURIComponent(`${k}="${v}"`)}`)
        .join('&');
      return json(`/api/v2/alerts${q ? `?${q}` : ''}`);
    },
    silences: () => json('/api/v2/silences'),
    stop,
  };
}
