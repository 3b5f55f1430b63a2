import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ALERTMANAGER_BIN, AMTOOL_BIN, startAlertmanager, type RunningAlertmanager } from '../helpers/alertmanager.ts';
import { waitFor } from '../helpers/wait.ts';
import { startAmRig, type AmRig } from './rig.ts';

// The alertmanager.yml the README shows is the one that works: amtool accepts it, and the real
// Alertmanager started with it (the URL and token pointed at a test Hark) delivers its Watchdog to
// Hark as a heartbeat.

const README = path.join(import.meta.dirname, '../../README.md');

function readmeConfig(): string {
  const text = fs.readFileSync(README, 'utf8');
  const m = /<!-- alertmanager\.yml: checked by test\/alertmanager\/readme-config\.test\.ts -->\n```yaml\n([\s\S]*?)```/.exec(text);
  if (!m) throw new Error('README has no alertmanager.yml block after its marker');
  return m[1];
}

describe.skipIf(!ALERTMANAGER_BIN)('the README\'s alertmanager.yml', () => {
  let rig: AmRig | null = null;
  let am: RunningAlertmanager | null = null;
  afterEach(async () => {
    await am?.stop();
    await rig?.close();
    am = null;
    rig = null;
  });

  it.skipIf(!AMTOOL_BIN)('passes amtool check-config', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-amtool-'));
    try {
      const file = path.join(dir, 'alertmanager.yml');
      fs.writeFileSync(file, readmeConfig());
      const { stdout } = await promisify(execFile)(AMTOOL_BIN!, ['check-config', file]);
      expect(stdout).toContain('SUCCESS');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('as given (only Hark\'s URL and the token filled in) sends the Watchdog to Hark as a heartbeat', async () => {
    rig = await startAmRig();
    const r = rig;
    const config = readmeConfig()
      .replace('https://hark.example.com', r.hark.url)
      .replace('hark_SOURCE_TOKEN', r.token);
    am = await startAlertmanager(config);
    await am.postAlerts([{ labels: { alertname: 'Watchdog', severity: 'none' } }]);
    const ping = await waitFor(
      async () => (await r.hark.store.db.selectFrom('sources').select('heartbeat_at').where('name', '=', 'prom').executeTakeFirstOrThrow()).heartbeat_at,
      { message: 'the Watchdog reached Hark', timeout: 20_000 },
    );
    expect(Number(ping)).toBeGreaterThan(0);
    expect(await r.incidents()).toEqual([]);
  });
});
