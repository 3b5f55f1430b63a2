import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { cardHas, startWorld, type World } from './world.ts';

// Add a responder (issue 14): `@Hark page <id> @person` / `呼叫` with a real Lark mention, and the
// card's "Add responder" picker of roster members.

describe('add a responder (emulator, hark start)', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('a mention pages the person privately, buzzed as the current level buzzes; the card and timeline say who added whom', async () => {
    // Told the tenant's quota, Hark lets a page by hand send an SMS (issue 29: not told, it buzzes in-app).
    w = await startWorld(['Alice', 'Bob', 'Carol'], { env: { HARK_URGENT_QUOTA: '100' } });
    const { Alice, Bob, Carol } = w.people;
    await w.api('PUT', '/api/v1/sources/payments/escalation', {
      levels: [{ targets: [{ member: Alice.email }], wait_minutes: 60, urgent: 'sms' }],
    });
    const n = await w.fire('Replica lag');
    await w.privateCard(Alice.openId, n);
    const said = await w.say(`page ${n}`, Alice.openId, { others: [Carol.openId] });
    expect(await w.replyTo(said)).toBe(`Carol was added to #${n} by Alice and sent the card privately, with an urgent SMS.`);
    const carols = await w.privateCard(Carol.openId, n);
    const buzz = await waitFor(async () => (await w!.urgents(Carol.openId))[0], { message: 'Carol texted' });
    expect(buzz).toMatchObject({ kind: 'sms', message_id: carols.message_id });
    expect(await w.timeline(n)).toContain('Alice added Carol as a responder (command)');
    await waitFor(async () => cardHas(await w!.groupCard(n), 'Carol (added by Alice)'), { message: 'the group card names Carol' });

    // 呼叫 in Chinese, for Bob.
    const zh = await w.say(`呼叫 ${n}`, Carol.openId, { others: [Bob.openId] });
    expect(await w.replyTo(zh)).toBe(`Bob 已由 Carol 添加为 #${n} 的响应人，已私信发送卡片并短信加急。`);
    await w.privateCard(Bob.openId, n);
  });

  it('the picker on the card adds a roster member; an unlinked person is reported at once', async () => {
    w = await startWorld(['Alice', 'Bob']);
    const { Alice, Bob } = w.people;
    // Dave is on the roster but never opened Hark in Lark; Erin is not on the roster at all.
    await w.api('POST', '/api/v1/members', { name: 'Dave', email: 'dave@example.com', role: 'responder' });
    const dave = (await w.rig.emu('POST', '/__emulator/users', { name: 'Dave' })).open_id;
    const erin = (await w.rig.emu('POST', '/__emulator/users', { name: 'Erin' })).open_id;
    const n = await w.fire('Cache misses');
    const card = await w.groupCard(n);
    expect(cardHas(card, 'Add responder ▾')).toBe(true);
    const members = (await w.api('GET', '/api/v1/members')).body.items as { id: number; name: string }[];
    const bobId = members.find((m) => m.name === 'Bob')!.id;
    expect(cardHas(card, `"member":${bobId}`)).toBe(true);
    // Only linked people are offered.
    const daveId = members.find((m) => m.name === 'Dave')!.id;
    expect(cardHas(card, `"member":${daveId}`)).toBe(false);

    const click = await w.click(card.message_id, Alice.openId, { v: 1, op: 'page', incident: n, member: bobId });
    expect(click.response.toast.content).toBe(`Bob was added to #${n} by Alice and sent the card privately.`);
    expect(JSON.stringify(click.response.card)).toContain('Bob (added by Alice)');
    await w.privateCard(Bob.openId, n);
    expect(await w.timeline(n)).toContain('Alice added Bob as a responder (card)');

    const unlinked = await w.say(`page ${n}`, Alice.openId, { others: [dave] });
    expect(await w.replyTo(unlinked)).toBe('Dave has not linked Hark; ask them to open it in Lark, then page them again.');
    const stranger = await w.say(`page ${n}`, Alice.openId, { others: [erin] });
    expect(await w.replyTo(stranger)).toBe('Erin has not linked Hark; ask them to open it in Lark, then page them again.');
    const nobody = await w.say(`page ${n}`, Alice.openId);
    expect(await w.replyTo(nobody)).toBe(`Whom? Mention the person: "page ${n} @Carol".`);
    expect((await w.dms(dave)).length).toBe(0);
  });
});
