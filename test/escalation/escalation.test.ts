import { afterEach, describe, expect, it } from 'vitest';
import { nextEscalationOf } from '../../src/escalation/timers.ts';
import { testEngines } from '../helpers/store.ts';
import { FakeClock, startEscRig, type EscRig } from './rig.ts';

// Escalation and durable timers in process, on a clock the test moves: each scan is called by
// hand (scanner.runDue), so nothing here sleeps.

const MIN = 60_000;

for (const engine of testEngines) {
  describe.skipIf(engine.skip)(`escalation (${engine.name})`, () => {
    let rig: EscRig;
    let clock: FakeClock;
    afterEach(() => rig?.close());

    async function setup(policy: unknown) {
      clock = new FakeClock();
      rig = await startEscRig({ engine, clock });
      await rig.member('Alice', { openId: 'ou_alice' });
      await rig.member('Bob', { openId: 'ou_bob' });
      await rig.member('Carol', { openId: null });
      await rig.member('Dave', { openId: 'ou_dave' });
      await rig.chat('oc_sre', 'pay-sre');
      await rig.policy(policy);
    }

    /** Three scanners fire what is due at once; then the first scans again for what was skipped (locked by another). */
    async function firedByThreeScanners(): Promise<number> {
      const others = [await rig.replica('t-2'), await rig.replica('t-3')];
      const counts = await Promise.all([rig.escalation, ...others].map((e) => e.scanner.runDue()));
      let more = 0;
      for (let i = 0; i < 5; i++) more += await rig.escalation.scanner.runDue();
      return counts.reduce((a, b) => a + b, 0) + more;
    }

    const twoLevels = {
      levels: [
        { targets: [{ member: 'alice@example.com' }], wait_minutes: 5 },
        { targets: [{ member: 'bob@example.com' }, { chat: 'oc_sre' }], wait_minutes: 10 },
      ],
    };

    it('notifies level 1 at once and level 2 when nobody acknowledged in time, once', async () => {
      await setup(twoLevels);
      const n = await rig.fire('db-down');
      expect(await rig.sends(n)).toEqual(['open_id:ou_alice']);
      expect(await rig.timeline(n)).toContain('escalated to level 1: Alice');
      expect(await nextEscalationOf(rig.store.db, n)).toEqual({ level: 2, at: clock.now() + 5 * MIN });

      clock.advance(5 * MIN - 1);
      expect(await rig.escalation.scanner.runDue()).toBe(0);
      clock.advance(1);
      expect(await rig.escalation.scanner.runDue()).toBe(1);
      // The step's private card is written at the end of its timer group (store/write-batch.ts), so
      // after the group's card in id order; the worker sends pages first whatever their order.
      expect((await rig.sends(n)).sort()).toEqual(['chat_id:oc_sre', 'open_id:ou_alice', 'open_id:ou_bob']);
      expect(await rig.timeline(n)).toContain('escalated to level 2 (last level): Bob, #pay-sre');
      expect(await nextEscalationOf(rig.store.db, n)).toBeNull();

      clock.advance(60 * MIN);
      expect(await rig.escalation.scanner.runDue()).toBe(0);
      expect((await rig.timeline(n)).filter((m) => m.startsWith('escalated'))).toHaveLength(2);
    });

    it('stops when acknowledged: level 2 is never notified', async () => {
      await setup(twoLevels);
      const n = await rig.fire('db-down');
      clock.advance(2 * MIN);
      await rig.mod.incidents.ack(n, rig.actor('Alice'));
      expect(await nextEscalationOf(rig.store.db, n)).toBeNull();
      clock.advance(30 * MIN);
      expect(await rig.escalation.scanner.runDue()).toBe(0);
      expect(await rig.sends(n)).toEqual(['open_id:ou_alice']);
      expect(await rig.timeline(n)).toContain('escalation stopped: acknowledged by Alice');
    });

    it('starts over from level 1 on unack and stops for good on resolve', async () => {
      await setup(twoLevels);
      const n = await rig.fire('db-down');
      await rig.mod.incidents.ack(n, rig.actor('Alice'));
      clock.advance(MIN);
      await rig.mod.incidents.unack(n, rig.actor('Alice'));
      expect(await rig.sends(n)).toEqual(['open_id:ou_alice', 'open_id:ou_alice']);
      expect(await nextEscalationOf(rig.store.db, n)).toEqual({ level: 2, at: clock.now() + 5 * MIN });
      await rig.mod.incidents.resolve(n, rig.actor('Bob'));
      clock.advance(60 * MIN);
      expect(await rig.escalation.scanner.runDue()).toBe(0);
      expect(await rig.timeline(n)).toContain('escalation stopped: resolved');
    });

    it('records unlinked members and moves on at once instead of waiting on them', async () => {
      await setup({
        levels: [
          { targets: [{ member: 'alice@example.com' }], wait_minutes: 1 },
          { targets: [{ member: 'carol@example.com' }], wait_minutes: 10 },
          { targets: [{ member: 'dave@example.com' }], wait_minutes: 1 },
        ],
      });
      const n = await rig.fire('db-down');
      clock.advance(MIN);
      expect(await rig.escalation.scanner.runDue()).toBe(1);
      const tl = await rig.timeline(n);
      expect(tl).toContain('not linked: Carol has never opened Hark in Lark');
      expect(tl).toContain('escalated to level 2: nobody there can be reached; moving on to level 3 now');
      expect(tl).toContain('escalated to level 3 (last level): Dave');
      expect(await rig.sends(n)).toEqual(['open_id:ou_alice', 'open_id:ou_dave']);
    });

    it('repeats the whole policy as configured, then ends', async () => {
      await setup({ levels: [{ targets: [{ member: 'alice@example.com' }], wait_minutes: 1 }], repeat: 2 });
      const n = await rig.fire('db-down');
      for (let i = 0; i < 4; i++) {
        clock.advance(MIN);
        await rig.escalation.scanner.runDue();
      }
      const tl = (await rig.timeline(n)).filter((m) => m.startsWith('escalated'));
      expect(tl).toEqual([
        'escalated to level 1: Alice',
        'escalated to level 1 (repeat 1 of 2): Alice',
        'escalated to level 1 (repeat 2 of 2) (last level): Alice',
      ]);
    });

    it('does not post a second card in a group that already has one (subscribed), but repeats do', async () => {
      await setup({ levels: [{ targets: [{ chat: 'oc_sre' }], wait_minutes: 1 }], repeat: 1 });
      await rig.delivery.chats.subscribe('oc_sre', 'pay', {});
      const n = await rig.fire('db-down');
      expect(await rig.sends(n)).toEqual(['chat_id:oc_sre']);
      clock.advance(MIN);
      await rig.escalation.scanner.runDue();
      expect(await rig.sends(n)).toEqual(['chat_id:oc_sre', 'chat_id:oc_sre']);
    });

    it('ends a snooze on time through the service: back to triggered, escalation from level 1, once', async () => {
      await setup(twoLevels);
      const n = await rig.fire('db-down');
      await rig.mod.incidents.snooze(n, '30m', rig.actor('Alice'));
      expect(await nextEscalationOf(rig.store.db, n)).toBeNull();
      clock.advance(30 * MIN - 1);
      expect(await rig.escalation.scanner.runDue()).toBe(0);
      clock.advance(1);
      expect(await rig.escalation.scanner.runDue()).toBe(1);
      const detail = await rig.mod.incidents.get(n);
      expect(detail.incident.status).toBe('triggered');
      expect(detail.incident.snoozedUntil).toBeNull();
      expect(await rig.timeline(n)).toContain(`#${n} snooze ended; back to triggered`);
      expect(await rig.sends(n)).toEqual(['open_id:ou_alice', 'open_id:ou_alice']);
      expect(await rig.escalation.scanner.runDue()).toBe(0);
    });

    it('a longer snooze moves its timer; resolving cancels it', async () => {
      await setup(twoLevels);
      const n = await rig.fire('db-down');
      await rig.mod.incidents.snooze(n, '10m', rig.actor('Alice'));
      await rig.mod.incidents.snooze(n, '1h', rig.actor('Alice'));
      clock.advance(11 * MIN);
      expect(await rig.escalation.scanner.runDue()).toBe(0);
      await rig.mod.incidents.resolve(n, rig.actor('Alice'));
      clock.advance(60 * MIN);
      expect(await rig.escalation.scanner.runDue()).toBe(0);
      expect((await rig.mod.incidents.get(n)).incident.status).toBe('resolved');
    });

    it('a snooze that ended while no scanner ran fires once when one starts (restart)', async () => {
      await setup(twoLevels);
      const n = await rig.fire('db-down');
      await rig.mod.incidents.snooze(n, '5m', rig.actor('Alice'));
      clock.advance(6 * MIN);
      // "The process after a restart": a new module over the same database, scanning on its own loop.
      const after = await rig.replica('t-restarted');
      after.scanner.start();
      const deadline = Date.now() + 10_000;
      while ((await rig.mod.incidents.get(n)).incident.status !== 'triggered') {
        if (Date.now() > deadline) throw new Error('snooze did not end after the restart');
        await new Promise((r) => setTimeout(r, 10));
      }
      await after.scanner.stop();
      const ended = (await rig.timeline(n)).filter((m) => m.endsWith('snooze ended; back to triggered'));
      expect(ended).toHaveLength(1);
      const fired = await rig.store.db.selectFrom('timers').select(['fired_by']).where('kind', '=', 'snooze_end').where('status', '=', 'done').execute();
      expect(fired).toEqual([{ fired_by: 't-restarted' }]);
    });

    it('a timer that fails does not hold back the others fired in its group; it alone is retried later', async () => {
      await setup({ levels: [twoLevels.levels[0], { targets: [{ member: 'bob@example.com' }], wait_minutes: 1 }] });
      const numbers: number[] = [];
      for (let i = 0; i < 30; i++) numbers.push(await rig.fire(`alert-${i}`));
      clock.advance(5 * MIN);
      // A timer whose handler throws falls due among them (a kind registered for this test only).
      const bare = await rig.replica('t-bare');
      bare.hark.timers.register('always_fails', async () => {
        throw new Error('this kind always fails');
      });
      await rig.store.db
        .insertInto('timers')
        .values({ kind: 'always_fails', incident_number: 0, due_at: clock.now() - 1, data: '{}', status: 'pending', pending_key: 'heartbeat:test', created_at: 0, updated_at: 0 })
        .execute();
      expect(await bare.scanner.runDue()).toBe(30);
      for (const n of numbers) expect((await rig.timeline(n)).filter((m) => m.startsWith('escalated to level 2'))).toHaveLength(1);
      const bad = await rig.store.db.selectFrom('timers').selectAll().where('pending_key', '=', 'heartbeat:test').executeTakeFirstOrThrow();
      expect(bad).toMatchObject({ status: 'pending', attempts: 1, due_at: clock.now() + 1000 });
      expect(bad.last_error).toContain('this kind always fails');
      expect(await bare.scanner.runDue()).toBe(0);
    });

    it('several scanners fire each of 100 due timers exactly once', async () => {
      await setup({ levels: [twoLevels.levels[0], { targets: [{ member: 'bob@example.com' }], wait_minutes: 1 }] });
      const numbers: number[] = [];
      for (let i = 0; i < 100; i++) numbers.push(await rig.fire(`alert-${i}`));
      clock.advance(5 * MIN);
      expect(await firedByThreeScanners()).toBe(100);
      for (const n of numbers.slice(0, 10)) {
        expect((await rig.timeline(n)).filter((m) => m.startsWith('escalated to level 2'))).toHaveLength(1);
      }
      const bobSends = await rig.store.db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('target_id', '=', 'ou_bob')
        .where('op', '=', 'send')
        .executeTakeFirstOrThrow();
      expect(Number(bobSends.n)).toBe(100);
    });

    it('a group of steps reads its policies, members and card copies once and pages as one step alone would', async () => {
      clock = new FakeClock();
      rig = await startEscRig({ engine, clock });
      for (const name of ['Alice', 'Bob', 'Zed']) await rig.member(name, { openId: `ou_${name.toLowerCase()}` });
      await rig.chat('oc_sre', 'pay-sre');
      await rig.policy({ levels: [twoLevels.levels[0], { targets: [{ member: 'bob@example.com' }, { member: 'zed@example.com' }, { chat: 'oc_sre' }], wait_minutes: 1 }] });
      // Zed leaves the roster after the policy named them.
      await rig.store.db.deleteFrom('members').where('email', '=', 'zed@example.com').execute();
      const numbers: number[] = [];
      for (let i = 0; i < 5; i++) numbers.push(await rig.fire(`ahead-${i}`));
      clock.advance(5 * MIN);
      expect(await rig.escalation.scanner.runDue()).toBe(5);
      for (const n of numbers) {
        const tl = await rig.timeline(n);
        expect(tl).toContain('not notified: zed@example.com is no longer on the roster');
        expect(tl.filter((m) => m === 'escalated to level 2 (last level): Bob, #pay-sre')).toHaveLength(1);
        expect((await rig.sends(n)).filter((x) => x === 'open_id:ou_bob')).toHaveLength(1);
      }
    });

    it("a group's steps write their timeline entries, pages and private cards together at its end; a timer of another kind fired after them in the group sees them (issue 28)", async () => {
      await setup({ levels: [twoLevels.levels[0], { targets: [{ member: 'bob@example.com' }, { member: 'dave@example.com' }], wait_minutes: 1 }] });
      const numbers: number[] = [];
      for (let i = 0; i < 3; i++) numbers.push(await rig.fire(`together-${i}`));
      clock.advance(5 * MIN);
      // A kind registered for this test only, due just after the steps, reads what the first step wrote.
      const one = await rig.replica('t-one', { concurrency: 1 });
      const saw: { pages: number; sends: number; entries: number }[] = [];
      one.hark.timers.register('peek', async (trx, timer) => {
        const n = Number(timer.incident_number);
        const count = async (q: Promise<{ n: number | string | bigint }>) => Number((await q).n);
        saw.push({
          pages: await count(trx.selectFrom('pages').select((eb) => eb.fn.countAll<number>().as('n')).where('incident_number', '=', n).where('level', '=', 2).executeTakeFirstOrThrow()),
          sends: await count(trx.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('incident_number', '=', n).where('target_type', '=', 'open_id').executeTakeFirstOrThrow()),
          entries: await count(trx.selectFrom('timeline').select((eb) => eb.fn.countAll<number>().as('n')).where('incident_number', '=', n).where('message', 'like', 'escalated to level 2%').executeTakeFirstOrThrow()),
        });
      });
      await rig.store.db
        .insertInto('timers')
        .values({ kind: 'peek', incident_number: numbers[0], due_at: clock.now(), data: '{}', status: 'pending', pending_key: 'peek:test', created_at: 0, updated_at: 0 })
        .execute();
      expect(await one.scanner.runDue()).toBe(4);
      // Level 1 paged Alice when the incident opened; the step paged Bob and Dave.
      expect(saw).toEqual([{ pages: 2, sends: 3, entries: 1 }]);
      for (const n of numbers) {
        expect((await rig.timeline(n)).filter((m) => m === 'escalated to level 2 (last level): Bob, Dave')).toHaveLength(1);
        expect((await rig.sends(n)).sort()).toEqual(['open_id:ou_alice', 'open_id:ou_bob', 'open_id:ou_dave']);
        const pages = await rig.store.db.selectFrom('pages').select(['open_id', 'level']).where('incident_number', '=', n).orderBy('id').execute();
        expect(pages.map((p) => `${p.open_id}@${p.level}`)).toEqual(['ou_alice@1', 'ou_bob@2', 'ou_dave@2']);
      }
    });

    it("firing steps takes no one's feed-card row: scanners paging the same people never wait on each other (issue 28)", async () => {
      // Each step used to upsert the paged person's one waiting "feed" row in the firing's
      // transaction; scanners firing groups that paged the same people in other orders deadlocked
      // on PostgreSQL. The mark is now asked for when the page's card reaches the person.
      await setup({ levels: [twoLevels.levels[0], { targets: [{ member: 'bob@example.com' }, { member: 'dave@example.com' }], wait_minutes: 1 }] });
      for (let i = 0; i < 60; i++) await rig.fire(`alert-${i}`);
      clock.advance(5 * MIN);
      expect(await firedByThreeScanners()).toBe(60);
      const rows = await rig.store.db.selectFrom('outbox').select(['op', 'target_id']).where('target_id', 'in', ['ou_bob', 'ou_dave']).execute();
      expect(rows.filter((r) => r.op === 'send')).toHaveLength(120);
      // No card has reached anyone yet (no worker runs here), so nobody's chat is asked to be pinned.
      expect(rows.filter((r) => r.op === 'feed')).toHaveLength(0);
      const pages = await rig.store.db.selectFrom('pages').select('open_id').where('level', '=', 2).execute();
      expect(pages).toHaveLength(120);
    });
  });
}
