// Issue 29, item 8 and item 10 (war rooms): `@Hark room N` in a group that does not receive #N
// posted the room's name (the incident's title) to everyone there and let anyone join another
// team's room; and asking for an existing room did not add the asker, contrary to the README.
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { startRoomRig, type RoomRig } from './helpers.ts';

let rig: RoomRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('war room asked for from elsewhere', () => {
  it('in a group that does not receive #N: the number only there, the card privately to a responder; an outsider may not join', async () => {
    rig = await startRoomRig();
    const r = rig;
    const dave = await r.person('Dave');
    const { open_id: zoe } = await r.emu('POST', '/__emulator/users', { name: 'Zoe' }); // never linked
    const { chat_id: lobby } = await r.emu('POST', '/__emulator/chats', { name: 'Lobby', members: [dave, zoe, r.people.Bob], add_bot: true });
    await waitFor(async () => (await r.api('GET', '/api/v1/chats')).body.items?.some((c: any) => c.chat_id === lobby && c.status === 'active'), { message: 'lobby known' });
    const n = await r.fire('SECRET payroll export failing');
    const origin = await r.cardIn(r.groupId, n);

    // Asked in the lobby while there is no room yet: opened; the lobby hears only the number.
    const asked = (await r.emu('POST', '/__emulator/messages', { chat_id: lobby, sender_open_id: dave, text: `room ${n}`, mention_bot: true })).message_id;
    const replies = await waitFor(async () => {
      const got = (await r.messages(lobby)).filter((m) => m.parent_id === asked);
      return got.length >= 2 ? got : null;
    }, { message: 'two replies in the lobby' });
    const lobbyText = JSON.stringify(await r.messages(lobby));
    expect(lobbyText).not.toContain('payroll');
    expect(String(replies[0].content.text)).toBe(`Opening a war room for #${n}…`);
    expect(String(replies[1].content.text)).toBe(`The war room for #${n} is ready: Hark sent you the incident card privately; its "War room" button opens the room.`);
    // Dave got the live card privately, with the room's line once open.
    await waitFor(async () => {
      const dms = (await r.emu('GET', `/__emulator/messages?open_id=${dave}`)).items as any[];
      return dms.some((m) => m.msg_type === 'interactive' && JSON.stringify(m.content).includes('War room:'));
    }, { message: "Dave's private card with the room" });

    // Asked again in the lobby by Bob (a responder): the number only, Bob is added and gets the card.
    const room = await r.api('POST', `/api/v1/incidents/${n}/room`, {});
    const again = (await r.emu('POST', '/__emulator/messages', { chat_id: lobby, sender_open_id: r.people.Bob, text: `room ${n}`, mention_bot: true })).message_id;
    const bobReply = await waitFor(async () => (await r.messages(lobby)).find((m) => m.parent_id === again), { message: 'reply to Bob' });
    expect(String(bobReply.content.text)).toBe(`#${n} has a war room: Hark added you and sent you the incident card privately; its "War room" button opens the room.`);
    await waitFor(async () => ((await r.chat(room.body.chat_id)).members as string[]).includes(r.people.Bob), { message: 'Bob added to the room' });

    // Zoe never linked and is in no group that receives #N: she may not join, and learns nothing.
    const z = (await r.emu('POST', '/__emulator/messages', { chat_id: lobby, sender_open_id: zoe, text: `room ${n}`, mention_bot: true })).message_id;
    const zReply = await waitFor(async () => (await r.messages(lobby)).find((m) => m.parent_id === z), { message: 'reply to Zoe' });
    expect(String(zReply.content.text)).toBe(`#${n}'s war room is for its responders and the groups that receive #${n}; ask one of them to add you.`);
    expect((await r.chat(room.body.chat_id)).members).not.toContain(zoe);
    expect(JSON.stringify(await r.messages(lobby))).not.toContain('payroll');
    void origin;
  });

  it('asking for an existing room, by command in the incident group or by its button, adds the asker', async () => {
    rig = await startRoomRig();
    const r = rig;
    const n = await r.fire('Checkout latency above 2 s');
    const origin = await r.cardIn(r.groupId, n);
    const room = await r.api('POST', `/api/v1/incidents/${n}/room`, {});
    expect(room.status).toBe(200);
    const chatId: string = room.body.chat_id;
    const members = async () => (await r.chat(chatId)).members as string[];
    expect(await members()).not.toContain(r.people.Erin);
    expect(await members()).not.toContain(r.people.Bob);

    const asked = (await r.emu('POST', '/__emulator/messages', { chat_id: r.groupId, sender_open_id: r.people.Erin, text: `room ${n}`, mention_bot: true })).message_id;
    const reply = await waitFor(async () => (await r.messages(r.groupId)).find((m) => m.parent_id === asked), { message: 'reply to Erin' });
    expect(String(reply.content.text)).toBe(`War room: #${n} Checkout latency above 2 s. The incident card's "War room" button opens it.`);
    await waitFor(async () => (await members()).includes(r.people.Erin), { message: 'Erin added to the room' });

    const click = await r.emu('POST', '/__emulator/click', { message_id: origin.message_id, operator_open_id: r.people.Bob, value: { v: 1, op: 'room', incident: n } });
    expect(click.response.toast.content).toContain('is open');
    await waitFor(async () => (await members()).includes(r.people.Bob), { message: 'Bob added to the room' });
  });
});
