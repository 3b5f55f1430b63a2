import { afterEach, describe, expect, it } from 'vitest';
import { testEngines } from '../helpers/store.ts';
import { waitFor } from '../helpers/wait.ts';
import { startEscRig, type EscRig } from './rig.ts';

// Escalation on the wall clock with the scanner and the outbox worker running against the
// emulator: private cards arrive in Lark, on time, and the card says what happens next.

for (const engine of testEngines) {
  describe.skipIf(engine.skip)(`escalation against the emulator (${engine.name})`, () => {
    let rig: EscRig;
    afterEach(() => rig?.close());

    const dms = async (openId: string) =>
      (await rig.emu!.control('GET', `/__emulator/messages?open_id=${openId}`)).items as { content: unknown; update_count: number }[];

    it('an unacked incident reaches level 2 on time; an acked one does not', async () => {
      rig = await startEscRig({ engine, emulator: true, scanner: { pollMs: 250 } });
      const alice = await rig.member('Alice');
      const bob = await rig.member('Bob');
      const ids = await rig.store.db.selectFrom('members').select(['email', 'open_id']).execute();
      const openId = (email: string) => ids.find((m) => m.email === email)!.open_id!;
      // Long enough that Alice's first card is read before level 2 redraws it, even on a busy machine.
      const waitMs = 0.05 * 60_000; // 3 s
      await rig.policy({
        levels: [
          { targets: [{ member: alice }], wait_minutes: 0.05 },
          { targets: [{ member: bob }], wait_minutes: 0.005 },
        ],
      });
      rig.escalation.scanner.start();

      const acked = await rig.fire('acked');
      await rig.mod.incidents.ack(acked, rig.actor('Alice'));
      const t0 = Date.now();
      const unacked = await rig.fire('unacked');

      // Level 1 at once: Alice's private card shows the next step.
      const first = await waitFor(async () => (await dms(openId(alice))).find((m) => JSON.stringify(m.content).includes(`#${unacked}`)), {
        message: "Alice's card",
      });
      expect(JSON.stringify(first.content)).toMatch(/Next escalation:\*\* level 2/);

      // Level 2 no earlier than the wait, and well before a second wait has passed.
      await waitFor(async () => (await dms(openId(bob))).length > 0, { timeout: 15_000, message: "Bob's card" });
      const elapsed = Date.now() - t0;
      expect(elapsed).toBeGreaterThanOrEqual(waitMs);
      expect(elapsed).toBeLessThan(waitMs + 5_000);
      const bobs = await dms(openId(bob));
      expect(bobs.map((m) => JSON.stringify(m.content)).every((c) => c.includes(`#${unacked}`))).toBe(true);
      expect((await rig.timeline(acked)).some((m) => m.startsWith('escalated to level 2'))).toBe(false);
      expect(await rig.timeline(unacked)).toContain('escalated to level 2 (last level): Bob');
      // Alice's card is updated: no next escalation any more.
      await waitFor(async () => {
        const m = (await dms(openId(alice))).find((x) => JSON.stringify(x.content).includes(`#${unacked}`));
        return m && !JSON.stringify(m.content).includes('Next escalation');
      }, { message: "Alice's card without a next escalation" });
    });
  });
}
