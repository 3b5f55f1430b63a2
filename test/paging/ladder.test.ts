import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { startWorld, type World } from './world.ts';

// The urgent ladder (issue 14): each level's private card is buzzed with Lark's urgent notice of
// that level; an ack stops the ladder; a refused buzz never blocks the card or the next level.

describe('urgent ladder through Lark (emulator, hark start)', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('buzzes in-app, then by SMS, then by phone, one level after another, and says so on the timeline', async () => {
    w = await startWorld(['Alice', 'Bob', 'Carol']);
    const { Alice, Bob, Carol } = w.people;
    const policy = await w.api('PUT', '/api/v1/sources/payments/escalation', {
      levels: [
        { targets: [{ member: Alice.email }], wait_minutes: 0.01, urgent: 'app' },
        { targets: [{ member: Bob.email }], wait_minutes: 0.01, urgent: 'sms' },
        { targets: [{ member: Carol.email }], wait_minutes: 1, urgent: 'phone' },
      ],
    });
    expect(policy.status).toBe(200);
    expect(policy.body.levels.map((l: any) => l.urgent)).toEqual(['app', 'sms', 'phone']);
    const n = await w.fire('Payments API down');

    const carolBuzz = await waitFor(async () => (await w!.urgents(Carol.openId)).find((u) => u.kind === 'phone'), {
      timeout: 20_000,
      message: 'Carol phoned',
    });
    const carolCard = await w.privateCard(Carol.openId, n);
    expect(carolBuzz.message_id).toBe(carolCard.message_id);
    expect((await w.urgents(Alice.openId)).map((u) => u.kind)).toEqual(['app']);
    expect((await w.urgents(Bob.openId)).map((u) => u.kind)).toEqual(['sms']);
    expect((await w.urgents(Bob.openId))[0].message_id).toBe((await w.privateCard(Bob.openId, n)).message_id);
    const timeline = await waitFor(async () => {
      const t = await w!.timeline(n);
      return t.includes('phoned Carol through Lark') ? t : null;
    });
    expect(timeline).toContain('buzzed Alice in Lark (urgent in-app notice)');
    expect(timeline).toContain('sent Bob an urgent SMS through Lark');
    // The chat view shows the phone mark on Carol's card.
    const view = await (await fetch(`${w.rig.emulator.url}/__emulator/view?dm=${Carol.openId}`, { headers: { cookie: `lark_emulator_login=${Carol.openId}` } })).json();
    expect(view.messages).toContain('📞 phoned');
  });

  it('a refused buzz is on the timeline in words, the card still arrives, and the next level still fires', async () => {
    w = await startWorld(['Alice', 'Bob']);
    const { Alice, Bob } = w.people;
    await w.rig.emu('POST', '/__emulator/tenant', { urgent_quota: 0 });
    await w.api('PUT', '/api/v1/sources/payments/escalation', {
      levels: [
        { targets: [{ member: Alice.email }], wait_minutes: 0.01, urgent: 'sms' },
        { targets: [{ member: Bob.email }], wait_minutes: 1, urgent: 'app' },
      ],
    });
    const n = await w.fire('Disk full');
    await w.privateCard(Alice.openId, n);
    await waitFor(async () => (await w!.urgents(Bob.openId)).length === 1, { timeout: 20_000, message: 'Bob buzzed' });
    const t = await waitFor(async () => {
      const tl = await w!.timeline(n);
      return tl.some((m) => m.startsWith('Lark refused')) && tl.includes('buzzed Bob in Lark (urgent in-app notice)') ? tl : null;
    });
    expect(t).toContain("Lark refused the SMS to Alice: the tenant's urgent quota is used up (230024); the card was delivered");
    expect(await w.urgents(Alice.openId)).toEqual([]);
  });

  it('an ack stops the ladder: the acknowledged incident buzzes nobody after that', async () => {
    w = await startWorld(['Alice', 'Bob']);
    const { Alice, Bob } = w.people;
    await w.api('PUT', '/api/v1/sources/payments/escalation', {
      levels: [
        { targets: [{ member: Alice.email }], wait_minutes: 0.02, urgent: 'app' },
        { targets: [{ member: Bob.email }], wait_minutes: 1, urgent: 'phone' },
      ],
    });
    const n = await w.fire('Queue backlog');
    const card = await w.privateCard(Alice.openId, n);
    await waitFor(async () => (await w!.urgents(Alice.openId)).length === 1, { message: 'Alice buzzed' });
    const ack = await w.click(card.message_id, Alice.openId, { v: 1, op: 'ack', incident: n });
    expect(JSON.stringify(ack.response)).toContain('acknowledged by Alice');
    const t = await w.timeline(n);
    expect(t).toContain('escalation stopped: acknowledged by Alice');
    // Level 2 would have been due 1.2 s after level 1; the timer row says it will never fire.
    const timers = await w.rig.hark.store.db.selectFrom('timers').select(['status', 'kind']).where('incident_number', '=', n).execute();
    expect(timers.filter((x) => x.kind === 'escalate' && x.status === 'pending')).toEqual([]);
    expect(await w.urgents(Bob.openId)).toEqual([]);
    expect((await w.timeline(n)).some((m) => m.startsWith('escalated to level 2'))).toBe(false);
  });

  it('a level that fell due while Hark was down fires once, with its buzz, when Hark starts again', async () => {
    w = await startWorld(['Alice', 'Bob']);
    const { Alice, Bob } = w.people;
    await w.api('PUT', '/api/v1/sources/payments/escalation', {
      levels: [
        { targets: [{ member: Alice.email }], wait_minutes: 0.02, urgent: 'app' },
        { targets: [{ member: Bob.email }], wait_minutes: 1, urgent: 'phone' },
      ],
    });
    const n = await w.fire('Checkout errors');
    await waitFor(async () => (await w!.urgents(Alice.openId)).length === 1, { message: 'Alice buzzed' });
    const due = await w.rig.hark.store.db
      .selectFrom('timers')
      .select('due_at')
      .where('incident_number', '=', n)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    await w.rig.hark.stop();
    // Down past level 2's due time (a condition on the wall clock, not a fixed sleep).
    await waitFor(() => Date.now() > Number(due.due_at) + 200, { message: 'level 2 due while down' });
    expect(await w.urgents(Bob.openId)).toEqual([]);
    await w.restart();
    await waitFor(async () => (await w!.urgents(Bob.openId)).length === 1, { timeout: 20_000, message: 'Bob phoned after the restart' });
    const t = await waitFor(async () => {
      const tl = await w!.timeline(n);
      return tl.includes('phoned Bob through Lark') ? tl : null;
    });
    expect(t.filter((m) => m.startsWith('escalated to level 2'))).toHaveLength(1);
    expect((await w.dms(Bob.openId)).filter((m) => m.msg_type === 'interactive')).toHaveLength(1);
    expect(await w.urgents(Bob.openId)).toHaveLength(1);
  });
});
