// War rooms end to end: Hark (startHark) against the emulator over real sockets with the real SDK.
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { cardText, startRoomRig, type RoomRig } from './helpers.ts';

let rig: RoomRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const roomValue = (n: number) => ({ v: 1, op: 'room', incident: n });

describe('war room', () => {
  it('opens from the card with the people so far, pins the live card, keeps it updated, adds people later and closes with a summary', async () => {
    rig = await startRoomRig();
    const r = rig;
    const carol = await r.person('Carol', { linked: false });
    const olga = await r.person('Olga');
    await r.person('Dave');
    // Level 1 pages Alice, Olga and Carol (never linked); level 2 pages Dave two seconds later.
    const policy = await r.api('PUT', '/api/v1/sources/shop/escalation', {
      levels: [
        { targets: [{ member: 'alice@example.com' }, { member: 'olga@example.com' }, { member: 'carol@example.com' }], wait_minutes: 0.03 },
        { targets: [{ member: 'dave@example.com' }], wait_minutes: 60 },
      ],
    });
    expect(policy.status).toBe(200);
    const n = await r.fire('Checkout latency above 2 s');
    const origin = await r.cardIn(r.groupId, n);
    await waitFor(async () => (await r.emu('GET', `/__emulator/messages?open_id=${olga}`)).items.length > 0, { message: "Olga's page" });
    // Olga leaves the app's availability after she was paged: the room cannot take her.
    r.emulator.state.users.get(olga)!.available = false;

    const click = await r.emu('POST', '/__emulator/click', { message_id: origin.message_id, operator_open_id: r.people.Bob, value: roomValue(n) });
    expect(click.response.toast.content).toMatch(/Opening a war room for #\d+/);

    // The origin group's card gets the line and the link.
    const updated = await waitFor(async () => {
      const m = (await r.messages(r.groupId)).find((x) => x.message_id === origin.message_id);
      return cardText(m.content).includes('War room:') ? m : null;
    }, { message: 'the War room line on the origin card' });
    const api = await r.api('POST', `/api/v1/incidents/${n}/room`, {});
    expect(api.status).toBe(200);
    const chatId: string = api.body.chat_id;
    expect(api.body).toMatchObject({ name: `#${n} Checkout latency above 2 s`, created: false });
    // The name is escaped for markdown (&#35; is "#"); the link opens the room (the emulator's chat view here).
    expect(cardText(updated.content)).toContain(`**War room:** [&#35;${n} Checkout latency above 2 s](${r.emulator.url}/?chat=${chatId})`);

    // The group: named after the incident, with the bot, the asker and the people paged (linked, available).
    const room = await waitFor(async () => {
      const c = await r.chat(chatId);
      return c.pins.length === 1 && c.members.includes(r.people.Alice) ? c : null;
    }, { message: 'the room with its pinned card and members' });
    expect(room).toMatchObject({ name: `#${n} Checkout latency above 2 s`, bot_present: true });
    expect(room.members).toEqual(expect.arrayContaining([r.people.Bob, r.people.Alice]));
    expect(room.members).not.toContain(olga);
    expect(room.members).not.toContain(carol);
    const inRoom = await r.messages(chatId);
    const pinned = inRoom.find((m) => m.message_id === room.pins[0]);
    expect(pinned.msg_type).toBe('interactive');
    expect(pinned.content.header.title.content).toBe(`#${n} Checkout latency above 2 s`);
    // No "how to subscribe" welcome card in a group Hark made.
    expect(inRoom.filter((m) => cardText(m.content).includes('subscribe'))).toHaveLength(0);

    const timeline = await waitFor(async () => {
      const t = await r.timeline(n);
      return t.some((x) => x.includes("Olga is outside the app's availability")) && t.some((x) => x.includes('pinned')) ? t : null;
    }, { message: 'the room on the timeline' });
    expect(timeline.join('\n')).toContain(`war room "#${n} Checkout latency above 2 s" opened (asked by Bob)`);
    expect(timeline.join('\n')).toContain('not added to the war room: Carol has never opened Hark in Lark (not linked)');

    // Dave is paged by level 2: he joins the room.
    await waitFor(async () => (await r.chat(chatId)).members.includes(r.people.Dave), { message: 'Dave (paged later) joins', timeout: 15_000 });

    // Erin acknowledges from the origin group: the pinned copy follows, and Erin joins the room.
    const ack = await r.emu('POST', '/__emulator/click', { message_id: origin.message_id, operator_open_id: r.people.Erin, value: { v: 1, op: 'ack', incident: n } });
    expect(ack.response.toast.type).toBe('success');
    await waitFor(async () => {
      const m = (await r.messages(chatId)).find((x) => x.message_id === room.pins[0]);
      return cardText(m.content).includes('Acknowledged by:');
    }, { message: 'the pinned card updated in place' });
    await waitFor(async () => (await r.chat(chatId)).members.includes(r.people.Erin), { message: 'Erin added to the room' });

    // Asking again answers with the same room, from the command too.
    const again = await r.api('POST', `/api/v1/incidents/${n}/room`, { by: 'bob@example.com' });
    expect(again.body.chat_id).toBe(chatId);
    const cmd = await r.emu('POST', '/__emulator/messages', { chat_id: r.groupId, sender_open_id: r.people.Alice, text: `room ${n}`, mention_bot: true });
    const reply = await waitFor(async () => (await r.messages(r.groupId)).find((m) => m.parent_id === cmd.message_id), { message: 'reply to room' });
    // Text messages carry no links (the card's War room button does): the reply names the room.
    expect(reply.content.text).toBe(`War room: #${n} Checkout latency above 2 s. The incident card's "War room" button opens it.`);
    expect((await r.emu('GET', '/__emulator/chats')).items.filter((c: any) => c.name.startsWith(`#${n} `))).toHaveLength(1);

    // Resolve: a summary card in the room, built from the timeline; the room stays.
    expect((await r.api('POST', `/api/v1/incidents/${n}/resolve`, { by: 'erin@example.com' })).status).toBe(200);
    const summary = await waitFor(async () => (await r.messages(chatId)).find((m) => cardText(m.content).includes('Summary · #')), {
      message: 'the summary card in the room',
    });
    const text = cardText(summary.content);
    expect(text).toContain(`Summary · #${n} Checkout latency above 2 s`);
    expect(text).toContain('**Acknowledged by:** Erin');
    expect(text).toContain('**Resolved by:** Erin');
    expect(text).toMatch(/Escalations and buzzes \(\d+\)/);
    expect(text).toContain('escalated to level 1');
    expect(JSON.stringify(summary.content)).toContain(`/h5/incidents/${n}`);
    const after = await r.chat(chatId);
    expect(after).toMatchObject({ bot_present: true, disbanded: false });
    // Still the same room when asked after the resolution; a resolved incident without a room gets none.
    expect((await r.api('POST', `/api/v1/incidents/${n}/room`, {})).body.chat_id).toBe(chatId);
  });

  it('refuses a room for a resolved incident with a clear answer, on the API, the command and the button', async () => {
    rig = await startRoomRig();
    const r = rig;
    const n = await r.fire('Disk full on db-1', 'warning');
    const card = await r.cardIn(r.groupId, n);
    await r.api('POST', `/api/v1/incidents/${n}/resolve`, {});
    const res = await r.api('POST', `/api/v1/incidents/${n}/room`, {});
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe(`#${n} is resolved: a war room is for an incident still being worked on (reopen it first)`);
    const click = await r.emu('POST', '/__emulator/click', { message_id: card.message_id, operator_open_id: r.people.Bob, value: roomValue(n) });
    expect(click.response.toast.content).toContain(`#${n} is resolved`);
    const cmd = await r.emu('POST', '/__emulator/messages', { chat_id: r.groupId, sender_open_id: r.people.Alice, text: `作战室 ${n}`, mention_bot: true });
    const reply = await waitFor(async () => (await r.messages(r.groupId)).find((m) => m.parent_id === cmd.message_id));
    expect(reply.content.text).toContain(`#${n} 已解决`);
    expect((await r.api('POST', '/api/v1/incidents/999/room', {})).status).toBe(404);
    expect((await r.api('POST', '/api/v1/incidents/abc/room', {})).body.error.message).toContain('number: "abc" is not an incident number');
    expect((await r.emu('GET', '/__emulator/chats')).items.filter((c: any) => c.name.startsWith('#'))).toHaveLength(0);
  });
});
