import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, startEscRig, type EscRig } from '../escalation/rig.ts';
import { startRig, waitReady, type Rig } from '../helpers/hark.ts';
import { testEngines } from '../helpers/store.ts';
import { waitFor } from '../helpers/wait.ts';

const MIN = 60_000;
const weekly = (members: string[], notify?: object) => ({
  time_zone: 'Europe/Berlin',
  layers: [{ members, rotation: { every: '1w', handoff: '09:00', start: '2020-01-06' } }],
  ...(notify ? { notify } : {}),
});

// The real service (startHark, SQLite, the emulator over the long connection): a handoff a few
// seconds away, made by an override, sends its notices when it comes; the test waits for them.
describe('handoff notices through the running service', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('posts the handoff card in notify.chats and tells the incoming and outgoing people privately', async () => {
    rig = await startRig();
    await waitReady(rig);
    const r = rig;
    const open: Record<string, string> = {};
    for (const name of ['Alice', 'Bob']) {
      const email = `${name.toLowerCase()}@example.com`;
      open[name] = (await r.emu('POST', '/__emulator/users', { name, email })).open_id;
      expect((await r.api('POST', '/api/v1/members', { name, email, role: 'responder', lark_open_id: open[name] })).status).toBe(201);
    }
    const { chat_id } = await r.emu('POST', '/__emulator/chats', { name: 'payments-oncall', members: [open.Alice, open.Bob], add_bot: true });
    await waitFor(async () => (await r.api('GET', '/api/v1/chats')).body.items?.some((c: any) => c.chat_id === chat_id), { message: 'Hark knows the group' });
    expect((await r.api('PUT', '/api/v1/schedules/payments', weekly(['alice@example.com'], { chats: [chat_id] }))).status).toBe(201);

    // Alice holds an acknowledged incident; it is listed in her "your shift ended" card.
    const src = await r.api('POST', '/api/v1/sources', { name: 'api', kind: 'generic' });
    await fetch(`${r.hark.url}/api/v1/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${src.body.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Checkout is slow', alert_key: 'slow' }),
    });
    expect((await r.api('POST', '/api/v1/incidents/1/ack', { by: 'alice@example.com' })).status).toBe(200);

    // Bob takes over from three seconds from now: that is the next handoff.
    const start = new Date(Date.now() + 3_000).toISOString();
    const end = new Date(Date.now() + 3_600_000).toISOString();
    expect((await r.api('POST', '/api/v1/schedules/payments/overrides', { member: 'bob@example.com', start, end })).status).toBe(201);

    const cards = async (q: string) => (await r.emu('GET', `/__emulator/messages?${q}`)).items.filter((m: any) => m.msg_type === 'interactive');
    const inChat = await waitFor(async () => (await cards(`chat_id=${chat_id}`)).find((m: any) => JSON.stringify(m.content).includes('On-call handoff')), {
      message: 'handoff card in the group',
      timeout: 20_000,
    });
    const text = JSON.stringify(inChat.content);
    expect(text).toContain('Now on call: **Bob**');
    expect(text).toContain('Handed over by Alice');
    const toBob = await waitFor(async () => (await cards(`open_id=${open.Bob}`)).find((m: any) => JSON.stringify(m.content).includes('You are on call now')), {
      message: "Bob's private notice",
    });
    expect(JSON.stringify(toBob.content)).toContain('payments');
    const toAlice = await waitFor(async () => (await cards(`open_id=${open.Alice}`)).find((m: any) => JSON.stringify(m.content).includes('has ended')), {
      message: "Alice's private notice",
    });
    expect(JSON.stringify(toAlice.content)).toContain('Checkout is slow');
    // One notice per place, not two.
    expect((await cards(`chat_id=${chat_id}`)).filter((m: any) => JSON.stringify(m.content).includes('On-call handoff'))).toHaveLength(1);
  });
});

// On the store directly with a clock the test moves: a notice that fell due while no replica ran
// fires once when two replicas start scanning together, on SQLite and on PostgreSQL when set.
for (const engine of testEngines) {
  describe.skipIf(engine.skip)(`handoff notices as durable timers (${engine.name})`, () => {
    let rig: EscRig | undefined;
    afterEach(async () => {
      await rig?.close();
      rig = undefined;
    });

    it('fire once across two replicas after a downtime, then the next one is planned', async () => {
      const clock = new FakeClock(Date.parse('2026-12-07T10:00:00Z'));
      rig = await startEscRig({ engine, clock });
      await rig.member('Alice', { openId: 'ou_alice' });
      await rig.member('Bob', { openId: 'ou_bob' });
      await rig.chat('oc_pay', 'payments-oncall');
      const schedules = rig.hark.schedules;
      const replica = (owner: string) => rig!.replica(owner);
      await schedules.service.put('payments', weekly(['alice@example.com'], { chats: ['oc_pay'], daily_at: '09:30' }), { name: 'admin', via: 'api' });
      await schedules.service.addOverride(
        'payments',
        { member: 'bob@example.com', start: '2026-12-07T10:10:00Z', end: '2026-12-07T12:00:00Z' },
        { name: 'admin', via: 'api' },
      );
      const timers = () => rig!.store.db.selectFrom('timers').select(['kind', 'due_at', 'status', 'fired_by']).where('incident_number', '=', 0).orderBy('id').execute();
      const waiting = (await timers()).filter((t) => t.status === 'pending').map((t) => [t.kind, new Date(Number(t.due_at)).toISOString()]);
      expect(waiting.sort()).toEqual([
        ['daily', '2026-12-08T08:30:00.000Z'],
        ['handoff', '2026-12-07T10:10:00.000Z'],
      ]);

      // Hark was down over the handoff; two replicas start at 10:40 and scan at once.
      clock.advance(40 * MIN);
      const [a, b] = [await replica('r-a'), await replica('r-b')];
      const fired = await Promise.all([a.scanner.runDue(), b.scanner.runDue()]);
      expect(fired[0] + fired[1]).toBe(1);
      const sends = await rig.store.db.selectFrom('outbox').select(['target_type', 'target_id', 'card']).where('subject', '=', 'card').orderBy('id').execute();
      expect(sends.map((s) => `${s.target_type}:${s.target_id}`)).toEqual(['chat_id:oc_pay', 'open_id:ou_bob', 'open_id:ou_alice']);
      expect(sends[0].card).toContain('Now on call: **Bob**');
      // The next handoff (back to Alice at 12:00) waits; nothing else is due now.
      expect((await timers()).filter((t) => t.status === 'pending' && t.kind === 'handoff').map((t) => new Date(Number(t.due_at)).toISOString())).toEqual([
        '2026-12-07T12:00:00.000Z',
      ]);
      expect(await a.scanner.runDue()).toBe(0);
      expect(await b.scanner.runDue()).toBe(0);

      // Deleting the override moves the waiting handoff: nobody changes at 12:00 any more.
      const overrideId = ((await schedules.service.view('payments')).overrides as { id: number }[])[0].id;
      await schedules.service.deleteOverride('payments', overrideId, { name: 'admin', via: 'api' });
      expect((await timers()).filter((t) => t.status === 'pending' && t.kind === 'handoff')).toEqual([]);

      // The daily card comes at 09:30 Berlin the next morning, once.
      clock.t = Date.parse('2026-12-08T08:30:00Z');
      expect((await Promise.all([a.scanner.runDue(), b.scanner.runDue()])).reduce((x, y) => x + y, 0)).toBe(1);
      const daily = await rig.store.db.selectFrom('outbox').select(['target_id', 'card']).where('subject', '=', 'card').orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(daily.target_id).toBe('oc_pay');
      expect(daily.card).toContain('Who is on call today');
      expect(daily.card).toContain('Now on call: **Alice**');
    });
  });
}
