import { incidentStore } from '../../src/store/incident-store.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IncidentService } from '../../src/incident/service.ts';
import { SourceService } from '../../src/incident/source-service.ts';
import type { Actor, Source } from '../../src/incident/types.ts';
import { normalizePayload } from '../../src/ingest/normalize.ts';
import { testEngines, type TestStore } from '../helpers/store.ts';
import { FakeClock, RecordingListener } from '../http/harness.ts';
import { fixture } from '../http/fixtures.ts';

// The store, not luck, guarantees one transition: these run real transactions at once on each engine.
describe.each(testEngines)('concurrency on $name', ({ skip, open }) => {
  let store: TestStore;
  let clock: FakeClock;
  let listener: RecordingListener;
  let incidents: IncidentService;
  let source: Source;
  beforeEach(async () => {
    store = undefined!; // a failed open() must not leave the previous test's store to clean twice
    if (skip) return;
    store = await open();
    clock = new FakeClock();
    listener = new RecordingListener();
    incidents = new IncidentService({ db: store.db, repo: incidentStore, clock, listener });
    const sources = new SourceService({ db: store.db, repo: incidentStore, clock });
    await sources.create({ name: 'prom', kind: 'alertmanager' });
    source = (await sources.list())[0];
  });
  afterEach(async () => {
    if (store) await store.cleanup();
  });

  it.skipIf(skip)('20 simultaneous acks: exactly one transition and one timeline entry; 19 told who won', async () => {
    await incidents.ingest(source, normalizePayload('alertmanager', fixture('alertmanager/firing.json'), clock.now()));
    listener.changes.length = 0;
    const actors: Actor[] = Array.from({ length: 20 }, (_, i) => ({ id: i + 1, name: `Responder ${i + 1}`, via: 'card' }));
    const results = await Promise.all(actors.map((a) => incidents.ack(1, a)));
    const winners = results.filter((r) => r.changed);
    expect(winners).toHaveLength(1);
    const winner = winners[0].by!;
    for (const r of results.filter((x) => !x.changed)) {
      expect(r.by).toEqual(winner);
      expect(r.message).toBe(`#1 is already acknowledged by ${winner.name} at 10:00 UTC`);
    }
    const acks = await store.db.selectFrom('timeline').selectAll().where('kind', '=', 'ack').execute();
    expect(acks).toHaveLength(1);
    expect(acks[0].actor_name).toBe(winner.name);
    expect(listener.types()).toEqual(['state_changed']);
    const detail = await incidents.get(1);
    expect(detail.incident).toMatchObject({ status: 'acknowledged', ackedBy: winner, version: 1 });
  });

  it.skipIf(skip)('concurrent ingests of the same new group open one incident holding every alert', async () => {
    const base = fixture('alertmanager/firing.json');
    const batches = Array.from({ length: 10 }, (_, i) => {
      const p = structuredClone(base);
      p.alerts = [{ ...p.alerts[0], fingerprint: `fp-${i}`, labels: { ...p.alerts[0].labels, instance: `db-${i}:9100` } }];
      return normalizePayload('alertmanager', p, clock.now());
    });
    const results = await Promise.all(batches.map((b) => incidents.ingest(source, b)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.incident!.number))).toEqual(new Set([1]));
    expect(await store.db.selectFrom('incidents').select('number').execute()).toHaveLength(1);
    const detail = await incidents.get(1);
    expect(detail.alerts.map((a) => a.fingerprint).sort()).toEqual(batches.map((_, i) => `fp-${i}`).sort());
    expect(listener.types().filter((t) => t === 'created')).toHaveLength(1);
    expect(listener.types().filter((t) => t === 'alert_added')).toHaveLength(9);
  });

  it.skipIf(skip)('an ack racing the auto-resolve either lands first or is told the incident is resolved', async () => {
    await incidents.ingest(source, normalizePayload('alertmanager', fixture('alertmanager/firing.json'), clock.now()));
    const resolved = normalizePayload('alertmanager', fixture('alertmanager/resolved.json'), clock.now());
    const [ack, ingest] = await Promise.allSettled([incidents.ack(1, { id: 1, name: 'Alice', via: 'card' }), incidents.ingest(source, resolved)]);
    expect(ingest.status).toBe('fulfilled');
    if (ack.status === 'rejected') expect(String(ack.reason)).toContain('is resolved');
    const detail = await incidents.get(1);
    expect(detail.incident.status).toBe('resolved');
    expect(detail.incident.openKey).toBeNull();
  });
});
