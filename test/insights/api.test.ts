import { afterEach, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../helpers/hark.ts';
import { FakeClock } from '../helpers/clock.ts';
import { ADMIN_TOKEN } from '../helpers/api.ts';
import { seedWeek, WINDOW } from './fixture.ts';

// GET /api/v1/insights and /api/v1/insights.csv on the production wiring (buildHark, real SQLite,
// the emulator over real sockets), and figures that agree with an incident's own timeline.
describe('insights API', () => {
  let rig: Rig | null = null;
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });

  it('answers the figures as JSON and CSV, and names bad filters', async () => {
    rig = await startRig();
    await seedWeek(rig.hark.store.db);
    const q = `from=${WINDOW.from}&to=${WINDOW.to}`;
    const r = await rig.api('GET', `/api/v1/insights?team=payments&${q}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      team: 'payments', incidents: 8, mtta_p50_s: 245, mtta_p90_s: 528, acked_within_5m: 0.25, escalated: 1,
      pages: { work: 2, off: 2, sleep: 2 }, previous: { incidents: 1 },
    });
    expect(r.body.noisiest[0]).toMatchObject({ group_key: 'alertname=DiskFull', count: 4, auto_resolved: 1, flapping: 1 });
    expect(r.body.series).toHaveLength(8);

    const csv = await fetch(`${rig.hark.url}/api/v1/insights.csv?member=bob@example.com&${q}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="hark-insights-2026-03-25-2026-04-01.csv"');
    const lines = (await csv.text()).split('\r\n');
    expect(lines[0]).toBe('section,name,metric,value');
    expect(lines).toContain('window,2026-03-25T00:00:00.000Z/2026-04-01T00:00:00.000Z,incidents,2');
    expect(lines).toContain('person,bob@example.com,pages_sleep,1');

    expect(await rig.api('GET', '/api/v1/insights?team=nope')).toMatchObject({ status: 404, body: { error: { message: 'team: no team named "nope"' } } });
    expect((await rig.api('GET', '/api/v1/insights?window=2w')).status).toBe(400);
    expect((await fetch(`${rig.hark.url}/api/v1/insights`)).status).toBe(401);
  });

  it('agrees with the timeline of an incident opened and acknowledged through the API', async () => {
    const clock = new FakeClock();
    rig = await startRig({ start: { clock } });
    const source = await rig.api('POST', '/api/v1/sources', { name: 'jobs', kind: 'generic' });
    await rig.api('POST', '/api/v1/members', { name: 'Carol', email: 'carol@example.com', role: 'responder' });
    await rig.api('POST', '/api/v1/alerts', { title: 'Job failed', alert_key: 'job' }, source.body.token);
    clock.advance(200_000);
    expect((await rig.api('POST', '/api/v1/incidents/1/ack', { by: 'carol@example.com' })).status).toBe(200);
    const timeline = (await rig.api('GET', '/api/v1/incidents/1')).body.timeline as { kind: string; at: string }[];
    const at = (k: string) => Date.parse(timeline.find((t) => t.kind === k)!.at);
    expect(at('ack') - at('open')).toBe(200_000);
    const r = (await rig.api('GET', '/api/v1/insights?source=jobs&window=1d')).body;
    expect(r).toMatchObject({ incidents: 1, mtta_p50_s: 200, mttr_p50_s: null, acked_within_5m: 1 });
    expect(r.noisiest).toMatchObject([{ source: 'jobs', count: 1, auto_resolved: 0, silenceable: false }]);
  });
});
