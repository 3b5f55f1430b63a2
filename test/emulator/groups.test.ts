// The group APIs of docs/lark-notes.md §13, through the real SDK Client: create with
// uuid dedup and the bot-added event it causes, add members with invalid_id_list, pins, the errors
// and the frequency limit, and the control route GET /__emulator/chats/:chat_id.
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { card2, cleanup, sdkClient, seedGroup, testEmulator } from './helpers.ts';

afterEach(cleanup);

const larkCode = (e: any) => e?.response?.data?.code;

describe('group chats through the real SDK', () => {
  it('creates a group once per uuid, with the bot and the people, and tells the app the bot was added', async () => {
    const emu = await testEmulator();
    const { alice, bob } = await seedGroup(emu);
    const client = sdkClient(emu);
    const create = () =>
      client.im.v1.chat.create({
        params: { user_id_type: 'open_id', uuid: 'hark-room-42' },
        data: { name: '#42 Checkout latency above 2 s', user_id_list: [alice, bob], bot_id_list: [] },
      });
    const [a, b] = await Promise.all([create(), create()]);
    expect(a.code).toBe(0);
    expect(b.data!.chat_id).toBe(a.data!.chat_id);
    const chatId = a.data!.chat_id!;
    expect(a.data).toMatchObject({ name: '#42 Checkout latency above 2 s', chat_mode: 'group', owner_id: '' });

    const view = await emu.control('GET', `/__emulator/chats/${chatId}`);
    expect(view).toMatchObject({ chat_id: chatId, name: '#42 Checkout latency above 2 s', bot_present: true, pins: [] });
    expect(view.members.sort()).toEqual([alice, bob].sort());
    // Only one group exists for the uuid; a new uuid makes another.
    const rooms = (await emu.control('GET', '/__emulator/chats')).items.filter((c: any) => c.name.startsWith('#42'));
    expect(rooms).toHaveLength(1);

    const events = await emu.control('GET', '/__emulator/events?type=im.chat.member.bot.added_v1');
    const added = events.items.filter((e: any) => e.envelope.event.chat_id === chatId);
    expect(added).toHaveLength(1);
    // The app itself made the group: no person is the operator.
    expect(added[0].envelope.event.operator_id.open_id).toBe('');
  });

  it('refuses a creation naming someone outside the availability (232043), a long name, and past the app limit (429)', async () => {
    const emu = await testEmulator();
    const { alice } = await seedGroup(emu);
    const outsider = (await emu.control('POST', '/__emulator/users', { name: 'Olga', available: false })).open_id;
    const client = sdkClient(emu);
    const err = await client.im.v1.chat.create({ params: { user_id_type: 'open_id' }, data: { name: 'room', user_id_list: [alice, outsider] } }).catch((e) => e);
    expect(larkCode(err)).toBe(232043);
    expect((await emu.control('GET', '/__emulator/chats')).items.filter((c: any) => c.name === 'room')).toHaveLength(0);

    const long = await client.im.v1.chat.create({ data: { name: 'x'.repeat(61) } }).catch((e) => e);
    expect(larkCode(long)).toBe(232001);

    // Two calls were made already this minute; a budget of 4 a minute leaves room for two more.
    await emu.control('POST', '/__emulator/faults', { rate_limits: { appPerMinute: 4 } });
    const results = await Promise.all([1, 2, 3].map((i) => client.im.v1.chat.create({ data: { name: `burst ${i}` } }).catch((e) => e)));
    const limited = results.filter((r) => r?.response?.status === 429);
    expect(limited).toHaveLength(1);
    expect(limited[0].response.data.code).toBe(99991400);
    expect(limited[0].response.headers['x-ogw-ratelimit-reset']).toBeDefined();
  });

  it('adds members, listing who is outside the availability or unknown; refuses all-or-nothing calls', async () => {
    const emu = await testEmulator();
    const { alice, bob } = await seedGroup(emu);
    const carol = (await emu.control('POST', '/__emulator/users', { name: 'Carol' })).open_id;
    const outsider = (await emu.control('POST', '/__emulator/users', { name: 'Olga', available: false })).open_id;
    const client = sdkClient(emu);
    const chatId = (await client.im.v1.chat.create({ data: { name: 'room', user_id_list: [alice] } })).data!.chat_id!;

    const res = await client.im.v1.chatMembers.create({
      path: { chat_id: chatId },
      params: { member_id_type: 'open_id', succeed_type: 1 },
      data: { id_list: [bob, outsider, 'ou_nobody', carol] },
    });
    expect(res.data).toMatchObject({ invalid_id_list: [outsider], not_existed_id_list: ['ou_nobody'] });
    expect((await emu.control('GET', `/__emulator/chats/${chatId}`)).members.sort()).toEqual([alice, bob, carol].sort());

    const strict = await client.im.v1.chatMembers.create({ path: { chat_id: chatId }, params: { member_id_type: 'open_id' }, data: { id_list: [outsider] } }).catch((e) => e);
    expect(larkCode(strict)).toBe(232024);
    await emu.control('POST', `/__emulator/chats/${chatId}/disband`, {});
    const gone = await client.im.v1.chatMembers.create({ path: { chat_id: chatId }, params: { succeed_type: 1 }, data: { id_list: [carol] } }).catch((e) => e);
    expect(larkCode(gone)).toBe(232009);
  });

  it('pins a message at the top of the chat; the chat view shows it above the conversation', async () => {
    const emu = await testEmulator();
    const { alice } = await seedGroup(emu);
    const client = sdkClient(emu);
    const chatId = (await client.im.v1.chat.create({ data: { name: '#7 Disk full', user_id_list: [alice] } })).data!.chat_id!;
    const sent = await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'interactive', content: card2('#7 Disk full') },
    });
    await client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chatId, msg_type: 'text', content: JSON.stringify({ text: 'later message' }) } });
    const messageId = sent.data!.message_id!;
    const pin = await client.im.v1.pin.create({ data: { message_id: messageId } });
    expect(pin.data!.pin).toMatchObject({ message_id: messageId, chat_id: chatId, operator_id_type: 'app_id' });
    const again = await client.im.v1.pin.create({ data: { message_id: messageId } });
    expect(again.data!.pin!.create_time).toBe(pin.data!.pin!.create_time);
    expect((await emu.control('GET', `/__emulator/chats/${chatId}`)).pins).toEqual([messageId]);
    const listed = await client.im.v1.pin.list({ params: { chat_id: chatId } });
    expect(listed.data!.items!.map((p) => p.message_id)).toEqual([messageId]);

    const view = await emu.control('GET', `/__emulator/view?chat=${chatId}`);
    expect(view.pins).toContain('Pinned · [Card] #7 Disk full');
    expect(view.pins).toContain(`data-message-id="${messageId}"`);
    expect(view.sidebar).toContain('#7 Disk full');

    const bad = await client.im.v1.pin.create({ data: { message_id: 'om_nope' } }).catch((e) => e);
    expect(larkCode(bad)).toBe(230001);
    await client.im.v1.pin.delete({ path: { message_id: messageId } });
    await waitFor(async () => (await emu.control('GET', `/__emulator/chats/${chatId}`)).pins.length === 0);
  });
});
