import { incidentStore } from '../../src/store/incident-store.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely, type KyselyPlugin } from 'kysely';
import { Outbox } from '../../src/delivery/outbound.ts';
import { DeliveryListener } from '../../src/delivery/listener.ts';
import { deliveryConfig } from '../../src/delivery/config.ts';
import { loadIncident } from '../../src/delivery/views.ts';
import { IncidentService } from '../../src/incident/service.ts';
import { SourceService } from '../../src/incident/source-service.ts';
import type { Actor } from '../../src/incident/types.ts';
import { ChatDirectory } from '../../src/delivery/chats.ts';
import * as repo from '../../src/store/incident-repo.ts';
import { findMemberByOpenId, insertMember } from '../../src/store/member-repo.ts';
import { fixedLimit, param, prepare } from '../../src/store/prepared.ts';
import type { DB } from '../../src/store/schema.ts';
import { openSqliteTestStore, testEngines, type TestStore } from '../helpers/store.ts';
import { FakeClock } from '../http/harness.ts';

// src/store/prepared.ts: a query built and compiled once, run with other values. Each case compares
// with what kysely's builder gives for the same values, on SQLite and (HARK_TEST_DATABASE_URL) PostgreSQL.

const membersByRole = (db: Kysely<DB>, p: { role: string; minId: number }) =>
  db.selectFrom('members').selectAll().where('role', '=', p.role).where('id', '>=', p.minId).orderBy('id');

describe.each(testEngines)('prepared queries on $name', ({ name, skip, open }) => {
  let store: TestStore;
  beforeAll(async () => {
    if (skip) return;
    store = await open();
    const now = 1_000;
    await insertMember(store.db, { name: 'Alice', email: 'alice@example.com', role: 'responder', openId: 'ou_alice', now });
    await insertMember(store.db, { name: 'Bob', email: 'bob@example.com', role: 'admin', openId: 'ou_bob', now });
    await insertMember(store.db, { name: 'Carol', email: 'carol@example.com', role: 'responder', openId: null, now });
  });
  afterAll(async () => {
    if (store) await store.cleanup();
  });

  it.skipIf(skip)('selects what the kysely-built query selects, with new values on every call', async () => {
    const q = prepare('members by role', { role: param<string>(), minId: param<number>() }, membersByRole);
    const calls = [
      { role: 'responder', minId: 0 },
      { role: 'admin', minId: 0 },
      { role: 'responder', minId: 2 },
      { role: 'nobody', minId: 0 },
    ];
    for (const values of calls) {
      const built = membersByRole(store.db, values);
      expect(await q.rows(store.db, values)).toEqual(await built.execute());
      expect(await q.first(store.db, values)).toEqual(await built.executeTakeFirst());
      const compiled = q.compile(store.db, values);
      expect({ sql: compiled.sql, parameters: compiled.parameters }).toEqual({ sql: built.compile().sql, parameters: built.compile().parameters });
    }
    expect((await q.rows(store.db, calls[0])).map((m) => m.name)).toEqual(['Alice', 'Carol']);
    expect((await q.rows(store.db, calls[2])).map((m) => m.name)).toEqual(['Carol']);
    // Compiled for this engine: PostgreSQL numbers its placeholders.
    expect(q.compile(store.db, calls[0]).sql).toMatch(name === 'postgres' ? /"role" = \$1 and "id" >= \$2/ : /"role" = \? and "id" >= \?/);
  });

  it.skipIf(skip)('fixedLimit writes a constant LIMIT into the SQL text, in a prepared query too, and refuses what is not a count', async () => {
    const built = store.db.selectFrom('members').select('name').orderBy('id').limit(fixedLimit(2));
    expect(built.compile().sql).toMatch(/ limit 2$/);
    expect(built.compile().parameters).toEqual([]);
    expect((await built.execute()).map((m) => m.name)).toEqual(['Alice', 'Bob']);
    const q = prepare('first member of a role', { role: param<string>() }, (db, p) =>
      db.selectFrom('members').select('name').where('role', '=', p.role).orderBy('id').limit(fixedLimit(1)),
    );
    expect(await q.rows(store.db, { role: 'responder' })).toEqual([{ name: 'Alice' }]);
    expect(q.compile(store.db, { role: 'admin' }).sql).toMatch(/ limit 1$/);
    for (const bad of [-1, 1.5, Number.NaN, Infinity]) expect(() => fixedLimit(bad)).toThrow(/a limit is a non-negative integer/);
  });

  it.skipIf(skip)('a repository lookup gives the same member as before, or null', async () => {
    expect(await findMemberByOpenId(store.db, 'ou_bob')).toMatchObject({ name: 'Bob', role: 'admin', openId: 'ou_bob' });
    expect(await findMemberByOpenId(store.db, 'ou_alice')).toMatchObject({ name: 'Alice' });
    expect(await findMemberByOpenId(store.db, 'ou_nobody')).toBeNull();
  });

  it.skipIf(skip)('writes nulls and values, counts affected rows, and uses a parameter at two places', async () => {
    const insert = prepare(
      'insert pending action',
      { openId: param<string>(), incident: param<number>(), duration: param<string | null>(), at: param<number>(2) },
      (db, p) =>
        db.insertInto('pending_actions').values({
          open_id: p.openId, op: 'snooze', incident_number: p.incident, duration: p.duration, created_at: p.at, expires_at: p.at,
        }),
    );
    await insert.execute(store.db, { openId: 'ou_x', incident: 1, duration: null, at: 10 });
    await insert.execute(store.db, { openId: 'ou_y', incident: 2, duration: '30m', at: 20 });
    const rows = () =>
      store.db.selectFrom('pending_actions').select(['open_id', 'op', 'incident_number', 'duration', 'created_at', 'expires_at']).orderBy('id').execute();
    expect(await rows()).toEqual([
      { open_id: 'ou_x', op: 'snooze', incident_number: 1, duration: null, created_at: 10, expires_at: 10 },
      { open_id: 'ou_y', op: 'snooze', incident_number: 2, duration: '30m', created_at: 20, expires_at: 20 },
    ]);

    // `at` twice in a sql template (like markFresh's case expression), a null written over a value.
    const bump = prepare(
      'bump pending action',
      { openId: param<string>(), at: param<number>(2), duration: param<string | null>() },
      (db, p) =>
        db
          .updateTable('pending_actions')
          .set({ expires_at: sql<number>`case when expires_at < ${p.at} then ${p.at} else expires_at end`, duration: p.duration })
          .where('open_id', '=', p.openId),
    );
    expect(await bump.affectedRows(store.db, { openId: 'ou_y', at: 15, duration: null })).toBe(1);
    expect(await bump.affectedRows(store.db, { openId: 'ou_x', at: 50, duration: '1h' })).toBe(1);
    expect(await bump.affectedRows(store.db, { openId: 'ou_nobody', at: 50, duration: null })).toBe(0);
    expect(await rows()).toEqual([
      { open_id: 'ou_x', op: 'snooze', incident_number: 1, duration: '1h', created_at: 10, expires_at: 50 },
      { open_id: 'ou_y', op: 'snooze', incident_number: 2, duration: null, created_at: 20, expires_at: 20 },
    ]);
  });

  it.skipIf(skip)('runs in a transaction and rolls back with it', async () => {
    const rename = prepare('rename member', { id: param<number>(), name: param<string>() }, (db, p) =>
      db.updateTable('members').set({ name: p.name }).where('id', '=', p.id),
    );
    const alice = (await findMemberByOpenId(store.db, 'ou_alice'))!;
    await expect(
      store.db.transaction().execute(async (trx) => {
        expect(await rename.affectedRows(trx, { id: alice.id, name: 'Alicia' })).toBe(1);
        expect((await findMemberByOpenId(trx, 'ou_alice'))!.name).toBe('Alicia');
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await findMemberByOpenId(store.db, 'ou_alice'))!.name).toBe('Alice');
  });

  it.skipIf(skip)('a handle with plugins is run through the builder every time', async () => {
    let transformed = 0;
    const counting: KyselyPlugin = {
      transformQuery: (args) => (transformed++, args.node),
      transformResult: async (args) => args.result,
    };
    const q = prepare('members by role', { role: param<string>(), minId: param<number>() }, membersByRole);
    const db = store.db.withPlugin(counting);
    expect((await q.rows(db, { role: 'admin', minId: 0 })).map((m) => m.name)).toEqual(['Bob']);
    expect((await q.rows(db, { role: 'responder', minId: 0 })).map((m) => m.name)).toEqual(['Alice', 'Carol']);
    expect(transformed).toBe(2);
  });
});

describe('prepared query mistakes fail loudly at the first compile', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openSqliteTestStore();
  });
  afterAll(async () => {
    await store.cleanup();
  });

  it('a parameter that is not among the parameters (unused, or used in JS)', async () => {
    const q = prepare('forgets id', { id: param<number>(), role: param<string>() }, (db, p) =>
      db.selectFrom('members').selectAll().where('role', '=', p.role),
    );
    await expect(q.rows(store.db, { id: 1, role: 'admin' })).rejects.toThrow(
      /prepared query "forgets id": parameter "id" does not appear among the query's parameters/,
    );
    // Not cached: the next call fails the same way.
    expect(() => q.compile(store.db, { id: 1, role: 'admin' })).toThrow(/parameter "id" does not appear/);

    const inJs = prepare('limit from a number', { n: param<number>() }, (db, p) => db.selectFrom('members').selectAll().limit(Number(p.n) || 10));
    expect(() => inJs.compile(store.db, { n: 5 })).toThrow(/parameter "n" does not appear/);
  });

  it('a parameter found twice where it was declared once', () => {
    const q = prepare('twice', { id: param<number>() }, (db, p) => db.selectFrom('members').selectAll().where('id', '=', p.id).where('id', '>=', p.id));
    expect(() => q.compile(store.db, { id: 1 })).toThrow(/prepared query "twice": parameter "id" appears 2 times, expected 1/);
    const thrice = prepare('declared twice, used once', { id: param<number>(2) }, (db, p) => db.selectFrom('members').selectAll().where('id', '=', p.id));
    expect(() => thrice.compile(store.db, { id: 1 })).toThrow(/parameter "id" appears 1 times, expected 2/);
  });

  it('a parameter combined into another value, or written into the SQL text', () => {
    const combined = prepare('combined', { id: param<string>() }, (db, p) =>
      db.selectFrom('outbox').selectAll().where('pending_key', '=', `patch:${p.id}`),
    );
    expect(() => combined.compile(store.db, { id: 'om_1' })).toThrow(/"combined": parameter "patch:+id.*" was combined into another value/);
    const literal = prepare('literal', { role: param<string>() }, (db, p) => db.selectFrom('members').selectAll().where('role', '=', sql.lit(p.role)));
    expect(() => literal.compile(store.db, { role: 'admin' })).toThrow(/"literal": a parameter was written into the SQL text/);
  });

  it('undefined and arrays are refused when run; param() wants a positive count', async () => {
    const q = prepare('members by role', { role: param<string>(), minId: param<number>() }, membersByRole);
    await expect(q.rows(store.db, { role: undefined as unknown as string, minId: 0 })).rejects.toThrow(/parameter "role" is undefined/);
    await expect(q.rows(store.db, { role: ['a', 'b'] as unknown as string, minId: 0 })).rejects.toThrow(/parameter "role" is an array/);
    expect(() => param(0)).toThrow(/positive integer/);
  });
});

// The statements of a card click, prepared in src/ (member lookup, the incident read (FOR UPDATE on
// PostgreSQL), the UPDATE of the changed columns, the timeline entry, the copies and storms of the
// incident in one statement, markFresh, enqueuePatch, loadIncident), end to end on each engine.
describe.each(testEngines)('a card click\'s prepared statements on $name', ({ skip, open }) => {
  let store: TestStore;
  afterAll(async () => {
    if (store) await store.cleanup();
  });

  it.skipIf(skip)('change, timeline, fresh copy, patches of the other copy and of live storm cards, view', async () => {
    store = await open();
    const db = store.db;
    const clock = new FakeClock();
    let nudged = 0;
    const wake = () => nudged++;
    const listener = new DeliveryListener(new ChatDirectory(db, () => clock.now()), deliveryConfig(), () => clock.now(), wake, new Outbox(() => clock.now(), wake));
    const incidents = new IncidentService({ db, repo: incidentStore, clock, listener });
    const sources = new SourceService({ db, repo: incidentStore, clock });
    await sources.create({ name: 'prom', kind: 'alertmanager' });
    const source = (await sources.list())[0];
    const now = clock.now();
    const batch = (key: string) => ({
      groupKey: key, title: `Disk full ${key}`, description: null, labels: { service: 'db' }, links: [], truncatedAlerts: 0,
      alerts: [{ fingerprint: `fp-${key}`, status: 'firing' as const, severity: 'critical' as const, title: 'Disk full', labels: {},
        annotations: {}, extra: null, startsAt: now, endsAt: null }],
    });
    const n = (await incidents.ingest(source, batch('a'))).incident!.number;
    const lone = (await incidents.ingest(source, batch('b'))).incident!.number;
    const copy = (messageId: string, incident: number, targetType: string, targetId: string, expiredAt: number | null = null) =>
      db.insertInto('incident_messages').values({
        incident_number: incident, message_id: messageId, target_type: targetType, target_id: targetId, target_name: `name of ${targetId}`,
        outbox_id: null, sent_at: now, rendered_version: 0, rendered_hash: 'h', fresh_version: null, expired_at: expiredAt,
      }).execute();
    await copy('om_group', n, 'chat_id', 'oc_group');
    await copy('om_dm', n, 'open_id', 'ou_alice');
    await copy('om_old', n, 'chat_id', 'oc_old', now);
    await copy('om_lone', lone, 'chat_id', 'oc_group');
    const storm = (messageId: string | null, expiredAt: number | null) =>
      db.insertInto('storms').values({
        chat_id: `oc_storm_${messageId}`, source_id: source.id, open_key: null, started_at: now, last_collapsed_at: now,
        message_id: messageId, rendered_hash: null, expired_at: expiredAt,
      }).returning('id').executeTakeFirstOrThrow();
    const live = await storm('om_storm', null);
    const unsent = await storm(null, null);
    const expired = await storm('om_storm_expired', now);
    for (const s of [live, unsent, expired]) {
      await db.insertInto('storm_incidents').values({ storm_id: s.id, incident_number: n, created_at: now }).execute();
    }

    const alice: Actor = { id: 7, name: 'Alice', via: 'card' };
    clock.advance(1000);
    const ack = await incidents.ack(n, alice, { hints: { answeredCopy: 'om_group' } });
    expect(ack).toMatchObject({ changed: true, incident: { status: 'acknowledged', version: 1 } });
    expect(nudged).toBe(1);
    const got = await incidents.get(n);
    expect(got.incident).toMatchObject({ status: 'acknowledged', version: 1, ackedBy: { id: 7, name: 'Alice', at: clock.now() },
      lastAction: { kind: 'ack', via: 'card', by: { id: 7, name: 'Alice', at: clock.now() } }, updatedAt: clock.now() });
    expect(got.timeline.at(-1)).toMatchObject({ kind: 'ack', via: 'card', actorId: 7, actorName: 'Alice', data: null });
    const fresh = async () =>
      Object.fromEntries((await db.selectFrom('incident_messages').select(['message_id', 'fresh_version']).execute()).map((r) => [r.message_id, r.fresh_version]));
    // The clicked copy had no update waiting, so nothing needs holding back: it is not marked.
    expect(await fresh()).toEqual({ om_group: null, om_dm: null, om_old: null, om_lone: null });
    const patches = () =>
      db.selectFrom('outbox')
        .select(['subject', 'incident_number', 'storm_id', 'target_type', 'target_id', 'target_name', 'message_id', 'rate_key', 'pending_key',
          'status', 'gen', 'card', 'next_attempt_at', 'created_at', 'updated_at', 'done_at'])
        .where('op', '=', 'patch').orderBy('id').execute();
    const acked = clock.now();
    expect(await patches()).toEqual([
      { subject: 'incident', incident_number: n, storm_id: null, target_type: 'open_id', target_id: 'ou_alice', target_name: 'name of ou_alice',
        message_id: 'om_dm', rate_key: 'msg:om_dm', pending_key: 'patch:om_dm', status: 'pending', gen: 0, card: null,
        next_attempt_at: acked, created_at: acked, updated_at: acked, done_at: null },
      { subject: 'storm', incident_number: null, storm_id: live.id, target_type: 'chat_id', target_id: 'oc_storm_om_storm', target_name: null,
        message_id: 'om_storm', rate_key: 'msg:om_storm', pending_key: 'patch:om_storm', status: 'pending', gen: 0, card: null,
        next_attempt_at: acked, created_at: acked, updated_at: acked, done_at: null },
    ]);

    // Unack (other columns: a second UPDATE shape), clicked on the other copy: that copy, whose
    // update is waiting, is marked fresh (the pending patch is left alone, and the worker will skip
    // it), the storm's pending patch coalesces, the first copy gets one.
    clock.advance(1000);
    expect(await incidents.unack(n, alice, { hints: { answeredCopy: 'om_dm' } })).toMatchObject({ changed: true, incident: { status: 'triggered', version: 2 } });
    expect(await fresh()).toEqual({ om_group: null, om_dm: 2, om_old: null, om_lone: null });
    const after = await patches();
    expect(after.map((p) => [p.message_id, p.gen, p.created_at, p.updated_at])).toEqual([
      ['om_dm', 0, acked, acked],
      ['om_storm', 1, acked, clock.now()],
      ['om_group', 0, clock.now(), clock.now()],
    ]);
    expect((await incidents.get(n)).incident).toMatchObject({ status: 'triggered', ackedBy: null, version: 2 });

    // Snooze and resolve: more shapes of the UPDATE; the view reads what they wrote.
    clock.advance(1000);
    await incidents.snooze(n, '30m', alice);
    const view = (await loadIncident(db, n, 'https://hark.example/'))!;
    expect(view.version).toBe(3);
    expect(view.view).toMatchObject({ number: n, status: 'triggered', snoozedUntil: clock.now() + 30 * 60_000, severity: 'critical',
      source: 'prom', firingCount: 1, alertCount: 1, webUrl: `https://hark.example/h5/incidents/${n}` });
    clock.advance(1000);
    await incidents.resolve(n, alice);
    expect((await loadIncident(db, n, 'https://hark.example'))!.view).toMatchObject({ status: 'resolved', resolvedBy: 'Alice', resolvedAt: clock.now() });
    expect(await loadIncident(db, 999, 'https://hark.example')).toBeNull();

    // An incident in no storm, with one copy, clicked on it: nothing to queue, nobody nudged, and
    // with no update of the copy waiting, nothing to mark.
    nudged = 0;
    await incidents.ack(lone, alice, { hints: { answeredCopy: 'om_lone' } });
    expect(nudged).toBe(0);
    expect((await fresh()).om_lone).toBe(null);

    // The UPDATE without `previous` (every column) and with a stale version.
    const inc = (await incidents.get(lone)).incident;
    expect(await repo.updateIncident(db, { ...inc, title: 'Renamed', version: inc.version + 1 }, inc.version)).toBe(true);
    expect(await repo.updateIncident(db, { ...inc, title: 'Lost', version: inc.version + 1 }, inc.version)).toBe(false);
    expect((await repo.getIncident(db, lone, false))).toMatchObject({ title: 'Renamed', version: inc.version + 1 });
  });
});

describe.each(testEngines)("ingest's prepared statements on $name", ({ skip, open }) => {
  let store: TestStore;
  afterAll(async () => {
    if (store) await store.cleanup();
  });

  it.skipIf(skip)('open a group, join it, resend it, reopen its last incident; 1, 10 and 250 alerts a payload', async () => {
    store = await open();
    const db = store.db;
    const clock = new FakeClock();
    const incidents = new IncidentService({ db, repo: incidentStore, clock, noise: { reopenMs: 60_000 } });
    const { source } = await new SourceService({ db, repo: incidentStore, clock }).create({ name: 'prom', kind: 'alertmanager' });
    const batch = (key: string, fps: string[], status: 'firing' | 'resolved' = 'firing') => ({
      groupKey: key, title: `Disk full ${key}`, description: null, labels: { service: 'db' }, links: [], truncatedAlerts: 0,
      alerts: fps.map((fp) => ({ fingerprint: fp, status, severity: 'warning' as const, title: `alert ${fp}`, labels: { fp }, annotations: { summary: fp },
        extra: fp === 'a0' ? { generatorURL: 'http://prom/graph' } : null, startsAt: clock.now(), endsAt: status === 'resolved' ? clock.now() : null })),
    });
    const fps = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    const alertsOf = async (n: number) => (await incidents.get(n)).alerts.map((a) => `${a.fingerprint}:${a.status}`);

    const one = await incidents.ingest(source, batch('one', ['a0']));
    expect(one).toMatchObject({ created: true, incident: { status: 'triggered', title: 'Disk full one', labels: { service: 'db' } } });
    expect((await incidents.get(one.incident!.number)).alerts[0]).toMatchObject({ fingerprint: 'a0', labels: { fp: 'a0' }, extra: { generatorURL: 'http://prom/graph' } });
    const ten = await incidents.ingest(source, batch('ten', fps('t', 10)));
    const many = await incidents.ingest(source, batch('many', fps('m', 250)));
    expect(await alertsOf(ten.incident!.number)).toEqual(fps('t', 10).map((f) => `${f}:firing`));
    expect(await alertsOf(many.incident!.number)).toHaveLength(250);

    // The same group again joins its open incident: three alerts more, two resolved in place.
    clock.advance(1000);
    const joined = await incidents.ingest(source, batch('ten', ['t0', 't1'], 'resolved'));
    await incidents.ingest(source, batch('ten', fps('t', 13).slice(10)));
    expect(joined).toMatchObject({ created: false, changed: true, incident: { number: ten.incident!.number } });
    expect(await alertsOf(ten.incident!.number)).toEqual([...fps('t', 13).map((f) => `${f}:${f === 't0' || f === 't1' ? 'resolved' : 'firing'}`)]);

    // Resolved by its alerts, then firing again within reopen_minutes: the same incident reopens.
    clock.advance(1000);
    await incidents.ingest(source, batch('one', ['a0'], 'resolved'));
    expect((await incidents.find(one.incident!.number))!.status).toBe('resolved');
    clock.advance(1000);
    const again = await incidents.ingest(source, batch('one', ['a0']));
    expect(again).toMatchObject({ created: false, incident: { number: one.incident!.number, status: 'triggered' } });
    expect(await alertsOf(one.incident!.number)).toEqual(['a0:firing']);
  });
});
