import { afterEach, describe, expect, test } from 'vitest';
import { claim } from '../../src/store/outbox-repo.ts';
import { messageUuid } from '../../src/delivery/index.ts';
import { renderIncidentCard } from '../../src/render/index.ts';
import { testEngines } from '../helpers/store.ts';
import { waitFor } from '../helpers/wait.ts';
import { cardText, startDeliveryRig, type DeliveryRig, type EmMessage } from './harness.ts';

let rig: DeliveryRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

/** Most messages created within any sliding second, from the emulator's create times. */
function maxPerSecond(msgs: EmMessage[]): number {
  const t = msgs.map((m) => Number(m.create_time)).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** Incident number → how many cards of it a chat holds (from the card's button values). */
function cardsPerIncident(msgs: EmMessage[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of msgs) {
    const n = /"incident":(\d+)/.exec(cardText(m));
    if (n) out.set(Number(n[1]), (out.get(Number(n[1])) ?? 0) + 1);
  }
  return out;
}

describe('storms', () => {
  test('200 incidents into one group: 5/s respected, budgeted cards plus one storm card account for all 200', async () => {
    rig = await startDeliveryRig({ config: { stormPerMinute: 20 }, emulatorProcess: true });
    const chat = await rig.group('Storm room');
    const numbers: number[] = [];
    for (let i = 0; i < 200; i++) {
      numbers.push(await rig.fire(`Storm${i}`, { severity: i % 10 === 0 ? 'critical' : 'warning' }));
      // Webhooks arrive one request at a time, each its own turn of the event loop. Firing in a tight
      // loop of promises would keep timers (the pacer's slots) from running for the whole burst.
      await new Promise((r) => setImmediate(r));
    }
    await rig.drained(30_000);
    const msgs = await rig.messages({ chat_id: chat });
    const storm = msgs.filter((m) => cardText(m).includes('Alert storm'));
    const cards = msgs.filter((m) => !cardText(m).includes('Alert storm'));
    expect(storm.length).toBe(1);
    expect(cards.length).toBe(20);
    expect(cardText(storm[0])).toContain('**180 more incidents**');
    const collapsed = await rig.store.db.selectFrom('storm_incidents').select('incident_number').execute();
    const carded = [...cardsPerIncident(cards).keys()];
    expect(new Set([...carded, ...collapsed.map((r) => Number(r.incident_number))])).toEqual(new Set(numbers));
    expect(maxPerSecond(msgs)).toBeLessThanOrEqual(5);
    const stats = await rig.stats();
    expect(stats.code_230020, `emulator stats: ${JSON.stringify(stats)}`).toBe(0);
    // Collapsed incidents say so in their timeline.
    const last = numbers[numbers.length - 1];
    expect((await rig.timeline(last)).some((t) => t.includes('counted on its storm card'))).toBe(true);

    // The storm card follows the collapsed incidents: acknowledging one lowers "waiting".
    await rig.ack(last);
    await rig.drained();
    const [after] = (await rig.messages({ chat_id: chat })).filter((m) => m.message_id === storm[0].message_id);
    expect(after.update_count).toBeGreaterThanOrEqual(1);
    expect(cardText(after)).toMatch(/179 waiting/);
  }, 60_000);

  test('critical incidents go first', async () => {
    rig = await startDeliveryRig({ start: false });
    const chat = await rig.group('Priorities');
    for (let i = 0; i < 6; i++) await rig.fire(`Warn${i}`, { severity: 'warning' });
    const crit = await rig.fire('Critical', { severity: 'critical' });
    rig.delivery.worker.start();
    await rig.drained();
    const msgs = (await rig.messages({ chat_id: chat })).sort((a, b) => Number(a.create_time) - Number(b.create_time));
    expect(msgs.length).toBe(7);
    expect([...cardsPerIncident([msgs[0]]).keys()]).toEqual([crit]);
  });
});

describe('crashes and replicas', () => {
  test('a worker killed mid-storm and one that leased rows and died: every card arrives exactly once', async () => {
    rig = await startDeliveryRig({ start: false, config: { leaseMs: 2500, stormPerMinute: 100 } });
    const chats: string[] = [];
    for (let i = 0; i < 5; i++) chats.push(await rig.group(`Crash ${i}`));
    const numbers: number[] = [];
    for (let i = 0; i < 24; i++) numbers.push(await rig.fire(`Crash${i}`));

    // A "dead" worker leased rows, got some of them through to Lark, and vanished without recording.
    const installId = (await rig.store.db.selectFrom('delivery_meta').select('value').executeTakeFirstOrThrow()).value;
    const leased = await claim(rig.store.db, { owner: 'dead', now: Date.now(), leaseMs: 2500, limit: 10, perKey: 2, postgres: false });
    expect(leased.length).toBe(10);
    for (const row of leased.slice(0, 5)) {
      const inc = await rig.incidents.incidents.get(Number(row.incident_number));
      const card = renderIncidentCard({
        number: inc.incident.number, title: inc.incident.title, status: 'triggered', snoozedUntil: null, severity: inc.incident.severity,
        source: 'prom', labels: {}, startedAt: inc.incident.createdAt, firingCount: 1, alertCount: 1, ackedBy: null, ackedAt: null,
        resolvedBy: null, resolvedAt: null, description: null, links: [], webUrl: 'http://localhost:3000/h5', nextEscalation: null,
      });
      await rig.lark.sendCard('chat_id', row.target_id, card, messageUuid(installId, row.id));
    }

    // A live worker is killed in the middle of the rest (its calls in flight are not recorded).
    rig.delivery.worker.start();
    await waitFor(async () => (await rig!.stats()).messages_created >= 40, { timeout: 20_000 });
    rig.delivery.worker.kill();

    // A new worker (another replica) takes over once the leases run out.
    (await rig.another('w-successor')).worker.start();
    await rig.drained(40_000);
    for (const c of chats) {
      const perIncident = cardsPerIncident(await rig.messages({ chat_id: c }));
      expect([...perIncident.keys()].sort((a, b) => a - b)).toEqual(numbers);
      expect([...perIncident.values()].every((n) => n === 1)).toBe(true);
    }
    expect((await rig.stats()).messages_created).toBe(5 * 24);
    const copies = await rig.store.db.selectFrom('incident_messages').select('message_id').execute();
    expect(copies.length).toBe(5 * 24);
  }, 60_000);

  test('stopping a worker finishes its in-flight sends; a new one continues without duplicates', async () => {
    rig = await startDeliveryRig({ config: { stormPerMinute: 100 } });
    const chats = [await rig.group('S1'), await rig.group('S2')];
    for (let i = 0; i < 20; i++) await rig.fire(`Stop${i}`);
    await waitFor(async () => (await rig!.stats()).messages_created >= 10, { timeout: 20_000 });
    await rig.delivery.worker.stop();
    expect(rig.delivery.worker.inFlight).toBe(0);
    const w2 = await rig.another('w-next');
    w2.worker.start();
    await rig.drained();
    for (const c of chats) expect((await rig.messages({ chat_id: c })).length).toBe(20);
    expect((await rig.stats()).api_calls['im.message.create']).toBe(40);
  }, 60_000);
});

describe.each(testEngines)('claims and leases ($name)', (engine) => {
  test.skipIf(engine.skip)('two workers over one database never send one row twice', async () => {
    rig = await startDeliveryRig({ engine, start: false, config: { stormPerMinute: 100, appPerSecond: 40 } });
    const chats: string[] = [];
    for (let i = 0; i < 6; i++) chats.push(await rig.group(`Twin ${i}`));
    for (let i = 0; i < 15; i++) await rig.fire(`Twin${i}`);
    rig.delivery.worker.start();
    (await rig.another('w-twin')).worker.start();
    await rig.drained(30_000);
    for (const c of chats) expect((await rig.messages({ chat_id: c })).length).toBe(15);
    // Every call reached Lark once: the uuid dedup never had to hide a second send.
    expect((await rig.stats()).api_calls['im.message.create']).toBe(6 * 15);
  }, 60_000);

  test.skipIf(engine.skip)('a lease hides a row from other workers until it runs out', async () => {
    rig = await startDeliveryRig({ engine, start: false });
    await rig.group('Lease');
    await rig.fire('Leased');
    const now = Date.now();
    const pg = engine.name === 'postgres';
    const a = await claim(rig.store.db, { owner: 'a', now, leaseMs: 1000, limit: 10, perKey: 5, postgres: pg });
    const b = await claim(rig.store.db, { owner: 'b', now: now + 500, leaseMs: 1000, limit: 10, perKey: 5, postgres: pg });
    const c = await claim(rig.store.db, { owner: 'c', now: now + 1001, leaseMs: 1000, limit: 10, perKey: 5, postgres: pg });
    expect(a.length).toBe(1);
    expect(b.length).toBe(0);
    expect(c.map((r) => r.lease_owner)).toEqual(['c']);
    // Concurrent claims: exactly one wins.
    const later = now + 5000;
    const racers = await Promise.all(
      ['x', 'y', 'z'].map((owner) => claim(rig!.store.db, { owner, now: later, leaseMs: 1000, limit: 10, perKey: 5, postgres: pg })),
    );
    expect(racers.flat().length).toBe(1);
  });
});
