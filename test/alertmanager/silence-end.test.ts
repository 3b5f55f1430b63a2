import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadIncident } from '../../src/delivery/views.ts';
import { updateSettings } from '../../src/store/alertmanager-repo.ts';
import { FakeClock, startEscRig, type EscRig } from '../escalation/rig.ts';
import { testEngines } from '../helpers/store.ts';

// A silence that runs out stops showing on the card: its end is a durable timer (like a snooze's),
// fired by the scanner; Unsilence cancels it. Alertmanager itself lets the silence expire; here a
// small server answers for it, since only Hark's side is under test.

const MIN = 60_000;

for (const engine of testEngines) {
  describe.skipIf(engine.skip)(`silence end (${engine.name})`, () => {
    let rig: EscRig | null = null;
    let server: http.Server | null = null;
    afterEach(async () => {
      server?.closeAllConnections();
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      await rig?.close();
      rig = null;
      server = null;
    });

    it('the card stops saying "silenced until" when the silence runs out; Unsilence cancels that timer', async () => {
      let ids = 0;
      server = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          // GET: Hark lists silences and the alerts a silence would match (none here).
          res.end(req.method === 'POST' ? JSON.stringify({ silenceID: `s${++ids}` }) : req.method === 'GET' ? '[]' : '');
        });
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
      const clock = new FakeClock();
      rig = await startEscRig({ engine, clock });
      const r = rig;
      await updateSettings(r.store.db, r.source.id, { alertmanagerUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
      const silences = r.hark.alertmanager.silences;
      const scanner = r.escalation.scanner;
      const n = await r.fire('DiskFull');
      const view = async () => (await loadIncident(r.store.db, n, 'http://hark.test'))!.view;

      const done = await silences.silence(n, '1h', r.actor('Alice'));
      expect(await view()).toMatchObject({ silenceable: true, silence: { until: done.until, by: 'Alice' } });
      clock.advance(59 * MIN);
      expect(await scanner.runDue()).toBe(0);
      clock.advance(2 * MIN);
      expect(await scanner.runDue()).toBe(1);
      expect((await view()).silence).toBeNull();
      expect(await r.timeline(n)).toContain('silence ended (Alertmanager silence s1)');

      await silences.silence(n, '1h', r.actor('Alice'));
      expect((await silences.unsilence(n, r.actor('Alice'))).changed).toBe(true);
      clock.advance(2 * 60 * MIN);
      expect(await scanner.runDue()).toBe(0);
      const timers = await r.store.db.selectFrom('timers').select(['status']).where('kind', '=', 'silence_end').orderBy('id').execute();
      expect(timers.map((t) => t.status)).toEqual(['done', 'cancelled']);
    });
  });
}
