import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { ALERTMANAGER_BIN, startAlertmanager, type RunningAlertmanager } from '../helpers/alertmanager.ts';
import { waitFor } from '../helpers/wait.ts';
import { ADMIN_TOKEN, apiClient } from '../helpers/api.ts';
import { slowProxy, type SlowProxy } from './slow-proxy.ts';

// Issue 29 item 2, the crash: Hark asked Alertmanager for a silence, Alertmanager made it, and the
// Hark process died (SIGKILL) before it could record the answer. The next Hark started on the same
// database finds that silence in Alertmanager's list (the attempt it wrote down before asking, and
// the marker in the silence's comment) and records it; Unsilence then expires it.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Proc {
  proc: ChildProcess;
  url: string;
  exited: Promise<void>;
}

function startProcess(env: Record<string, string>): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const proc = spawn(path.join(ROOT, 'bin/hark.js'), ['start'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    const seen: string[] = [];
    const onLine = (line: string) => {
      seen.push(line);
      try {
        const rec = JSON.parse(line);
        if (rec.msg === 'hark listening' && rec.port) resolve({ proc, url: `http://127.0.0.1:${rec.port}`, exited });
      } catch {
        /* not JSON */
      }
    };
    readline.createInterface({ input: proc.stdout! }).on('line', onLine);
    readline.createInterface({ input: proc.stderr! }).on('line', onLine);
    void exited.then(() => reject(new Error(`hark exited before listening:\n${seen.slice(-20).join('\n')}`)));
  });
}

describe.skipIf(!ALERTMANAGER_BIN)('a crash between Alertmanager\'s answer and Hark\'s commit', { timeout: 120_000 }, () => {
  let emulator: Emulator | null = null;
  let am: RunningAlertmanager | null = null;
  let proxy: SlowProxy | null = null;
  const procs: Proc[] = [];
  let dir = '';
  afterEach(async () => {
    for (const p of procs.splice(0)) {
      p.proc.kill('SIGKILL');
      await p.exited;
    }
    await proxy?.close();
    await am?.stop();
    await emulator?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    proxy = null;
    am = null;
    emulator = null;
  });

  it('the next Hark finds the silence Alertmanager made, and Unsilence expires it', async () => {
    emulator = await startEmulator({ port: 0, timeScale: 0.001 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-crash-'));
    const env = {
      LARK_APP_ID: emulator.appId,
      LARK_APP_SECRET: emulator.appSecret,
      LARK_DOMAIN: emulator.url,
      DATABASE_URL: `sqlite:${path.join(dir, 'hark.db')}`,
      HARK_PORT: '0',
      HARK_ADMIN_TOKEN: ADMIN_TOKEN,
      HARK_SESSION_SECRET: 'x'.repeat(32),
      HARK_ALERTMANAGER_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'info',
    };
    am = await startAlertmanager('route:\n  receiver: none\nreceivers:\n  - name: none\n');
    proxy = await slowProxy(am.url);
    let hark = await startProcess(env);
    procs.push(hark);
    const api = apiClient(() => hark.url);
    const source = await api('POST', '/api/v1/sources', { name: 'prom', kind: 'alertmanager' });
    expect((await api('PATCH', '/api/v1/sources/prom', { alertmanager_url: proxy.url })).status).toBe(200);
    const labels = { alertname: 'DiskFull', instance: 'db1' };
    const webhook = await fetch(`${hark.url}/api/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${source.body.token}` },
      body: JSON.stringify({
        version: '4', groupKey: '{}:{alertname="DiskFull"}', status: 'firing', receiver: 'hark',
        groupLabels: { alertname: 'DiskFull' }, commonLabels: labels, commonAnnotations: {},
        alerts: [{ status: 'firing', labels, annotations: {}, startsAt: new Date().toISOString(), fingerprint: 'f1' }],
      }),
    });
    const n = (await webhook.json()).incident as number;

    // Alertmanager makes the silence; Hark dies before it hears so.
    const dying = hark;
    proxy.onAnswer = async () => {
      dying.proc.kill('SIGKILL');
      await dying.exited;
    };
    await expect(api('POST', `/api/v1/incidents/${n}/silence`, { duration: '4h' })).rejects.toThrow();
    proxy.onAnswer = null;
    const made = (await am.silences()).filter((s) => s.status.state === 'active');
    expect(made).toHaveLength(1);

    // The next Hark, on the same database, finds it and records it.
    hark = await startProcess(env);
    procs.push(hark);
    const timeline = async () => ((await api('GET', `/api/v1/incidents/${n}`)).body.timeline ?? []).map((t: any) => t.message as string);
    await waitFor(async () => (await timeline()).some((m: string) => m.includes(`Alertmanager silence ${made[0].id}, confirmed after Hark had stopped waiting`)), {
      message: 'the silence recorded after the restart',
      timeout: 30_000,
    });
    const un = await api('DELETE', `/api/v1/incidents/${n}/silence`);
    expect(un).toMatchObject({ status: 200, body: { changed: true } });
    expect((await am.silences()).filter((s) => s.status.state === 'active')).toEqual([]);
  });
});
