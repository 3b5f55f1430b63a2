import { afterEach, describe, expect, it } from 'vitest';
import { abandonCommand, claimCommand, finishCommand, renewCommandClaim } from '../../src/store/command-repo.ts';
import { testEngines, type TestStore } from '../helpers/store.ts';

// Issue 29 item 4: a chat command's claim lives in the database beside its outcome, so exactly one
// delivery runs it whatever Redis does, and a claim whose owner died is taken over.
for (const engine of testEngines) {
  describe.skipIf(engine.skip)(`command claims (${engine.name})`, () => {
    let store: TestStore | null = null;
    afterEach(async () => {
      await store?.cleanup();
      store = null;
    });

    it('one claim runs; a redelivery meanwhile is busy, then replays the outcome', async () => {
      store = await engine.open();
      const claims = await Promise.all(['a', 'b', 'c'].map((o) => claimCommand(store!.db, 'om_1', o, 1_000, 10_000)));
      expect(claims.filter((c) => c.kind === 'run')).toHaveLength(1);
      expect(claims.filter((c) => c.kind === 'busy')).toHaveLength(2);
      expect(await finishCommand(store.db, 'om_1', [{ text: 'done' }], 2_000)).toEqual([{ text: 'done' }]);
      expect(await claimCommand(store.db, 'om_1', 'd', 3_000, 10_000)).toEqual({ kind: 'done', outcome: [{ text: 'done' }] });
    });

    it('a claim not renewed for the stale time is taken over once; the late owner finishing does not win', async () => {
      store = await engine.open();
      expect((await claimCommand(store.db, 'om_2', 'dead', 1_000, 10_000)).kind).toBe('run');
      expect(await renewCommandClaim(store.db, 'om_2', 'dead', 5_000)).toBe(true);
      expect((await claimCommand(store.db, 'om_2', 'b', 14_000, 10_000)).kind).toBe('busy');
      const takeovers = await Promise.all(['b', 'c'].map((o) => claimCommand(store!.db, 'om_2', o, 16_000, 10_000)));
      expect(takeovers.map((c) => c.kind).sort()).toEqual(['busy', 'run']);
      expect(takeovers.find((c) => c.kind === 'run')).toEqual({ kind: 'run', tookOver: true });
      expect(await renewCommandClaim(store.db, 'om_2', 'dead', 17_000)).toBe(false);
      expect(await finishCommand(store.db, 'om_2', ['second'], 18_000)).toEqual(['second']);
      expect(await finishCommand(store.db, 'om_2', ['late'], 19_000)).toEqual(['second']);
    });

    it('an abandoned claim (the command failed) lets the redelivery run it', async () => {
      store = await engine.open();
      expect((await claimCommand(store.db, 'om_3', 'a', 1_000, 10_000)).kind).toBe('run');
      await abandonCommand(store.db, 'om_3', 'someone-else');
      expect((await claimCommand(store.db, 'om_3', 'b', 1_100, 10_000)).kind).toBe('busy');
      await abandonCommand(store.db, 'om_3', 'a');
      expect(await claimCommand(store.db, 'om_3', 'b', 1_200, 10_000)).toEqual({ kind: 'run', tookOver: false });
    });
  });
}
