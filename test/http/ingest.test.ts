import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEngines, type TestStore } from '../helpers/store.ts';
import { countRows } from './count.ts';
import { fixture } from './fixtures.ts';
import { startServer, type Server } from './harness.ts';

describe.each(testEngines)('alert ingest on $name', ({ skip, open }) => {
  let store: TestStore;
  let s: Server;
  beforeEach(async () => {
    store = s = undefined!; // a failed open() must not leave the previous test's handles to close twice
    if (skip) return;
    store = await open();
    s = await startServer(store);
  });
  afterEach(async () => {
    if (!store) return;
    await s?.close();
    await store.cleanup();
  });

  it.skipIf(skip)('groups an Alertmanager group into one incident through firing, mixed and resolved', async () => {
    const token = await s.source('prom', 'alertmanager');
    const post = (body: unknown) => s.call('POST', '/api/v1/alerts/alertmanager', { token, body });

    const first = await post(fixture('alertmanager/firing.json'));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ incident: 1, created: true, changed: true, alerts: 2 });
    let inc = (await s.admin('GET', '/api/v1/incidents/1')).body;
    expect(inc).toMatchObject({ number: 1, status: 'triggered', severity: 'critical', source: 'prom', title: 'NodeFilesystemAlmostFull' });
    expect(inc.alerts.map((a: any) => [a.fingerprint, a.status, a.severity])).toEqual([
      ['3d1f2bb07c2a9e41', 'firing', 'critical'],
      ['8a0c55e1f4b7d9a2', 'firing', 'warning'],
    ]);
    expect(inc.alerts[0].ends_at).toBeNull();
    expect(inc.links.map((l: any) => l.title)).toEqual(['Runbook', 'Source', 'Alertmanager']);
    expect(inc.timeline).toHaveLength(1);
    expect(inc.timeline[0]).toMatchObject({ kind: 'open', via: 'auto', actor: { name: 'prom' } });

    // Alertmanager resends the same group every group_interval: nothing changes, not even updated_at.
    s.clock.advance(60_000);
    const again = await post(fixture('alertmanager/firing.json'));
    expect(again.body).toMatchObject({ incident: 1, created: false, changed: false });
    const same = (await s.admin('GET', '/api/v1/incidents/1')).body;
    expect(same.timeline).toHaveLength(1);
    expect(same.version).toBe(inc.version);
    expect(same.updated_at).toBe(inc.updated_at);

    // db-1 (critical) recovers: the incident stays open with the worst firing severity, warning.
    s.clock.advance(60_000);
    expect((await post(fixture('alertmanager/mixed.json'))).body).toMatchObject({ incident: 1, changed: true });
    inc = (await s.admin('GET', '/api/v1/incidents/1')).body;
    expect(inc).toMatchObject({ status: 'triggered', severity: 'warning' });
    expect(inc.timeline.at(-1)).toMatchObject({ kind: 'alerts', data: { resolved: ['3d1f2bb07c2a9e41'], firing: [] } });

    // Every alert resolved: the incident resolves by itself, via auto, and frees its group key.
    s.clock.advance(60_000);
    expect((await post(fixture('alertmanager/resolved.json'))).body).toMatchObject({ incident: 1, status: 'resolved' });
    inc = (await s.admin('GET', '/api/v1/incidents/1')).body;
    expect(inc.status).toBe('resolved');
    expect(inc.timeline.at(-1)).toMatchObject({ kind: 'auto_resolve', via: 'auto' });
    expect(inc.timeline.at(-1).message).toContain('all alerts resolved');
    const row = await store.db.selectFrom('incidents').select('open_key').where('number', '=', 1).executeTakeFirstOrThrow();
    expect(row.open_key).toBeNull();
    expect(s.listener.types()).toEqual(['created', 'alert_resolved', 'alert_resolved', 'state_changed']);

    // A resolved resend opens nothing; a new firing more than reopen_minutes (10) after resolving by
    // itself opens a new incident, #2 (within them it reopens #1: test/maintenance/noise.test.ts).
    expect((await post(fixture('alertmanager/resolved.json'))).body).toMatchObject({ incident: null, created: false });
    s.clock.advance(10 * 60_000 + 1);
    expect((await post(fixture('alertmanager/firing.json'))).body).toMatchObject({ incident: 2, created: true });
  });

  it.skipIf(skip)('records a resolved alert for a group with no open incident without opening one', async () => {
    const token = await s.source('prom', 'alertmanager');
    const r = await s.call('POST', '/api/v1/alerts/alertmanager', { token, body: fixture('alertmanager/resolved.json') });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ incident: null, created: false, changed: false });
    const counts = await countRows(store.db);
    expect(counts).toMatchObject({ incidents: 0, alerts: 0, timeline: 0, payloads: 1 });
    const p = await store.db.selectFrom('payloads').selectAll().executeTakeFirstOrThrow();
    expect(p.incident_number).toBeNull();
    expect(JSON.parse(p.body).groupKey).toContain('NodeFilesystemAlmostFull');
  });

  it.skipIf(skip)('takes Grafana payloads with values, orgId and mapped severities', async () => {
    const token = await s.source('grafana-prod', 'grafana');
    const post = (body: unknown) => s.call('POST', '/api/v1/alerts/grafana', { token, body });
    expect((await post(fixture('grafana/firing.json'))).body).toMatchObject({ incident: 1, created: true });
    let inc = (await s.admin('GET', '/api/v1/incidents/1')).body;
    expect(inc.severity).toBe('critical'); // "P1"
    expect(inc.group_key.startsWith('org1:')).toBe(true);
    expect(inc.alerts[1].severity).toBe('warning'); // "P3"
    expect(inc.alerts[0].extra.values).toEqual({ A: 1.8342, C: 1 });
    expect(inc.links.map((l: any) => l.title)).toEqual(['Runbook', 'Alert rule', 'Dashboard', 'Panel']);

    await post(fixture('grafana/mixed.json'));
    inc = (await s.admin('GET', '/api/v1/incidents/1')).body;
    expect(inc).toMatchObject({ status: 'triggered', severity: 'warning' });
    await post(fixture('grafana/resolved.json'));
    expect((await s.admin('GET', '/api/v1/incidents/1')).body.status).toBe('resolved');
  });

  it.skipIf(skip)('takes generic events keyed by alert_key', async () => {
    const token = await s.source('cron', 'generic');
    const post = (body: unknown) => s.call('POST', '/api/v1/alerts', { token, body });
    const fire = {
      title: 'Nightly backup failed',
      severity: 'error',
      alert_key: 'backup-nightly',
      description: 'pg_dump exited with 1',
      labels: { host: 'db-1', attempt: 3 },
      links: ['https://ci.example.com/jobs/991', { title: 'Runbook', url: 'https://runbooks.example.com/backup' }],
    };
    expect((await post(fire)).body).toMatchObject({ incident: 1, created: true });
    const inc = (await s.admin('GET', '/api/v1/incidents/1')).body;
    expect(inc).toMatchObject({ severity: 'critical', title: 'Nightly backup failed', labels: { host: 'db-1', attempt: '3' } });
    expect(inc.links).toEqual([
      { title: 'Link 1', url: 'https://ci.example.com/jobs/991' },
      { title: 'Runbook', url: 'https://runbooks.example.com/backup' },
    ]);
    expect((await post(fire)).body.changed).toBe(false);
    expect((await post({ ...fire, status: 'resolved' })).body).toMatchObject({ incident: 1, status: 'resolved' });
  });

  it.skipIf(skip)('keeps the raw payloads bounded per incident and cuts large ones', async () => {
    const token = await s.source('cron', 'generic');
    for (let i = 0; i < 25; i++) {
      await s.call('POST', '/api/v1/alerts', { token, body: { title: 'Flappy', alert_key: 'f', description: 'x'.repeat(100 * i) } });
    }
    const rows = await store.db.selectFrom('payloads').select(['id', 'body']).where('incident_number', '=', 1).execute();
    expect(rows).toHaveLength(20);
    await s.call('POST', '/api/v1/alerts', { token, body: { title: 'Flappy', alert_key: 'f', labels: { big: 'y'.repeat(15000) }, description: 'z'.repeat(16000) } });
    const big = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v'.repeat(15000)]));
    await s.call('POST', '/api/v1/alerts', { token, body: { title: 'Flappy', alert_key: 'f', labels: big } });
    const last = await store.db.selectFrom('payloads').select('body').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(Buffer.byteLength(last.body)).toBeLessThan(64 * 1024 + 100);
    expect(last.body).toContain('[truncated:');
  });
});
