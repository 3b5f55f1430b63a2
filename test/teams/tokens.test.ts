import { afterEach, describe, expect, it } from 'vitest';
import { setScheduleTeam, setSourceTeam, upsertTeam } from '../../src/store/team-repo.ts';
import { findSchedule } from '../../src/store/schedule-repo.ts';
import { findSourceByName } from '../../src/store/source-repo.ts';
import { startRig, waitReady, type Rig } from '../helpers/hark.ts';

// Scoped API tokens (issue 24) against `hark start` over real HTTP and SQLite: made by the
// bootstrap HARK_ADMIN_TOKEN, shown once, stored hashed, listed with last_used_at, revocable; a
// team token changes only what its team owns, a read token only reads.

describe('scoped API tokens (hark start)', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  async function twoTeams() {
    rig = await startRig();
    await waitReady(rig);
    const db = rig.hark.store.db;
    const now = Date.now();
    const payments = await upsertTeam(db, { name: 'payments', timeZone: 'UTC', homeChatId: null, openToAllResponders: false, settings: {} }, now);
    const storage = await upsertTeam(db, { name: 'storage', timeZone: 'UTC', homeChatId: null, openToAllResponders: false, settings: {} }, now);
    for (const [name, team] of [['payments-am', payments], ['db-am', storage]] as const) {
      expect((await rig.api('POST', '/api/v1/sources', { name, kind: 'alertmanager' })).status).toBe(201);
      await setSourceTeam(db, (await findSourceByName(db, name))!.id, team);
    }
    await rig.api('POST', '/api/v1/members', { name: 'Bob', email: 'bob@example.com', role: 'responder' });
    const layers = [{ members: ['bob@example.com'], rotation: { every: '1w', handoff: '09:00', start: '2026-12-07' } }];
    expect((await rig.api('PUT', '/api/v1/schedules/db-primary', { time_zone: 'UTC', layers })).status).toBe(201);
    await setScheduleTeam(db, Number((await findSchedule(db, 'db-primary'))!.id), storage);
    return { rig, layers };
  }

  it('a team token changes only what its team owns, and names the owner otherwise', async () => {
    const { rig, layers } = await twoTeams();
    const made = await rig.api('POST', '/api/v1/tokens', { name: 'ci-payments', scope: 'team', team: 'payments' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ name: 'ci-payments', scope: 'team', team: 'payments' });
    const token = made.body.token as string;
    expect(token).toMatch(/^hark_[\w-]{40,}$/);
    // Only the hash is stored.
    const stored = await rig.hark.store.db.selectFrom('api_tokens').select('token_hash').execute();
    expect(JSON.stringify(stored)).not.toContain(token);

    const policy = { levels: [{ targets: [{ member: 'bob@example.com' }], wait_minutes: 5 }] };
    expect((await rig.api('PUT', '/api/v1/sources/payments-am/escalation', policy, token)).status).toBe(200);
    const other = await rig.api('PUT', '/api/v1/sources/db-am/escalation', policy, token);
    expect(other).toMatchObject({ status: 403, body: { error: { message: 'source db-am belongs to team storage; this token is for team payments' } } });
    const schedule = await rig.api('PUT', '/api/v1/schedules/db-primary', { time_zone: 'UTC', layers }, token);
    expect(schedule.body.error.message).toBe('schedule db-primary belongs to team storage; this token is for team payments');
    expect((await rig.api('POST', '/api/v1/members', { name: 'Eve', email: 'eve@example.com', role: 'admin' }, token)).status).toBe(403);
    // A schedule or source it makes belongs to its team.
    expect((await rig.api('PUT', '/api/v1/schedules/payments-primary', { time_zone: 'UTC', layers }, token)).status).toBe(201);
    expect((await rig.api('PUT', '/api/v1/schedules/payments-primary', { time_zone: 'UTC', layers }, token)).status).toBe(200);
    expect((await rig.api('GET', '/api/v1/teams/payments')).body.oncall.map((o: { schedule: string }) => o.schedule)).toEqual(['payments-primary']);
    // Reading is open to it.
    expect((await rig.api('GET', '/api/v1/sources', undefined, token)).status).toBe(200);

    const list = await rig.api('GET', '/api/v1/tokens');
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ id: made.body.id, name: 'ci-payments', team: 'payments' });
    expect(list.body.items[0].last_used_at).not.toBeNull();
    expect(JSON.stringify(list.body)).not.toContain(token);

    expect((await rig.api('DELETE', `/api/v1/tokens/${made.body.id}`)).status).toBe(204);
    expect((await rig.api('GET', '/api/v1/sources', undefined, token)).status).toBe(401);
    expect((await rig.api('GET', '/api/v1/tokens')).body.items).toEqual([]);
  });

  it('a read token only reads; an admin token does what HARK_ADMIN_TOKEN does; bad requests say why', async () => {
    const { rig } = await twoTeams();
    const read = (await rig.api('POST', '/api/v1/tokens', { name: 'grafana', scope: 'read' })).body.token as string;
    expect((await rig.api('GET', '/api/v1/sources', undefined, read)).status).toBe(200);
    // Reading never shows a secret calendar URL.
    const schedule = await rig.api('GET', '/api/v1/schedules/db-primary', undefined, read);
    expect(schedule.status).toBe(200);
    expect(schedule.body.ical_url).toBeUndefined();
    expect((await rig.api('GET', '/api/v1/members/bob@example.com/ical', undefined, read)).status).toBe(403);
    const refused = await rig.api('POST', '/api/v1/sources', { name: 'x', kind: 'generic' }, read);
    expect(refused).toMatchObject({ status: 403, body: { error: { message: 'token "grafana" is read-only; changes need a team or admin token' } } });
    const admin = (await rig.api('POST', '/api/v1/tokens', { name: 'ops', scope: 'admin' })).body.token as string;
    expect((await rig.api('PUT', '/api/v1/sources/db-am/escalation', { levels: [{ targets: [{ member: 'bob@example.com' }], wait_minutes: 5 }] }, admin)).status).toBe(200);
    // A token may not make tokens unless it is an admin one.
    expect((await rig.api('POST', '/api/v1/tokens', { name: 'more', scope: 'admin' }, read)).status).toBe(403);
    expect((await rig.api('POST', '/api/v1/tokens', { name: 'x', scope: 'team' })).body.error.message).toBe(
      'team: required for a team token: the team whose objects it may change',
    );
    expect((await rig.api('POST', '/api/v1/tokens', { name: 'x', scope: 'team', team: 'nope' })).body.error.message).toBe(
      'team: no team named "nope"; GET /api/v1/teams lists them',
    );
    expect((await rig.api('POST', '/api/v1/tokens', { name: 'x', scope: 'owner' })).status).toBe(400);
  });
});
