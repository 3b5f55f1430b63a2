import { afterEach, describe, expect, it } from 'vitest';
import { ALERTMANAGER_BIN, startAlertmanager, type RunningAlertmanager } from '../helpers/alertmanager.ts';

// The test helper itself: a real Alertmanager on a port the OS chose, taking alerts over API v2.
describe.skipIf(!ALERTMANAGER_BIN)('real Alertmanager (test helper)', () => {
  let am: RunningAlertmanager | null = null;
  afterEach(async () => {
    await am?.stop();
    am = null;
  });

  it('starts on a free port, takes an alert, and stops', async () => {
    am = await startAlertmanager('route: { receiver: blackhole }\nreceivers: [{ name: blackhole }]\n');
    expect(am.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await am.postAlerts([{ labels: { alertname: 'DiskFull', instance: 'db1' } }]);
    const alerts = await am.alerts({ alertname: 'DiskFull' });
    expect(alerts.map((a) => a.labels.instance)).toEqual(['db1']);
    expect(alerts[0].status.state).not.toBe('suppressed');
    const dir = am.dir;
    await am.stop();
    am = null;
    const { existsSync } = await import('node:fs');
    expect(existsSync(dir)).toBe(false);
  });
});
