import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../helpers/hark.ts';

// The schedule routes through the real service (startHark over SQLite, the emulator beside it).
describe('schedules API', () => {
  let rig: Rig;
  const weekly = (start = '2026-12-07') => ({
    time_zone: 'America/New_York',
    layers: [{ name: 'primary', members: ['alice@example.com', 'bob@example.com'], rotation: { every: '1w', handoff: '09:00', start } }],
  });

  beforeAll(async () => {
    rig = await startRig();
    for (const name of ['Alice', 'Bob', 'Carol']) {
      const r = await rig.api('POST', '/api/v1/members', { name, email: `${name.toLowerCase()}@example.com`, role: 'responder' });
      expect(r.status).toBe(201);
    }
  });
  afterAll(() => rig?.close());

  it('creates a schedule, reads it back with its secret iCal URL and timeline, and replaces it', async () => {
    const put = await rig.api('PUT', '/api/v1/schedules/payments', weekly());
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ name: 'payments', time_zone: 'America/New_York', layers: [{ name: 'primary', members: ['alice@example.com', 'bob@example.com'] }] });
    const get = await rig.api('GET', '/api/v1/schedules/payments');
    expect(get.body.ical_url).toMatch(/^http:\/\/localhost:3000\/ical\/[A-Za-z0-9_-]{20,}\.ics$/);
    expect(get.body.timeline[0].message).toBe('schedule created by admin');
    expect((await rig.api('PUT', '/api/v1/schedules/payments', weekly())).status).toBe(200);
    const again = await rig.api('GET', '/api/v1/schedules/payments');
    expect(again.body.ical_url).toBe(get.body.ical_url);
    expect(again.body.timeline[0].message).toBe('schedule changed by admin');
    expect((await rig.api('GET', '/api/v1/schedules')).body.items.map((s: any) => s.name)).toContain('payments');
  });

  it('answers who is on call at an instant, until when, and who is next', async () => {
    await rig.api('PUT', '/api/v1/schedules/oncall-now', weekly());
    // Tuesday 2026-12-08 is in Alice's first week; the handoff is Monday 09:00 New York (14:00 UTC).
    const r = await rig.api('GET', '/api/v1/schedules/oncall-now/oncall?at=2026-12-08T12:00:00Z');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      at: '2026-12-08T12:00:00.000Z',
      members: [{ name: 'Alice', email: 'alice@example.com' }],
      until: '2026-12-14T14:00:00.000Z',
      next: [{ name: 'Bob', email: 'bob@example.com' }],
    });
  });

  it('lists the final shifts with overrides marked, and deletes an override', async () => {
    await rig.api('PUT', '/api/v1/schedules/swaps', weekly());
    const o = await rig.api('POST', '/api/v1/schedules/swaps/overrides', {
      member: 'carol@example.com',
      start: '2026-12-09T00:00:00Z',
      end: '2026-12-10T00:00:00Z',
      replaces: 'alice@example.com',
    });
    expect(o.status).toBe(201);
    expect(o.body).toMatchObject({ member: { name: 'Carol' }, replaces: { name: 'Alice' }, created_by: 'admin' });
    const window = '?from=2026-12-08T00:00:00Z&to=2026-12-11T00:00:00Z';
    const shifts = await rig.api('GET', `/api/v1/schedules/swaps/shifts${window}`);
    expect(shifts.body.items).toEqual([
      { member: { name: 'Alice', email: 'alice@example.com' }, start: '2026-12-08T00:00:00.000Z', end: '2026-12-09T00:00:00.000Z' },
      { member: { name: 'Carol', email: 'carol@example.com' }, start: '2026-12-09T00:00:00.000Z', end: '2026-12-10T00:00:00.000Z', override: true },
      { member: { name: 'Alice', email: 'alice@example.com' }, start: '2026-12-10T00:00:00.000Z', end: '2026-12-11T00:00:00.000Z' },
    ]);
    const timeline = (await rig.api('GET', '/api/v1/schedules/swaps')).body.timeline.map((e: any) => e.message);
    expect(timeline[0]).toBe('override by admin: Carol replaces Alice, 2026-12-09T00:00:00.000Z – 2026-12-10T00:00:00.000Z');
    expect((await rig.api('DELETE', `/api/v1/schedules/swaps/overrides/${o.body.id}`)).status).toBe(204);
    expect((await rig.api('GET', `/api/v1/schedules/swaps/shifts${window}`)).body.items).toHaveLength(1);
    expect((await rig.api('DELETE', `/api/v1/schedules/swaps/overrides/${o.body.id}`)).status).toBe(404);
  });

  it.each([
    [{ ...weekly(), time_zone: 'Mars/Olympus' }, 'time_zone: "Mars/Olympus" is not an IANA time zone'],
    [{ ...weekly(), layers: [{ members: ['alice@example.com', 'nobody@example.com'], rotation: { every: '1d', start: '2026-12-07' } }] }, 'layers[0].members[1]: no member with email nobody@example.com; add them with POST /api/v1/members first'],
    [{ ...weekly(), layers: [{ members: ['alice@example.com'], rotation: { every: '1d', handoff: '25:00', start: '2026-12-07' } }] }, 'layers[0].rotation.handoff: "25:00" is not a time of day; write the handoff as HH:MM'],
    [{ ...weekly(), layers: [{ members: [], rotation: { every: '1d', start: '2026-12-07' } }] }, 'layers[0].members: a layer needs at least one member'],
    [{ ...weekly(), layers: [{ members: ['alice@example.com'], rotation: { every: '3 fortnights', start: '2026-12-07' } }] }, 'layers[0].rotation.every: "3 fortnights" is not a rotation length'],
    [{ ...weekly(), layers: [{ members: ['alice@example.com'], rotation: { every: '1d', start: '2026-13-01' } }] }, 'layers[0].rotation.start: "2026-13-01" is not a date'],
    [{ ...weekly(), layers: [{ members: ['alice@example.com'], rotation: { every: '1d', start: '2026-12-07' }, restrictions: [{ days: ['funday'], from: '09:00', to: '18:00' }] }] }, 'layers[0].restrictions[0].days[0]: must be one of "mon"'],
    [{ ...weekly(), notify: { chats: ['oc_nowhere'] } }, 'notify.chats[0]: Hark is not in a group with chat_id oc_nowhere'],
    [{ layers: weekly().layers }, 'time_zone: is required'],
  ])('refuses a bad schedule with 400 naming the field and the fix, and saves nothing (%#)', async (body, message) => {
    await rig.api('PUT', '/api/v1/schedules/kept', weekly());
    const before = (await rig.api('GET', '/api/v1/schedules/kept')).body;
    const r = await rig.api('PUT', '/api/v1/schedules/kept', body);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain(message);
    const after = (await rig.api('GET', '/api/v1/schedules/kept')).body;
    expect(after.layers).toEqual(before.layers);
    expect(after.timeline).toEqual(before.timeline);
    expect((await rig.api('PUT', '/api/v1/schedules/never-made', body)).status).toBe(400);
    expect((await rig.api('GET', '/api/v1/schedules/never-made')).status).toBe(404);
  });

  it('refuses an override that ends before it starts, or names someone unknown', async () => {
    await rig.api('PUT', '/api/v1/schedules/ov', weekly());
    const back = await rig.api('POST', '/api/v1/schedules/ov/overrides', { member: 'bob@example.com', start: '2026-12-09T10:00:00Z', end: '2026-12-09T09:00:00Z' });
    expect(back.status).toBe(400);
    expect(back.body.error.message).toBe('end: must be after start (2026-12-09T10:00:00Z); an override ends after it begins');
    const who = await rig.api('POST', '/api/v1/schedules/ov/overrides', { member: 'zed@example.com', start: '2026-12-09T08:00:00Z', end: '2026-12-09T09:00:00Z' });
    expect(who.status).toBe(400);
    expect(who.body.error.message).toBe('member: no member with email zed@example.com; add them with POST /api/v1/members first');
    const naive = await rig.api('POST', '/api/v1/schedules/ov/overrides', { member: 'bob@example.com', start: '2026-12-09T08:00:00', end: '2026-12-09T09:00:00Z' });
    expect(naive.body.error.message).toContain('start: "2026-12-09T08:00:00" is not a time; write start as ISO 8601 with a zone');
    expect((await rig.api('GET', '/api/v1/schedules/ov')).body.overrides).toEqual([]);
  });

  it('is behind the admin token, 404s unknown schedules and deletes one', async () => {
    expect((await rig.api('GET', '/api/v1/schedules', undefined, '')).status).toBe(401);
    expect((await rig.api('PUT', '/api/v1/schedules/x', weekly(), 'wrong')).status).toBe(401);
    const missing = await rig.api('GET', '/api/v1/schedules/nope/oncall');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('schedule "nope" does not exist; GET /api/v1/schedules lists them');
    await rig.api('PUT', '/api/v1/schedules/gone', weekly());
    expect((await rig.api('DELETE', '/api/v1/schedules/gone')).status).toBe(204);
    expect((await rig.api('GET', '/api/v1/schedules/gone')).status).toBe(404);
    const bad = await rig.api('GET', '/api/v1/schedules/payments/shifts?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe('from: "yesterday" is not a time; write it as ISO 8601, e.g. 2026-12-07T09:00:00Z');
  });
});
