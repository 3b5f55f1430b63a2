import { afterEach, describe, expect, it } from 'vitest';
import { replaceTeamMembers, setScheduleTeam, setSourceTeam, upsertTeam } from '../../src/store/team-repo.ts';
import { findSchedule } from '../../src/store/schedule-repo.ts';
import { findSourceByName } from '../../src/store/source-repo.ts';
import { waitFor } from '../helpers/wait.ts';
import { startWorld, type World } from '../paging/world.ts';

// Who may act on a team's incident (issue 24), through the emulator and `hark start`: an outsider
// gets a private toast (a one-line reply to a command) naming the team and who is on call, and
// nothing changes; once Hark pages them for the incident, the same person may act.

describe('who may act on a team incident (emulator, hark start)', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  async function teamWorld() {
    w = await startWorld(['Alice', 'Bob', 'Olga']);
    const { Alice, Bob } = w.people;
    const db = w.rig.hark.store.db;
    const put = await w.api('PUT', '/api/v1/schedules/payments-primary', {
      time_zone: 'UTC',
      layers: [{ members: [Bob.email], rotation: { every: '1w', handoff: '00:00', start: '2020-01-06' } }],
    });
    expect(put.status).toBe(201);
    const now = Date.now();
    const teamId = await upsertTeam(db, { name: 'payments', timeZone: 'UTC', homeChatId: null, openToAllResponders: false, settings: {} }, now);
    const ids = (await w.api('GET', '/api/v1/members')).body.items as { id: number; email: string }[];
    const idOf = (email: string) => ids.find((m) => m.email === email)!.id;
    await replaceTeamMembers(db, teamId, [{ memberId: idOf(Alice.email), role: 'lead' }, { memberId: idOf(Bob.email), role: 'member' }], now);
    await setSourceTeam(db, (await findSourceByName(db, 'payments'))!.id, teamId);
    await setScheduleTeam(db, Number((await findSchedule(db, 'payments-primary'))!.id), teamId);
    return w;
  }

  it('an outsider is refused privately, by button and by command, and nothing changes', async () => {
    const world = await teamWorld();
    const { Olga, Bob } = world.people;
    const n = await world.fire('Card declines');
    const card = await world.groupCard(n);

    const click = await world.click(card.message_id, Olga.openId, { v: 1, op: 'ack', incident: n });
    expect(click.response.toast.content).toBe(
      `#${n} belongs to team payments: only its members, the people paged for it and its war room may act on it. ` +
        'On call for payments now: Bob (payments-primary).',
    );
    expect(click.response.card).toBeUndefined();
    const said = await world.say(`resolve ${n}`, Olga.openId);
    expect(await world.replyTo(said)).toContain(`#${n} belongs to team payments`);
    const after = await world.api('GET', `/api/v1/incidents/${n}`);
    expect(after.body.status).toBe('triggered');
    expect(after.body.timeline.map((t: { message: string }) => t.message).join('\n')).not.toContain('Olga');

    // A team member acts as before.
    const ok = await world.click(card.message_id, Bob.openId, { v: 1, op: 'ack', incident: n });
    expect(ok.response.toast.type).toBe('success');
  });

  it('someone Hark paged for the incident may act on it, though not in the team', async () => {
    const world = await teamWorld();
    const { Olga, Bob } = world.people;
    const n = await world.fire('Ledger drift');
    const card = await world.groupCard(n);
    // Bob (team) adds Olga as a responder: Hark pages her privately.
    await world.replyTo(await world.say(`page ${n}`, Bob.openId, { others: [Olga.openId] }));
    await world.privateCard(Olga.openId, n);
    const click = await world.click(card.message_id, Olga.openId, { v: 1, op: 'ack', incident: n });
    expect(click.response.toast.type).toBe('success');
    await waitFor(async () => (await world.api('GET', `/api/v1/incidents/${n}`)).body.acked_by?.name === 'Olga', { message: 'acked by Olga' });
  });

  it('a managed source refuses a run-time edit on the API and in the chat, and says where to change it', async () => {
    const world = await teamWorld();
    const db = world.rig.hark.store.db;
    const at = Date.UTC(2026, 11, 7, 9, 30);
    await db.updateTable('sources').set({ managed_at: at, managed_by: 'ci-payments' }).where('name', '=', 'payments').execute();
    const msg = 'source payments is managed by the config file (applied 2026-12-07 09:30 UTC by ci-payments); change it there';

    const put = await world.api('PUT', '/api/v1/sources/payments/escalation', { levels: [{ targets: [{ member: world.people.Bob.email }], wait_minutes: 5 }] });
    expect(put).toMatchObject({ status: 409, body: { error: { message: msg } } });
    const patch = await world.api('PATCH', '/api/v1/sources/payments', { heartbeat_minutes: 5 });
    expect(patch.status).toBe(409);
    const sub = await world.api('DELETE', `/api/v1/chats/${world.chatId}/subscriptions/payments`);
    expect(sub.status).toBe(409);

    // `@Hark unsubscribe` by an admin: the same sentence; the group still receives the source.
    const ada = (await world.rig.emu('POST', '/__emulator/users', { name: 'Ada' })).open_id;
    await world.api('POST', '/api/v1/members', { name: 'Ada', email: 'ada@example.com', role: 'admin', lark_open_id: ada });
    const said = await world.say('unsubscribe payments', ada);
    expect(await world.replyTo(said)).toBe(msg);

    // Overrides are run-time actions: never managed.
    await db.updateTable('schedules').set({ managed_at: at, managed_by: 'ci-payments' }).where('name', '=', 'payments-primary').execute();
    const override = await world.api('POST', '/api/v1/schedules/payments-primary/overrides', {
      member: world.people.Alice.email,
      start: new Date(Date.now() + 3_600_000).toISOString(),
      end: new Date(Date.now() + 7_200_000).toISOString(),
    });
    expect(override.status).toBe(201);
    // A maintenance window the file declared: neither `unmaintain` nor DELETE ends it.
    const win = await world.api('POST', '/api/v1/maintenance', { source: 'payments', duration: '2h', reason: 'weekly deploy' });
    expect(win.status).toBe(201);
    await db.updateTable('maintenance_windows').set({ managed_at: at, managed_by: 'ci-payments' }).where('id', '=', win.body.id).execute();
    // Olga is not in the team: she may not start or end its maintenance from the chat either.
    const outsider = await world.say('maintain payments 1h', world.people.Olga.openId);
    expect(await world.replyTo(outsider)).toBe('Source payments belongs to team payments; only its members and admins may change it.');
    const unmaintain = await world.say('unmaintain payments', world.people.Bob.openId);
    expect(await world.replyTo(unmaintain)).toBe(`Maintenance window ${win.body.id} of source payments is managed by the config file (applied 2026-12-07 09:30 UTC by ci-payments); change it there.`);
    expect((await world.api('DELETE', `/api/v1/maintenance/${win.body.id}`)).status).toBe(409);
    expect((await world.api('GET', '/api/v1/maintenance')).body.items[0]).toMatchObject({ id: win.body.id, status: 'active' });

    const schedule = await world.api('DELETE', '/api/v1/schedules/payments-primary');
    expect(schedule.status).toBe(409);
    expect(schedule.body.error.message).toContain('schedule payments-primary is managed by the config file');
  });
});
