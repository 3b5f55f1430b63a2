// When Lark will not make the group, and rooms made without anyone asking.
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { cardText, startRoomRig, type RoomRig } from './helpers.ts';

let rig: RoomRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const CHATS = '/open-apis/im/v1/chats';

describe('war room faults', () => {
  it('reports a missing permission in words and opens the room once asked again after the fix; the card and pages never wait', async () => {
    rig = await startRoomRig();
    const r = rig;
    await r.emu('POST', '/__emulator/faults', { error_rate: { path_prefix: CHATS, rate: 1, status: 400, code: 99991672 } });
    const n = await r.fire('Payments failing');
    const card = await r.cardIn(r.groupId, n);
    const res = await r.api('POST', `/api/v1/incidents/${n}/room`, { by: 'alice@example.com' });
    expect(res.status).toBe(503);
    expect(res.body.error.message).toContain('the app lacks the Lark permission to create groups (scope im:chat)');
    const timeline = await r.timeline(n);
    expect(timeline).toContain(
      `war room not opened: the app lacks the Lark permission to create groups (scope im:chat): Lark refused (99991672): emulated fault (POST /__emulator/faults)`,
    );
    // The incident itself carried on: its card is there and still acknowledgeable.
    const ack = await r.emu('POST', '/__emulator/click', { message_id: card.message_id, operator_open_id: r.people.Bob, value: { v: 1, op: 'ack', incident: n } });
    expect(ack.response.toast.type).toBe('success');
    expect((await r.emu('GET', '/__emulator/chats')).items.filter((c: any) => c.name.startsWith(`#${n} `))).toHaveLength(0);

    await r.emu('POST', '/__emulator/faults', { error_rate: null });
    const again = await r.api('POST', `/api/v1/incidents/${n}/room`, { by: 'alice@example.com' });
    expect(again.status).toBe(200);
    const room = await waitFor(async () => {
      const c = await r.chat(again.body.chat_id);
      return c.members.includes(r.people.Bob) ? c : null;
    }, { message: 'Bob (who acknowledged) in the room' });
    expect(room.members).toContain(r.people.Alice);
  });

  it('retries through a rate limit: the request says it is not open yet, and the sweep opens it once Lark lets it', async () => {
    rig = await startRoomRig();
    const r = rig;
    const n = await r.fire('Queue backlog growing');
    const card = await r.cardIn(r.groupId, n);
    await r.emu('POST', '/__emulator/faults', { error_rate: { path_prefix: CHATS, rate: 1, status: 429 } });
    const res = await r.api('POST', `/api/v1/incidents/${n}/room`, {});
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(/is not open yet \(Lark's rate limit was hit \(99991400\)\); Hark keeps trying/);
    expect(await r.timeline(n)).toContain("war room not opened yet: Lark's rate limit was hit (99991400); Hark tries again shortly");
    await r.emu('POST', '/__emulator/faults', { error_rate: null });
    // Nobody asks again: the sweep finishes the room, and the card shows it.
    await waitFor(async () => {
      const m = (await r.messages(r.groupId)).find((x) => x.message_id === card.message_id);
      return cardText(m.content).includes('War room:');
    }, { message: 'the room opened by the sweep', timeout: 15_000 });
    expect((await r.emu('GET', '/__emulator/chats')).items.filter((c: any) => c.name.startsWith(`#${n} `))).toHaveLength(1);
  });

  it('gives up on a room still waiting for Lark when the incident resolves meanwhile', async () => {
    rig = await startRoomRig();
    const r = rig;
    const n = await r.fire('Cache misses');
    await r.cardIn(r.groupId, n);
    await r.emu('POST', '/__emulator/faults', { error_rate: { path_prefix: CHATS, rate: 1, status: 503 } });
    expect((await r.api('POST', `/api/v1/incidents/${n}/room`, {})).status).toBe(503);
    expect((await r.api('POST', `/api/v1/incidents/${n}/resolve`, {})).status).toBe(200);
    await r.emu('POST', '/__emulator/faults', { error_rate: null });
    await waitFor(async () => (await r.timeline(n)).includes('war room not opened: the incident was resolved before the group could be made'), {
      message: 'the sweep gives the room up', timeout: 15_000,
    });
    expect((await r.emu('GET', '/__emulator/chats')).items.filter((c: any) => c.name.startsWith(`#${n} `))).toHaveLength(0);
  });

  it('opens many requests at once as one room', async () => {
    rig = await startRoomRig();
    const r = rig;
    const n = await r.fire('Login errors');
    await r.cardIn(r.groupId, n);
    const answers = await Promise.all(
      ['alice', 'bob', 'erin', 'alice', 'bob', 'erin'].map((who) => r.api('POST', `/api/v1/incidents/${n}/room`, { by: `${who}@example.com` })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(new Set(answers.map((a) => a.body.chat_id)).size).toBe(1);
    expect(answers.filter((a) => a.body.created)).toHaveLength(1);
    expect((await r.emu('GET', '/__emulator/chats')).items.filter((c: any) => c.name.startsWith(`#${n} `))).toHaveLength(1);
    const chatId = answers[0].body.chat_id;
    await waitFor(async () => {
      const c = await r.chat(chatId);
      return [r.people.Alice, r.people.Bob, r.people.Erin].every((p) => c.members.includes(p)) && c.pins.length === 1;
    }, { message: 'every asker in the one room, its card pinned once' });
    expect((await r.messages(chatId)).filter((m) => m.msg_type === 'interactive')).toHaveLength(1);
  });

  it('opens rooms by itself for critical incidents of a source with war_room.auto_for = critical', async () => {
    rig = await startRoomRig();
    const r = rig;
    const bad = await r.api('PATCH', '/api/v1/sources/shop', { war_room: { auto_for: 'warning' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe('war_room.auto_for: must be one of "critical", got "warning"');
    const unknown = await r.api('PATCH', '/api/v1/sources/shop', { war_rooms: {} });
    expect(unknown.body.error.message).toMatch(/^war_rooms: is not a field of a source; this route takes .*war_room/);
    expect((await r.api('PATCH', '/api/v1/sources/nope', { war_room: { auto_for: null } })).status).toBe(404);
    const ok = await r.api('PATCH', '/api/v1/sources/shop', { war_room: { auto_for: 'critical' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: 'shop', kind: 'generic', war_room: { auto_for: 'critical' } });

    const warning = await r.fire('Slow search', 'warning');
    const critical = await r.fire('Site down', 'critical');
    const card = await r.cardIn(r.groupId, critical);
    await waitFor(async () => {
      const m = (await r.messages(r.groupId)).find((x) => x.message_id === card.message_id);
      return cardText(m.content).includes('War room:');
    }, { message: 'the automatic room', timeout: 15_000 });
    const rooms = (await r.emu('GET', '/__emulator/chats')).items.filter((c: any) => c.name.startsWith('#'));
    expect(rooms.map((c: any) => c.name)).toEqual([`#${critical} Site down`]);
    expect((await r.timeline(critical)).join('\n')).toContain('(asked by Hark (critical incidents of shop get a war room))');
    expect((await r.timeline(warning)).join('\n')).not.toContain('war room');

    const off = await r.api('PATCH', '/api/v1/sources/shop', { war_room: { auto_for: null } });
    expect(off.body.war_room).toEqual({ auto_for: null });
  });
});
