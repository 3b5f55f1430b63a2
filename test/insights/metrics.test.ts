import { afterEach, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../helpers/hark.ts';
import { FakeClock } from '../helpers/clock.ts';
import { waitFor } from '../helpers/wait.ts';
import { findSourceByName } from '../../src/store/source-repo.ts';
import { setSourceTeam, upsertTeam } from '../../src/store/team-repo.ts';

// hark_incident_ack_seconds, hark_incident_resolve_seconds and hark_pages_total as Prometheus
// scrapes them, after a real page through the emulator: Saturday 22:30 in Berlin is sleep hours.
describe('insights metrics', () => {
  let rig: Rig | null = null;
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });

  it('observes the page in sleep hours, the acknowledgement from it and the resolution', async () => {
    const clock = new FakeClock(Date.parse('2026-03-28T21:30:00Z'));
    rig = await startRig({ start: { clock } });
    const r = rig;
    const alice = await r.emu('POST', '/__emulator/users', { name: 'Alice', email: 'alice@example.com' });
    expect((await r.api('POST', '/api/v1/members', { name: 'Alice', email: 'alice@example.com', role: 'responder', lark_open_id: alice.open_id })).status).toBe(201);
    const source = await r.api('POST', '/api/v1/sources', { name: 'pay', kind: 'generic' });
    expect((await r.api('PUT', '/api/v1/sources/pay/escalation', { levels: [{ targets: [{ member: 'alice@example.com' }], wait_minutes: 5 }] })).status).toBe(200);
    const db = r.hark.store.db;
    const team = await upsertTeam(db, { name: 'payments', timeZone: 'Europe/Berlin', homeChatId: null, openToAllResponders: false, settings: {} }, clock.now());
    await setSourceTeam(db, (await findSourceByName(db, 'pay'))!.id, team);

    await r.api('POST', '/api/v1/alerts', { title: 'Errors', alert_key: 'errors', severity: 'critical' }, source.body.token);
    const metrics = async () => (await fetch(`${r.hark.url}/metrics`)).text();
    await waitFor(async () => (await metrics()).includes('hark_pages_total{team="payments",hours="sleep"} 1'), { message: 'a sleep-hours page counted' });

    clock.advance(120_000);
    expect((await r.api('POST', '/api/v1/incidents/1/ack', { by: 'alice@example.com' })).status).toBe(200);
    clock.advance(600_000);
    expect((await r.api('POST', '/api/v1/incidents/1/resolve', { by: 'alice@example.com' })).status).toBe(200);
    const text = await metrics();
    expect(text).toContain('hark_incident_ack_seconds_count{team="payments",severity="critical"} 1');
    expect(text).toContain('hark_incident_ack_seconds_sum{team="payments",severity="critical"} 120');
    expect(text).toContain('hark_incident_resolve_seconds_sum{team="payments",severity="critical"} 720');
    expect(text).toContain('hark_incident_ack_seconds_bucket{le="120",team="payments",severity="critical"} 1');
  });
});
