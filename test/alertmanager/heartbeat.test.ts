import { afterEach, describe, expect, it } from 'vitest';
import { ALERTMANAGER_BIN, startAlertmanager, type RunningAlertmanager } from '../helpers/alertmanager.ts';
import { waitFor } from '../helpers/wait.ts';
import { startAmRig, type AmRig } from './rig.ts';

// Heartbeats against a real Alertmanager: its own resends of the always-firing Watchdog alert keep
// the source's heartbeat alive without ever opening an incident; when Alertmanager goes away the
// pings stop and Hark opens a critical incident that pages the group like any other; the next ping
// resolves it. heartbeat_minutes is whole minutes; the test shortens a minute to 6 s.

const TIMEOUT_MIN = 1;
const MINUTE_MS = 6000;
const TIMEOUT_MS = TIMEOUT_MIN * MINUTE_MS;

describe.skipIf(!ALERTMANAGER_BIN)('heartbeats from a real Alertmanager', () => {
  let rig: AmRig | null = null;
  let am: RunningAlertmanager | null = null;
  afterEach(async () => {
    await am?.stop();
    await rig?.close();
    am = null;
    rig = null;
  });

  const lastPing = async (r: AmRig) =>
    Number((await r.hark.store.db.selectFrom('sources').select('heartbeat_at').where('name', '=', 'prom').executeTakeFirstOrThrow()).heartbeat_at ?? 0);
  const heartbeatTimers = (r: AmRig) => r.hark.store.db.selectFrom('timers').selectAll().where('kind', '=', 'heartbeat').execute();

  it('Watchdog resends keep it alive; silence opens a paging incident; the next ping resolves it', async () => {
    rig = await startAmRig({ start: { alertmanager: { heartbeatMinuteMs: MINUTE_MS } } });
    const r = rig;
    const set = await r.api('PATCH', '/api/v1/sources/prom', { heartbeat_minutes: TIMEOUT_MIN });
    expect(set.body).toMatchObject({ heartbeat_minutes: TIMEOUT_MIN, heartbeat_last_ping: null, heartbeat_next_check: null });
    // Not armed before the first ping.
    expect(await heartbeatTimers(r)).toEqual([]);

    am = await startAlertmanager(r.amConfig({ repeat: '1s' }));
    await am.postAlerts([{ labels: { alertname: 'Watchdog', severity: 'none' }, annotations: { summary: 'Alerting pipeline is alive' } }]);
    const first = await waitFor(() => lastPing(r), { message: 'the first Watchdog ping', timeout: 15_000 });
    // Alertmanager resends Watchdog; each resend moves the deadline. Watch for two whole timeouts.
    const pings = new Set<number>([first]);
    await waitFor(
      async () => {
        pings.add(await lastPing(r));
        return Date.now() - first > 2 * TIMEOUT_MS + 1000;
      },
      { message: 'two heartbeat timeouts to pass', timeout: 60_000, interval: 100 },
    );
    expect(pings.size).toBeGreaterThanOrEqual(3);
    expect(await r.incidents()).toEqual([]);
    const armed = await heartbeatTimers(r);
    expect(armed.filter((t) => t.status === 'pending')).toHaveLength(1);
    expect(armed.filter((t) => t.status === 'done')).toEqual([]);

    // Monitoring goes away: the pings stop, and after the timeout an incident pages the group.
    await am.stop();
    am = null;
    const stoppedAt = await lastPing(r);
    const inc = await waitFor(async () => (await r.incidents()).find((i) => i.status === 'triggered'), {
      message: 'the heartbeat incident',
      timeout: TIMEOUT_MS + 15_000,
    });
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(inc).toMatchObject({ title: `No heartbeat from prom for ${TIMEOUT_MIN} min`, severity: 'critical' });
    const card = await r.cardOf(inc.number);
    expect(JSON.stringify(card.content)).toContain(`No heartbeat from prom for ${TIMEOUT_MIN} min`);
    // Hark's own incident: there is nothing to silence at Alertmanager.
    expect(JSON.stringify(card.content)).not.toContain('"op":"silence"');

    // The next ping resolves it (and rearms the check).
    const ping = await fetch(`${r.hark.url}/api/v1/heartbeats/prom`, { method: 'POST', headers: { authorization: `Bearer ${r.token}` } });
    expect(ping.status).toBe(200);
    expect(await ping.json()).toMatchObject({ source: 'prom', resolved_incident: inc.number, next_check: expect.any(String) });
    expect((await r.api('GET', `/api/v1/incidents/${inc.number}`)).body.status).toBe('resolved');
    expect(await r.timeline(inc.number)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^#\d+ opened from prom/), expect.stringMatching(/resolved/)]),
    );
    await waitFor(async () => !JSON.stringify((await r.cardOf(inc.number)).content).includes('"op":"ack"'), { message: 'the card shows it resolved' });
    expect((await heartbeatTimers(r)).filter((t) => t.status === 'pending')).toHaveLength(1);
  });

  it('the heartbeat route takes only the source\'s own token', async () => {
    rig = await startAmRig();
    const r = rig;
    const other = await r.api('POST', '/api/v1/sources', { name: 'grafana', kind: 'grafana' });
    const ping = async (name: string, token?: string) => {
      const res = await fetch(`${r.hark.url}/api/v1/heartbeats/${name}`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
      return [res.status, (await res.json()).error?.message ?? null];
    };
    expect(await ping('prom')).toEqual([401, 'missing source token: send it as "Authorization: Bearer <token>"']);
    expect(await ping('prom', 'hark_nope')).toEqual([401, 'unknown source token']);
    expect(await ping('prom', other.body.token)).toEqual([403, 'this token belongs to source grafana, not prom: ping /api/v1/heartbeats/grafana']);
    // Without heartbeat_minutes a ping is recorded and nothing is armed.
    const ok = await fetch(`${r.hark.url}/api/v1/heartbeats/prom`, { method: 'POST', headers: { authorization: `Bearer ${r.token}` } });
    expect(await ok.json()).toMatchObject({ next_check: null, message: expect.stringContaining('has no heartbeat_minutes') });
    expect(await heartbeatTimers(r)).toEqual([]);
    // Setting it after a ping arms it from that ping.
    const set = await r.api('PATCH', '/api/v1/sources/prom', { heartbeat_minutes: 30 });
    expect(Date.parse(set.body.heartbeat_next_check) - Date.parse(set.body.heartbeat_last_ping)).toBe(30 * 60_000);
    expect((await r.api('PATCH', '/api/v1/sources/prom', { heartbeat_minutes: null })).body.heartbeat_next_check).toBeNull();
    expect((await heartbeatTimers(r)).map((t) => t.status)).toEqual(['cancelled']);
  });
});
