import { afterEach, describe, expect, it } from 'vitest';
import { buttonValue } from '../bot/helpers.ts';
import { waitFor } from '../helpers/wait.ts';
import { startWorld, type World } from '../paging/world.ts';

// Issue 29, item 7: someone not on the schedule took it over from a lobby group and was on call for
// 7 days, and neither the outgoing person nor the notify group heard anything. Now only the
// schedule's people (any layer) and admins may take over, and the change is announced at once.
describe('take over (emulator, hark start)', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  const cards = async (w: World, q: string) => ((await w.rig.emu('GET', `/__emulator/messages?${q}`)).items as any[]).filter((m) => m.msg_type === 'interactive');
  const has = (m: any, text: string) => JSON.stringify(m.content).includes(text);

  it('a person not on the schedule is refused; a member takes over and the group and the outgoing person hear it at once', async () => {
    w = await startWorld(['Alice', 'Bob', 'Mallory']);
    const { Alice, Bob, Mallory } = w.people;
    const put = await w.api('PUT', '/api/v1/schedules/primary', {
      time_zone: 'UTC',
      layers: [{ members: [Alice.email], rotation: { every: '1w', handoff: '09:00', start: '2020-01-06' } }, { members: [Bob.email], rotation: { every: '1w', handoff: '09:00', start: '2020-01-06' }, restrictions: [{ days: ['sun'], from: '00:00', to: '00:01' }] }],
      notify: { chats: [w.chatId] },
    });
    expect(put.status).toBeLessThan(300);
    const onCall = async () => ((await w!.api('GET', '/api/v1/schedules/primary/oncall')).body.members as { name: string }[]).map((m) => m.name);
    expect(await onCall()).toEqual(['Alice']);

    const asked = await w.say('oncall primary', Mallory.openId);
    const card = await waitFor(async () => (await cards(w!, `chat_id=${w!.chatId}`)).find((m) => m.parent_id === asked), { message: 'the oncall card' });
    const value = buttonValue(card.content, 'take_over');
    const groupBefore = (await cards(w, `chat_id=${w.chatId}`)).length;

    const refused = await w.click(card.message_id, Mallory.openId, value);
    expect(refused.response.toast).toMatchObject({
      type: 'error',
      content: 'Only the people on schedule primary (any layer) and admins may take it over; nothing changed.',
    });
    expect(await onCall()).toEqual(['Alice']);

    const took = await w.click(card.message_id, Bob.openId, value);
    expect(took.response.toast.type).toBe('success');
    expect(await onCall()).toEqual(['Bob']);
    // At once: the notify group gets the handoff card, Alice hears her shift ended, Bob that he is on call.
    const notice = await waitFor(async () => (await cards(w!, `chat_id=${w!.chatId}`)).slice(groupBefore).find((m) => has(m, 'On-call handoff')), {
      message: 'the handoff notice in the group',
    });
    expect(has(notice, 'Now on call: **Bob**')).toBe(true);
    expect(has(notice, 'Handed over by Alice')).toBe(true);
    await waitFor(async () => (await cards(w!, `open_id=${Alice.openId}`)).find((m) => has(m, 'Your shift on **primary** has ended')), { message: "Alice's notice" });
    await waitFor(async () => (await cards(w!, `open_id=${Bob.openId}`)).find((m) => has(m, '**You are on call now**')), { message: "Bob's notice" });
  });
});
