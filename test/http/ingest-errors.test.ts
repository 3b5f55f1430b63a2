import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEngines, type TestStore } from '../helpers/store.ts';
import { countRows } from './count.ts';
import { fixture } from './fixtures.ts';
import { ADMIN_TOKEN } from '../helpers/api.ts';
import { startServer, type Server } from './harness.ts';

// Every refusal answers with its status and a message naming the field and the problem, and
// leaves no row behind.
describe.each(testEngines)('refused ingest on $name', ({ skip, open }) => {
  let store: TestStore;
  let s: Server;
  let am: string;
  let generic: string;
  let before: Record<string, number>;
  beforeEach(async () => {
    store = s = undefined!; // a failed open() must not leave the previous test's handles to close twice
    if (skip) return;
    store = await open();
    s = await startServer(store, { bodyLimitBytes: 64 * 1024 });
    am = await s.source('prom', 'alertmanager');
    generic = await s.source('cron', 'generic');
    before = await countRows(store.db);
  });
  afterEach(async () => {
    if (!store || !s) return;
    expect(await countRows(store.db)).toEqual(before);
    expect(s.listener.changes).toEqual([]);
    await s.close();
    await store.cleanup();
  });

  const amCase = (mutate: (p: any) => void) => {
    const p = fixture('alertmanager/firing.json');
    mutate(p);
    return p;
  };

  it.skipIf(skip).each([
    ['missing groupKey', amCase((p) => delete p.groupKey), 'groupKey: is required'],
    ['alert status not an enum', amCase((p) => (p.alerts[1].status = 'bogus')), 'alerts[1].status: must be one of "firing", "resolved", got "bogus"'],
    ['label of the wrong type', amCase((p) => (p.alerts[0].labels.severity = 3)), 'alerts[0].labels.severity: expected string, got number'],
    ['bad timestamp', amCase((p) => (p.alerts[0].startsAt = 'yesterday')), 'alerts[0].startsAt: must be an RFC 3339 timestamp'],
    ['other webhook version', amCase((p) => (p.version = '3')), 'version: must be "4"'],
    ['no alerts', amCase((p) => (p.alerts = [])), 'alerts: must contain at least one alert'],
    ['not an object', [1, 2], 'body: expected object, got array'],
  ])('Alertmanager payload with %s → 400', async (_name, body, message) => {
    const r = await s.call('POST', '/api/v1/alerts/alertmanager', { token: am, body });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid');
    expect(r.body.error.message).toContain(message);
  });

  it.skipIf(skip).each([
    ['missing title', { severity: 'critical' }, 'title: is required'],
    ['title of the wrong type', { title: 42 }, 'title: expected string, got number'],
    ['unknown severity', { title: 'x', severity: 'apocalyptic' }, 'severity: is not a severity; use critical, warning or info'],
    ['bad status', { title: 'x', status: 'open' }, 'status: must be one of "firing", "resolved", got "open"'],
    ['bad link', { title: 'x', links: ['not a url'] }, 'links[0]'],
  ])('generic event with %s → 400', async (_name, body, message) => {
    const r = await s.call('POST', '/api/v1/alerts', { token: generic, body });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain(message);
  });

  it.skipIf(skip)('invalid JSON → 400', async () => {
    const r = await s.call('POST', '/api/v1/alerts', { token: generic, raw: '{"title": ' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid');
  });

  it.skipIf(skip)('missing, unknown or admin token → 401', async () => {
    const body = fixture('alertmanager/firing.json');
    const missing = await s.call('POST', '/api/v1/alerts/alertmanager', { body });
    expect(missing.status).toBe(401);
    expect(missing.body.error.message).toContain('Authorization: Bearer');
    const wrong = await s.call('POST', '/api/v1/alerts/alertmanager', { token: 'hark_nope', body });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toBe('unknown source token');
    const admin = await s.call('POST', '/api/v1/alerts/alertmanager', { token: ADMIN_TOKEN, body });
    expect(admin.status).toBe(401);
  });

  it.skipIf(skip)("another kind's token on the wrong route → 400 naming the right route", async () => {
    const r = await s.call('POST', '/api/v1/alerts/grafana', { token: am, body: fixture('grafana/firing.json') });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe('source "prom" is of kind alertmanager, not grafana: send its alerts to /api/v1/alerts/alertmanager');
    const g = await s.call('POST', '/api/v1/alerts/alertmanager', { token: generic, body: fixture('alertmanager/firing.json') });
    expect(g.body.error.message).toContain('send its alerts to /api/v1/alerts');
  });

  it.skipIf(skip)('a body past the limit → 413', async () => {
    const p = fixture('alertmanager/firing.json');
    p.commonAnnotations.description = 'x'.repeat(70 * 1024);
    const r = await s.call('POST', '/api/v1/alerts/alertmanager', { token: am, body: p });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('too_large');
  });
});

describe.each(testEngines)('overload on $name', ({ skip, open }) => {
  it.skipIf(skip)('answers 503 with Retry-After, never 4xx, when too many payloads are in flight', async () => {
    const store = await open();
    const s = await startServer(store, { maxInFlight: 0 });
    try {
      const token = await s.source('prom', 'alertmanager');
      const res = await fetch(`${s.url}/api/v1/alerts/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(fixture('alertmanager/firing.json')),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect((await countRows(store.db)).incidents).toBe(0);
    } finally {
      await s.close();
      await store.cleanup();
    }
  });

  it.skipIf(skip)('answers 503 when the database is busy, and keeps nothing', async () => {
    const store = await open();
    // The listener runs inside the transaction; a busy error there must roll everything back.
    const busy = Object.assign(new Error('database is locked'), { code: store.engine === 'sqlite' ? 'SQLITE_BUSY' : '53300' });
    const s = await startServer(store, { listener: { onChange: async () => { throw busy; } } });
    try {
      const token = await s.source('prom', 'alertmanager');
      const r = await s.call('POST', '/api/v1/alerts/alertmanager', { token, body: fixture('alertmanager/firing.json') });
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('unavailable');
      expect(await countRows(store.db)).toMatchObject({ incidents: 0, alerts: 0, timeline: 0, payloads: 0 });
    } finally {
      await s.close();
      await store.cleanup();
    }
  });
});
