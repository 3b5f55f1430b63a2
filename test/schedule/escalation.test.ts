import { afterEach, describe, expect, it } from 'vitest';
import { ScheduleService } from '../../src/schedule/service.ts';
import { FakeClock, startEscRig, type EscRig } from '../escalation/rig.ts';
import { waitFor } from '../helpers/wait.ts';

// An escalation level that targets a schedule pages whoever is on call when the level fires. The
// incident service and escalation run on a clock the test moves (each scan called by hand); cards
// go through the real outbox to the emulator, and the test reads what each person received there.

const MIN = 60_000;
// Monday 2026-12-07 12:00 in New York (17:00 UTC): Alice's day; Bob takes over at 09:00 on Tuesday.
const MONDAY_NOON = Date.parse('2026-12-07T17:00:00Z');

describe('escalation to a schedule', () => {
  let rig: EscRig;
  let clock: FakeClock;
  let schedules: ScheduleService;
  const open: Record<string, string> = {};
  afterEach(() => rig?.close());

  async function setup(schedule: unknown, policy: unknown) {
    clock = new FakeClock(MONDAY_NOON);
    rig = await startEscRig({ clock, emulator: true });
    for (const name of ['Alice', 'Bob', 'Carol']) {
      await rig.member(name);
      open[name] = (await rig.store.db.selectFrom('members').select('open_id').where('name', '=', name).executeTakeFirstOrThrow()).open_id!;
    }
    schedules = new ScheduleService({ db: rig.store.db, clock, publicUrl: 'http://hark.test' });
    await schedules.put('primary', schedule, { name: 'admin', via: 'api' });
    await rig.policy(policy);
  }

  const daily = {
    time_zone: 'America/New_York',
    layers: [{ members: ['alice@example.com', 'bob@example.com'], rotation: { every: '1d', handoff: '09:00', start: '2026-12-07' } }],
  };

  /** Incident cards the emulator holds in this person's private chat with the bot. */
  const cardsOf = async (name: string): Promise<number> => {
    const r = await rig.emu!.control('GET', `/__emulator/messages?open_id=${open[name]}`);
    return r.items.filter((m: any) => m.msg_type === 'interactive').length;
  };

  it('pages the person on call when the level fires, not when the incident opened', async () => {
    await setup(daily, {
      levels: [
        { targets: [{ member: 'carol@example.com' }], wait_minutes: 24 * 60 },
        { targets: [{ schedule: 'primary' }], wait_minutes: 30 },
      ],
    });
    const n = await rig.fire('db-down');
    await waitFor(async () => (await cardsOf('Carol')) === 1, { message: "Carol's card" });
    // A day later it is Bob's turn: level 2 pages Bob, although Alice was on call at the start.
    clock.advance(24 * 60 * MIN);
    expect(await rig.escalation.scanner.runDue()).toBe(1);
    expect(await rig.timeline(n)).toContain('escalated to level 2 (last level): Bob (on call in primary)');
    await waitFor(async () => (await cardsOf('Bob')) === 1, { message: "Bob's card in the emulator" });
    expect(await cardsOf('Alice')).toBe(0);
  });

  it('says in the timeline that nobody is on call, and fires the next level at once', async () => {
    const nights = {
      time_zone: 'America/New_York',
      layers: [{ ...daily.layers[0], restrictions: [{ from: '22:00', to: '06:00' }] }],
    };
    await setup(nights, {
      levels: [
        { targets: [{ schedule: 'primary' }], wait_minutes: 10 },
        { targets: [{ member: 'carol@example.com' }], wait_minutes: 10 },
      ],
    });
    const n = await rig.fire('disk-full');
    const timeline = await rig.timeline(n);
    expect(timeline).toContain('not notified: nobody is on call in schedule primary right now (until 2026-12-08T03:00:00.000Z)');
    expect(timeline).toContain('escalated to level 1: nobody there can be reached; moving on to level 2 now');
    expect(timeline).toContain('escalated to level 2 (last level): Carol');
    await waitFor(async () => (await cardsOf('Carol')) === 1, { message: "Carol's card" });
    expect(await cardsOf('Alice')).toBe(0);
  });

  it('follows an override made after the incident opened', async () => {
    await setup(daily, {
      levels: [
        { targets: [{ member: 'bob@example.com' }], wait_minutes: 5 },
        { targets: [{ schedule: 'primary' }], wait_minutes: 5 },
      ],
    });
    const n = await rig.fire('api-5xx');
    await schedules.addOverride('primary', { member: 'carol@example.com', start: new Date(MONDAY_NOON).toISOString(), end: '2026-12-08T14:00:00Z' }, { name: 'Alice', via: 'api' });
    clock.advance(5 * MIN);
    expect(await rig.escalation.scanner.runDue()).toBe(1);
    expect(await rig.timeline(n)).toContain('escalated to level 2 (last level): Carol (on call in primary)');
    await waitFor(async () => (await cardsOf('Carol')) === 1, { message: "Carol's card" });
  });

  it('refuses a policy naming a schedule that does not exist', async () => {
    await setup(daily, { levels: [{ targets: [{ schedule: 'primary' }], wait_minutes: 5 }] });
    const r = await rig.admin('PUT', '/api/v1/sources/pay/escalation', { levels: [{ targets: [{ schedule: 'secondary' }], wait_minutes: 5 }] });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe('levels[0].targets[0].schedule: no schedule named secondary; create it with PUT /api/v1/schedules/secondary first');
    expect((await rig.admin('GET', '/api/v1/sources/pay/escalation')).body.levels[0].targets).toEqual([{ schedule: 'primary' }]);
  });
});
