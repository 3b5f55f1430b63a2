import { afterEach, describe, expect, it } from 'vitest';
import { updateSettings } from '../../src/store/alertmanager-repo.ts';
import { FakeClock, startEscRig, type EscRig, type Replica } from '../escalation/rig.ts';
import { testEngines } from '../helpers/store.ts';

// The heartbeat check is a durable timer in the `timers` table, fired by the timer scanner:
// not armed before the first ping, moved by every ping, fired exactly once when two replicas scan
// at the same moment, and fired by a process started after the deadline passed (a restart).

const MIN = 60_000;

for (const engine of testEngines) {
  describe.skipIf(engine.skip)(`heartbeat timer (${engine.name})`, () => {
    let rig: EscRig | null = null;
    afterEach(async () => {
      await rig?.close();
      rig = null;
    });

    it('armed by the first ping, moved by the next, fired once across replicas and after a restart', async () => {
      const clock = new FakeClock();
      rig = await startEscRig({ engine, clock });
      const r = rig;
      const heartbeats = r.hark.alertmanager.heartbeats;
      const replica = (owner: string): Promise<Replica> => r.replica(owner);
      const [a, b] = [await replica('t-a'), await replica('t-b')];
      const scanBoth = async () => (await Promise.all([a.scanner.runDue(), b.scanner.runDue()])).reduce((x, y) => x + y, 0);
      const incidents = async () => (await r.mod.incidents.list()).items.map((s) => s.incident);
      await updateSettings(r.store.db, r.source.id, { heartbeatMinutes: 5 });

      // No ping yet: however long it stays quiet, nothing is armed and nothing opens.
      clock.advance(60 * MIN);
      expect(await scanBoth()).toBe(0);
      expect(await incidents()).toEqual([]);

      await heartbeats.ping(r.source);
      clock.advance(4 * MIN);
      expect(await scanBoth()).toBe(0);
      await heartbeats.ping(r.source); // moves the deadline to 5 min from now
      clock.advance(4 * MIN);
      expect(await scanBoth()).toBe(0);
      expect(await incidents()).toEqual([]);

      // Past the deadline: both replicas scan at once; exactly one fires, one incident opens.
      clock.advance(1 * MIN + 1);
      expect(await scanBoth()).toBe(1);
      const [opened] = await incidents();
      expect(opened).toMatchObject({ title: 'No heartbeat from pay for 5 min', severity: 'critical', status: 'triggered' });
      const fired = await r.store.db.selectFrom('timers').select(['status', 'fired_by']).where('kind', '=', 'heartbeat').execute();
      expect(fired).toEqual([{ status: 'done', fired_by: expect.stringMatching(/^t-[ab]$/) }]);
      clock.advance(60 * MIN);
      expect(await scanBoth()).toBe(0);
      expect(await incidents()).toHaveLength(1);

      // The next ping resolves it and arms the check again.
      const back = await heartbeats.ping(r.source);
      expect(back.resolved).toBe(opened.number);
      expect((await r.mod.incidents.get(opened.number)).incident.status).toBe('resolved');

      // Every replica stops; the deadline passes; a process started afterwards fires it, once.
      clock.advance(10 * MIN);
      const restarted = await replica('t-restarted');
      expect(await restarted.scanner.runDue()).toBe(1);
      expect(await restarted.scanner.runDue()).toBe(0);
      const now = await incidents();
      expect(now).toHaveLength(2);
      expect(now[0]).toMatchObject({ title: 'No heartbeat from pay for 5 min', status: 'triggered' });

      // Turned off while an incident is open: no further timer; a ping still resolves what is open.
      await updateSettings(r.store.db, r.source.id, { heartbeatMinutes: null });
      expect((await heartbeats.ping(r.source)).nextCheck).toBeNull();
      expect((await r.mod.incidents.get(now[0].number)).incident.status).toBe('resolved');
    });
  });
}
