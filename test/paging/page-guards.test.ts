import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { startWorld, type World } from './world.ts';

// Issue 29, item 3: a linked responder sent `page N @someone` ten times and Lark phoned that person
// nine times in 10 s, spending the tenant's urgent quota until a real critical page was refused
// (230024); Escalate now was bounded only by the policy. Now a person is paged for one incident at
// most once per cool-down, pages by hand are limited per person, escalate now has a minimum
// interval, and pages by hand never spend the last part of the SMS/phone quota. Every refusal says why.

describe('pages by hand are bounded (emulator, hark start)', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  const phonePolicy = (w: World) =>
    w.api('PUT', '/api/v1/sources/payments/escalation', { levels: [{ targets: [{ member: w.people.Alice.email }], wait_minutes: 60, urgent: 'phone' }] });
  const phones = async (w: World, openId: string) => (await w.urgents(openId)).filter((u) => u.kind === 'phone').length;

  it('paging the same person ten times phones them once; the other nine say why, and so does paging someone the policy just phoned', async () => {
    w = await startWorld(['Alice', 'Carol', 'Mallory'], { env: { HARK_URGENT_QUOTA: '1000' }, start: { pageGuard: { actorPoints: 100 } } });
    const { Alice, Carol, Mallory } = w.people;
    await phonePolicy(w);
    const n = await w.fire('Checkout down');
    await waitFor(async () => (await phones(w!, Alice.openId)) === 1, { message: 'Alice phoned by the policy' });

    const answers: string[] = [];
    for (let i = 0; i < 10; i++) answers.push(await w.replyTo(await w.say(`page ${n}`, Mallory.openId, { others: [Carol.openId] })));
    expect(answers[0]).toBe(`Carol was added to #${n} by Mallory and sent the card privately, with a phone call through Lark.`);
    for (const a of answers.slice(1)) {
      expect(a).toMatch(new RegExp(`^Carol was paged for #${n} \\d+ s ago; Hark pages a person for one incident at most once every 10 min\\. Not paged again\\.$`));
    }
    const policyPaged = await w.replyTo(await w.say(`page ${n}`, Mallory.openId, { others: [Alice.openId] }));
    expect(policyPaged).toMatch(/^Alice was paged for #\d+ \d+ s ago/);
    await waitFor(async () => (await phones(w!, Carol.openId)) === 1, { message: 'Carol phoned once' });
    expect((await w.dms(Carol.openId)).filter((m) => m.msg_type === 'interactive')).toHaveLength(1);
    expect(await phones(w, Alice.openId)).toBe(1);
  });

  it('one person may page by hand five times in ten minutes; without HARK_URGENT_QUOTA a page by hand buzzes in-app and says why', async () => {
    const names = ['Alice', 'Mallory', 'P1', 'P2', 'P3', 'P4', 'P5', 'P6'];
    w = await startWorld(names);
    const { Mallory } = w.people;
    await phonePolicy(w);
    const n = await w.fire('Checkout down');
    const said: string[] = [];
    for (const p of ['P1', 'P2', 'P3', 'P4', 'P5', 'P6']) said.push(await w.replyTo(await w.say(`page ${n}`, Mallory.openId, { others: [w.people[p].openId] })));
    expect(said[0]).toBe(
      `P1 was added to #${n} by Mallory and sent the card privately, buzzed in Lark. Not phoned: pages by hand do not spend the tenant's SMS/phone quota unless an admin sets HARK_URGENT_QUOTA; buzzed in Lark instead.`,
    );
    expect(said[5]).toMatch(/^You have paged 5 times in the last 10 min, the most Hark allows one person; nobody was paged\. Try again in \d+ min\.$/);
    await waitFor(async () => (await w!.urgents(w!.people.P5.openId)).length === 1, { message: 'P5 buzzed' });
    expect((await w.urgents(w.people.P1.openId)).map((u) => u.kind)).toEqual(['app']);
    expect(await w.dms(w.people.P6.openId)).toHaveLength(0);
    expect(await w.timeline(n)).toContain(
      "Mallory added P1 as a responder (command); buzzed in Lark instead of a phone call: pages by hand do not spend the tenant's SMS/phone quota unless HARK_URGENT_QUOTA is set",
    );
  });

  it('pages by hand leave the last part of the urgent quota to the policy, so the next real page still phones', async () => {
    w = await startWorld(['Alice', 'Bob', 'Carol', 'Mallory'], {
      env: { HARK_URGENT_QUOTA: '4', HARK_URGENT_RESERVE: '2' },
      emulator: { urgentQuota: 4 },
    });
    const { Alice, Bob, Carol, Mallory } = w.people;
    await phonePolicy(w);
    const n = await w.fire('Checkout down');
    await waitFor(async () => (await phones(w!, Alice.openId)) === 1, { message: 'Alice phoned by the policy' });
    expect(await w.replyTo(await w.say(`page ${n}`, Mallory.openId, { others: [Bob.openId] }))).toBe(
      `Bob was added to #${n} by Mallory and sent the card privately, with a phone call through Lark.`,
    );
    await waitFor(async () => (await phones(w!, Bob.openId)) === 1, { message: 'Bob phoned' });
    expect(await w.replyTo(await w.say(`page ${n}`, Mallory.openId, { others: [Carol.openId] }))).toBe(
      `Carol was added to #${n} by Mallory and sent the card privately, buzzed in Lark. Not phoned: the last 2 of the tenant's 4 SMS/phone notices this month are kept for escalation policies; buzzed in Lark instead.`,
    );
    await waitFor(async () => (await w!.urgents(Carol.openId)).length === 1, { message: 'Carol buzzed in-app' });
    expect((await w.urgents(Carol.openId))[0].kind).toBe('app');
    // The next real critical page phones, as the policy says.
    await w.fire('Payments down');
    await waitFor(async () => (await phones(w!, Alice.openId)) === 2, { message: 'Alice phoned for the second incident' });
    expect((await w.rig.emu('GET', '/__emulator/tenant')).urgent_quota).toBe(1);
  });

  it('escalate now has a minimum interval per incident, said in words', async () => {
    w = await startWorld(['Alice', 'Bob', 'Carol']);
    const { Alice, Bob, Carol } = w.people;
    await w.api('PUT', '/api/v1/sources/payments/escalation', {
      levels: [
        { targets: [{ member: Alice.email }], wait_minutes: 60 },
        { targets: [{ member: Bob.email }], wait_minutes: 60 },
        { targets: [{ member: Carol.email }], wait_minutes: 60 },
      ],
    });
    const n = await w.fire('Latency high');
    const card = await w.groupCard(n);
    const first = await w.click(card.message_id, Alice.openId, { v: 1, op: 'escalate', incident: n });
    expect(first.response.toast.content).toBe(`#${n} escalated by Alice: level 2 paged: Bob.`);
    const second = await w.click(card.message_id, Alice.openId, { v: 1, op: 'escalate', incident: n });
    expect(second.response.toast).toMatchObject({ type: 'warning' });
    expect(second.response.toast.content).toMatch(
      new RegExp(`^#${n} was escalated by hand less than 60 s ago; Hark escalates an incident by hand at most once every 60 s\\. Nobody was paged; try again in \\d+ s\\.$`),
    );
    const api = await w.api('POST', `/api/v1/incidents/${n}/escalate`, {});
    expect(api.status).toBe(409);
    expect(api.body.error.message).toContain('at most once every 60 s');
    expect(await w.dms(Carol.openId)).toHaveLength(0);
  });
});
