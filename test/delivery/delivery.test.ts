import { internalCache } from '@larksuiteoapi/node-sdk';
import { afterEach, describe, expect, test } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { cardText, startDeliveryRig, type DeliveryRig } from './harness.ts';

let rig: DeliveryRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

describe('routing', () => {
  test('a subscribed group gets one card; unsubscribed, below-minimum and non-matching groups get none', async () => {
    rig = await startDeliveryRig();
    const all = await rig.group('All alerts');
    const none = await rig.group('Not subscribed', false);
    const critOnly = await rig.group('Critical only', { minSeverity: 'critical' });
    const pay = await rig.group('Pay SRE', { labels: { team: 'pay' } });
    const notDev = await rig.group('Not dev', { labels: ['env!=dev', 'service=~api-.*'] });

    await rig.fire('DiskFull', { severity: 'warning', labels: { team: 'db', env: 'prod', service: 'api-gw' } });
    await rig.drained();
    expect((await rig.messages({ chat_id: all })).length).toBe(1);
    expect((await rig.messages({ chat_id: none })).length).toBe(0);
    expect((await rig.messages({ chat_id: critOnly })).length).toBe(0);
    expect((await rig.messages({ chat_id: pay })).length).toBe(0);
    expect((await rig.messages({ chat_id: notDev })).length).toBe(1);

    await rig.fire('PaymentsDown', { severity: 'critical', labels: { team: 'pay', env: 'dev' } });
    await rig.drained();
    expect((await rig.messages({ chat_id: all })).length).toBe(2);
    expect((await rig.messages({ chat_id: none })).length).toBe(0);
    expect((await rig.messages({ chat_id: critOnly })).length).toBe(1);
    expect((await rig.messages({ chat_id: pay })).length).toBe(1);
    expect((await rig.messages({ chat_id: notDev })).length).toBe(1);
    const [card] = await rig.messages({ chat_id: pay });
    expect(card.msg_type).toBe('interactive');
    expect(card.uuid).toMatch(/^hark-[0-9a-f]{12}-\d+$/);
    expect(cardText(card)).toContain('PaymentsDown');
  });

  test('an Alertmanager resend posts nothing and updates nothing', async () => {
    rig = await startDeliveryRig();
    const chat = await rig.group('SRE');
    const n1 = await rig.fire('HighLatency');
    await rig.drained();
    const n2 = await rig.fire('HighLatency');
    const n3 = await rig.fire('HighLatency');
    expect([n2, n3]).toEqual([n1, n1]);
    await rig.drained();
    const msgs = await rig.messages({ chat_id: chat });
    expect(msgs.length).toBe(1);
    expect(msgs[0].update_count).toBe(0);
  });
});

describe('one live card per incident', () => {
  test('ack updates every copy in place: same message ids, update_count grows, content shows acknowledged', async () => {
    rig = await startDeliveryRig();
    const a = await rig.group('Team A');
    const b = await rig.group('Team B');
    const bob = await rig.user('Bob');
    const n = await rig.fire('DbDown', { severity: 'critical' });
    await rig.store.db.transaction().execute((trx) =>
      rig!.delivery.listener.notifyMember(trx, { member: { name: 'Bob', openId: bob }, incidentNumber: n }),
    );
    await rig.drained();
    const before = [...(await rig.messages({ chat_id: a })), ...(await rig.messages({ chat_id: b })), ...(await rig.messages({ open_id: bob }))];
    expect(before.length).toBe(3);
    expect(before.every((m) => m.update_count === 0)).toBe(true);

    await rig.ack(n, 'Alice');
    await rig.drained();
    const after = [...(await rig.messages({ chat_id: a })), ...(await rig.messages({ chat_id: b })), ...(await rig.messages({ open_id: bob }))];
    expect(after.map((m) => m.message_id).sort()).toEqual(before.map((m) => m.message_id).sort());
    for (const m of after) {
      expect(m.update_count).toBeGreaterThanOrEqual(1);
      expect(cardText(m)).toContain('Acknowledged by:** Alice');
    }
    const timeline = await rig.timeline(n);
    expect(timeline).toContain('card posted in group Team A');
    expect(timeline).toContain('card sent to Bob privately');
  });

  test('a burst of changes coalesces into few updates, never more than 5 a second per message', async () => {
    rig = await startDeliveryRig({ emulatorProcess: true });
    const chat = await rig.group('Ops');
    const n = await rig.fire('Flapping');
    await rig.drained();
    const actor = { id: null, name: 'Alice', via: 'api' as const };
    for (let i = 0; i < 6; i++) {
      await rig.incidents.incidents.ack(n, actor);
      await rig.incidents.incidents.unack(n, actor);
    }
    await rig.incidents.incidents.ack(n, actor);
    await rig.drained();
    const [m] = await rig.messages({ chat_id: chat });
    expect(m.update_count).toBeGreaterThanOrEqual(1);
    expect(m.update_count).toBeLessThan(13);
    expect(cardText(m)).toContain('Acknowledged by:** Alice');
    const stats = await rig.stats();
    expect(stats.code_230020).toBe(0);
  });

  test('a change answered on one copy (hints.answeredCopy) updates only the other copies', async () => {
    rig = await startDeliveryRig();
    const a = await rig.group('Clicked here');
    const b = await rig.group('Elsewhere');
    const n = await rig.fire('Clicky');
    await rig.drained();
    const [clicked] = await rig.messages({ chat_id: a });
    rig.delivery.worker.kill();
    await rig.incidents.incidents.ack(n, { id: null, name: 'Alice', via: 'card' }, { hints: { answeredCopy: clicked.message_id } });
    const w2 = await rig.another('w-2');
    w2.worker.start();
    await rig.drained();
    expect((await rig.messages({ chat_id: a }))[0].update_count).toBe(0);
    expect((await rig.messages({ chat_id: b }))[0].update_count).toBe(1);
  });

  test('an alert text with <at id=all></at> renders harmless in the delivered card', async () => {
    rig = await startDeliveryRig();
    const chat = await rig.group('Everyone');
    await rig.fire('Inject', { title: 'boom <at id=all></at> <at id="all"></at> [x](http://evil.example)' });
    await rig.drained();
    const [m] = await rig.messages({ chat_id: chat });
    expect(cardText(m)).not.toMatch(/<at\b/i);
    // Markdown elements are where Lark would read mentions and links: the text arrives as entities there.
    const markdown: string[] = [];
    const walk = (node: any): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        if (node.tag === 'markdown') markdown.push(JSON.stringify(node));
        Object.values(node).forEach(walk);
      }
    };
    walk(m.content);
    expect(markdown.some((t) => t.includes('boom'))).toBe(true);
    for (const t of markdown) {
      expect(t).not.toMatch(/<at/i);
      expect(t).not.toContain('](http');
    }
  });
});

describe('failures in words', () => {
  test('230002 becomes a timeline sentence and is not retried', async () => {
    rig = await startDeliveryRig();
    const chat = await rig.group('Pay SRE');
    // The bot is taken out and Hark missed the event: the directory still says active.
    await rig.emu.control('POST', `/__emulator/chats/${chat}/bot`, { present: false });
    const n = await rig.fire('Lost');
    await rig.drained();
    expect(await rig.timeline(n)).toContain('not delivered to group Pay SRE: bot is not in group Pay SRE');
    const calls = (await rig.stats()).api_calls['im.message.create'];
    expect(calls).toBe(1);
  });

  test('private messages: unlinked member gets a timeline entry, 230013 says who is outside the availability', async () => {
    rig = await startDeliveryRig();
    const carol = await rig.user('Carol');
    const bob = await rig.user('Bob', { available: false });
    const n = await rig.fire('Paging');
    const results = await rig.store.db.transaction().execute(async (trx) => [
      await rig!.delivery.listener.notifyMember(trx, { member: { name: 'Dave', openId: null }, incidentNumber: n }),
      await rig!.delivery.listener.notifyMember(trx, { member: { name: 'Bob', openId: bob }, incidentNumber: n }),
      await rig!.delivery.listener.notifyMember(trx, { member: { name: 'Carol', openId: carol }, incidentNumber: n }),
    ]);
    expect(results).toEqual(['not_linked', 'queued', 'queued']);
    await rig.drained();
    const timeline = await rig.timeline(n);
    expect(timeline).toContain('not linked: Dave has never opened Hark in Lark');
    expect(timeline).toContain("not delivered to Bob's private chat: Bob is outside the app's availability");
    expect((await rig.messages({ open_id: carol })).length).toBe(1);
  });

  test("a card older than Lark's 14-day window is recorded once, not retried", async () => {
    rig = await startDeliveryRig();
    const chat = await rig.group('Old');
    const n = await rig.fire('Ancient');
    await rig.drained();
    await rig.emu.control('POST', '/__emulator/clock', { advance_ms: 15 * 86_400_000 });
    // The SDK caches its tenant token process-wide by the local clock; after the emulator's jump
    // that token is expired for the emulator, so let the SDK fetch a new one.
    (internalCache as unknown as { values: Map<unknown, unknown> }).values.clear();
    await rig.ack(n);
    await rig.drained();
    await rig.incidents.incidents.unack(n, { id: null, name: 'Alice', via: 'api' });
    await rig.drained();
    const notes = (await rig.timeline(n)).filter((t) => t.includes('14-day'));
    expect(notes).toEqual(["card in group Old not updated: card is older than Lark's 14-day update window"]);
    expect((await rig.stats()).api_calls['im.message.patch']).toBe(1);
    expect((await rig.messages({ chat_id: chat }))[0].update_count).toBe(0);
  });
});

describe('retries', () => {
  test("the emulator's 5xx and 429 are retried and nothing is lost or doubled", async () => {
    rig = await startDeliveryRig();
    const chats = [await rig.group('R1'), await rig.group('R2'), await rig.group('R3')];
    // Each kind of fault first hits every call until Hark has recorded it (so the test does not
    // depend on luck), then a share of them while cards keep flowing.
    const recorded = (where: (r: { attempts: number; last_error: string | null }) => boolean) => async () =>
      (await rig!.store.db.selectFrom('outbox').select(['attempts', 'last_error']).execute()).some(where);
    const fault = (rate: number, status: number) =>
      rig!.emu.control('POST', '/__emulator/faults', { error_rate: { path_prefix: '/open-apis/im', rate, status } });
    await fault(1, 500);
    const numbers: number[] = [];
    for (let i = 0; i < 8; i++) numbers.push(await rig.fire(`Flaky${i}`));
    await waitFor(recorded((r) => r.attempts > 0), { timeout: 20_000, message: 'a 5xx retried' });
    await fault(0.3, 500);
    await waitFor(async () => (await rig!.messages({ chat_id: chats[0] })).length >= 4, { timeout: 20_000 });
    await fault(1, 429);
    for (let i = 8; i < 12; i++) numbers.push(await rig.fire(`Flaky${i}`));
    await waitFor(recorded((r) => /rate limit/i.test(r.last_error ?? '')), { timeout: 20_000, message: 'a 429 waited out' });
    await fault(0.3, 429);
    await waitFor(async () => (await rig!.messages({ chat_id: chats[2] })).length >= 10, { timeout: 30_000 });
    await rig.emu.control('POST', '/__emulator/faults', { error_rate: null });
    await rig.drained(30_000);
    for (const c of chats) {
      const msgs = await rig.messages({ chat_id: c });
      expect(msgs.length).toBe(12);
      expect(new Set(msgs.map((m) => m.uuid)).size).toBe(12);
    }
    // The faults really hit: some rows needed retries (5xx count attempts) or waited out a 429.
    const retried = await rig.store.db
      .selectFrom('outbox')
      .select(['attempts', 'last_error'])
      .where((eb) => eb.or([eb('attempts', '>', 0), eb('last_error', 'is not', null)]))
      .execute();
    expect(retried.some((r) => r.attempts > 0)).toBe(true);
    expect(retried.some((r) => /rate limit/i.test(r.last_error ?? ''))).toBe(true);
  }, 60_000);
});
