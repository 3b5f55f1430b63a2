import { afterEach, describe, expect, it } from 'vitest';
import { TimerRegistry } from '../../src/timers/index.ts';
import { FakeClock, startEscRig, type EscRig } from '../escalation/rig.ts';

// Durable timers are one loop over registered kinds (issue 23): every feature registers its kinds
// on the engine buildHark builds, so a test rig built by buildHark fires what production fires.
describe('the timer registry', () => {
  let rig: EscRig | null = null;
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });

  it('holds every kind production fires, each registered by its feature', async () => {
    rig = await startEscRig();
    expect(rig.hark.timers.kinds()).toEqual(['ack_end', 'daily', 'escalate', 'handoff', 'heartbeat', 'insights_report', 'maintenance_end', 'maintenance_start', 'retention', 'silence_end', 'snooze_end', 'storm_end', 'unseen', 'war_room_sweep']);
  });

  it('refuses a kind registered twice, naming it', () => {
    const registry = new TimerRegistry();
    registry.register('escalate', async () => undefined);
    expect(() => registry.register('escalate', async () => undefined)).toThrow('timer kind "escalate" is registered twice');
  });

  it('marks a timer of a kind nobody registered fired and leaves the others to their handlers', async () => {
    const clock = new FakeClock();
    rig = await startEscRig({ clock });
    await rig.store.db
      .insertInto('timers')
      .values({ kind: 'no_such_kind', incident_number: 0, due_at: clock.now() - 1, data: null, status: 'pending', pending_key: 'no_such_kind:0', created_at: 0, updated_at: 0 })
      .execute();
    expect(await rig.escalation.scanner.runDue()).toBe(1);
    const row = await rig.store.db.selectFrom('timers').select(['status']).where('kind', '=', 'no_such_kind').executeTakeFirstOrThrow();
    expect(row.status).toBe('done');
  });

  it('runs the war-room sweep as a durable timer that reschedules itself', async () => {
    const clock = new FakeClock();
    rig = await startEscRig({ clock });
    await rig.hark.warRooms.start();
    const waiting = () =>
      rig!.store.db.selectFrom('timers').select(['due_at']).where('kind', '=', 'war_room_sweep').where('status', '=', 'pending').execute();
    expect((await waiting()).map((t) => Number(t.due_at))).toEqual([clock.now()]);
    expect(await rig.escalation.scanner.runDue()).toBe(1);
    expect((await waiting()).map((t) => Number(t.due_at))).toEqual([clock.now() + rig.hark.warRooms.service.config.sweepMs]);
    expect(await rig.escalation.scanner.runDue()).toBe(0);
  });
});
