import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEngines, type TestStore } from '../helpers/store.ts';
import { countRows } from './count.ts';
import { fixture } from './fixtures.ts';
import { startServer, type Server } from './harness.ts';

describe.each(testEngines)('incident admin API on $name', ({ skip, open }) => {
  let store: TestStore;
  let s: Server;
  let am: string;
  beforeEach(async () => {
    store = s = undefined!; // a failed open() must not leave the previous test's handles to close twice
    if (skip) return;
    store = await open();
    s = await startServer(store);
    am = await s.source('prom', 'alertmanager');
    for (const [name, email] of [['Alice', 'alice@example.com'], ['Bob', 'bob@example.com']]) {
      expect((await s.admin('POST', '/api/v1/members', { name, email, role: 'responder' })).status).toBe(201);
    }
    await s.call('POST', '/api/v1/alerts/alertmanager', { token: am, body: fixture('alertmanager/firing.json') });
  });
  afterEach(async () => {
    if (!store) return;
    await s?.close();
    await store.cleanup();
  });
  const act = (action: string, body?: unknown) => s.admin('POST', `/api/v1/incidents/1/${action}`, body);

  it.skipIf(skip)('acknowledges once and tells the second caller who did it first', async () => {
    s.clock.advance(2 * 60_000);
    const first = await act('ack', { by: 'alice@example.com' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ changed: true, message: '#1 acknowledged by Alice', incident: { status: 'acknowledged', acked_by: { name: 'Alice' } } });
    s.clock.advance(60_000);
    const second = await act('ack', { by: 'bob@example.com' });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({
      changed: false,
      by: { name: 'Alice', at: '2026-05-01T10:02:00.000Z' },
      message: '#1 is already acknowledged by Alice at 10:02 UTC',
    });
    const detail = (await s.admin('GET', '/api/v1/incidents/1')).body;
    expect(detail.timeline.map((t: any) => [t.kind, t.via, t.actor?.name])).toEqual([
      ['open', 'auto', 'prom'],
      ['ack', 'api', 'Alice'],
    ]);
  });

  it.skipIf(skip)('runs the whole lifecycle: unack, snooze and its end, resolve, reopen', async () => {
    expect((await act('unack')).status).toBe(409);
    await act('ack');
    expect((await act('unack', { by: 'bob@example.com' })).body).toMatchObject({ changed: true, incident: { status: 'triggered', acked_by: null } });
    expect((await act('unack')).body).toMatchObject({ changed: false, by: { name: 'Bob' } });

    const snoozed = await act('snooze', { duration: '1h30m', by: 'alice@example.com' });
    expect(snoozed.body).toMatchObject({ changed: true, incident: { snoozed_until: '2026-05-01T11:30:00.000Z' } });
    expect(snoozed.body.message).toBe('#1 snoozed by Alice for 1h30m, until 11:30 UTC');
    expect((await act('snooze', { duration: '1h30m' })).body).toMatchObject({ changed: false, by: { name: 'Alice' } });
    for (const [duration, msg] of [['30s', 'out of range'], ['8d', 'out of range'], ['soon', 'is not a duration'], [undefined, 'duration: is required']]) {
      const r = await act('snooze', { duration });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toContain(msg);
    }

    // The scanner ends due snoozes; nothing before it is due.
    expect(await s.incidents.endDueSnoozes()).toEqual([]);
    s.clock.advance(90 * 60_000);
    const ended = await s.incidents.endDueSnoozes();
    expect(ended.map((r) => [r.incident.number, r.incident.status])).toEqual([[1, 'triggered']]);
    expect(s.listener.changes.at(-1)).toMatchObject({ type: 'state_changed', action: 'snooze_end' });

    expect((await act('resolve', { by: 'bob@example.com' })).body).toMatchObject({ changed: true, incident: { status: 'resolved' } });
    expect((await act('resolve')).body).toMatchObject({ changed: false, by: { name: 'Bob' } });
    const refused = await act('snooze', { duration: '30m' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe('#1 is resolved; a resolved incident cannot be snoozed');

    expect((await act('reopen')).body).toMatchObject({ changed: true, incident: { status: 'triggered' } });
    expect((await act('reopen')).body.changed).toBe(false);
    // Reopened, it collects its group's alerts again.
    const more = fixture('alertmanager/firing.json');
    more.alerts[0].fingerprint = 'ffff000011112222';
    expect((await s.call('POST', '/api/v1/alerts/alertmanager', { token: am, body: more })).body).toMatchObject({ incident: 1, created: false });
  });

  it.skipIf(skip)('reopening an incident whose group has a newer open incident leaves new alerts with the newer one', async () => {
    await act('resolve');
    await s.call('POST', '/api/v1/alerts/alertmanager', { token: am, body: fixture('alertmanager/firing.json') });
    const r = await act('reopen');
    expect(r.body.message).toContain('a newer incident is open for the same alerts');
    expect((await s.call('POST', '/api/v1/alerts/alertmanager', { token: am, body: fixture('alertmanager/mixed.json') })).body.incident).toBe(2);
  });

  it.skipIf(skip)('lists newest first with a cursor and a status filter', async () => {
    const generic = await s.source('cron', 'generic');
    for (let i = 0; i < 4; i++) await s.call('POST', '/api/v1/alerts', { token: generic, body: { title: `Job ${i} failed`, alert_key: `job-${i}` } });
    await act('resolve');
    const page1 = (await s.admin('GET', '/api/v1/incidents?limit=2')).body;
    expect(page1.items.map((i: any) => i.number)).toEqual([5, 4]);
    expect(page1.items[0]).toMatchObject({ title: 'Job 3 failed', status: 'triggered', severity: 'warning', source: 'cron' });
    const page2 = (await s.admin('GET', `/api/v1/incidents?limit=2&cursor=${page1.next_cursor}`)).body;
    expect(page2.items.map((i: any) => i.number)).toEqual([3, 2]);
    const page3 = (await s.admin('GET', `/api/v1/incidents?limit=2&cursor=${page2.next_cursor}`)).body;
    expect(page3).toMatchObject({ items: [{ number: 1, status: 'resolved' }], next_cursor: null });
    expect((await s.admin('GET', '/api/v1/incidents?status=resolved')).body.items.map((i: any) => i.number)).toEqual([1]);
    expect((await s.admin('GET', '/api/v1/incidents?status=open')).body.items).toHaveLength(4);
    for (const q of ['status=closed', 'limit=0', 'limit=abc', 'cursor=zzz']) {
      expect((await s.admin('GET', `/api/v1/incidents?${q}`)).status).toBe(400);
    }
  });

  it.skipIf(skip)('refuses bad requests with a status and a sentence, writing nothing', async () => {
    const before = await countRows(store.db);
    expect((await s.call('GET', '/api/v1/incidents')).status).toBe(401);
    expect((await s.call('POST', '/api/v1/incidents/1/ack', { token: 'wrong' })).status).toBe(401);
    expect((await s.call('POST', '/api/v1/incidents/1/ack', { token: am })).status).toBe(401);
    expect((await s.admin('GET', '/api/v1/incidents/99')).body.error.message).toBe('incident #99 does not exist');
    expect((await s.admin('POST', '/api/v1/incidents/99/ack')).status).toBe(404);
    expect((await s.admin('POST', '/api/v1/incidents/abc/ack')).status).toBe(400);
    expect((await s.admin('POST', '/api/v1/incidents/1/explode')).status).toBe(404);
    const ghost = await act('ack', { by: 'ghost@example.com' });
    expect(ghost.status).toBe(400);
    expect(ghost.body.error.message).toBe('by: no member has the email ghost@example.com');
    expect(await countRows(store.db)).toEqual(before);
  });
});

describe.each(testEngines)('sources and members API on $name', ({ skip, open }) => {
  it.skipIf(skip)('creates, lists and refuses duplicates and bad input', async () => {
    const store = await open();
    const s = await startServer(store);
    try {
      const created = await s.admin('POST', '/api/v1/sources', { name: 'prom-eu', kind: 'alertmanager' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'prom-eu', kind: 'alertmanager' });
      expect(created.body.token).toMatch(/^hark_[A-Za-z0-9_-]{43}$/);
      const listed = (await s.admin('GET', '/api/v1/sources')).body.items;
      expect(listed).toEqual([{ name: 'prom-eu', kind: 'alertmanager', created_at: '2026-05-01T10:00:00.000Z' }]);
      const row = await store.db.selectFrom('sources').select('token_hash').executeTakeFirstOrThrow();
      expect(row.token_hash).not.toContain(created.body.token);

      const dup = await s.admin('POST', '/api/v1/sources', { name: 'prom-eu', kind: 'grafana' });
      expect(dup.status).toBe(409);
      expect(dup.body.error.message).toBe('name: a source named "prom-eu" already exists');
      expect((await s.admin('POST', '/api/v1/sources', { name: 'Prom EU', kind: 'alertmanager' })).body.error.message).toContain('name: must be a slug');
      expect((await s.admin('POST', '/api/v1/sources', { name: 'x', kind: 'nagios' })).body.error.message).toContain('kind: must be one of');
      expect((await s.call('POST', '/api/v1/sources', { body: { name: 'y', kind: 'generic' } })).status).toBe(401);

      const m = await s.admin('POST', '/api/v1/members', { name: 'Alice', email: 'Alice@Example.com', role: 'admin', lark_open_id: 'ou_7d8a6e6df7621556ce0d21922b676706' });
      expect(m.status).toBe(201);
      expect(m.body).toMatchObject({ name: 'Alice', email: 'alice@example.com', role: 'admin', linked: true });
      expect((await s.admin('POST', '/api/v1/members', { name: 'A2', email: 'alice@example.com', role: 'viewer' })).status).toBe(409);
      expect((await s.admin('POST', '/api/v1/members', { name: 'B', email: 'b@example.com', role: 'boss' })).body.error.message).toContain('role: must be one of');
      expect((await s.admin('POST', '/api/v1/members', { name: 'B', email: 'nope', role: 'viewer' })).body.error.message).toBe('email: must be an email address');
      expect((await s.admin('GET', '/api/v1/members')).body.items).toHaveLength(1);
    } finally {
      await s.close();
      await store.cleanup();
    }
  });
});
