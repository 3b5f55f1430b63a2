import { describe, expect, it, afterEach } from 'vitest';
import { card2, cleanup, connectWs, sdkClient, seedGroup, testEmulator } from './helpers.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 25 (docs/lark-notes.md §20, §21): read receipts, the read-users API and the feed card's
// time-sensitive mark, through the real SDK and its long connection.

afterEach(cleanup);

async function answer(p: Promise<any>): Promise<{ code: number; msg: string; data?: any }> {
  try {
    const r = await p;
    return { code: r.code, msg: r.msg, data: r.data };
  } catch (e: any) {
    return { code: e?.response?.data?.code, msg: e?.response?.data?.msg };
  }
}

describe('read receipts and the feed card (emulator, real SDK)', () => {
  it('sends message_read_v1 once, only for a message the bot sent privately; read_users lists readers of any bot message', async () => {
    const emu = await testEmulator();
    const { alice, bob, chatId } = await seedGroup(emu);
    const reads: any[] = [];
    await connectWs(emu, { 'im.message.message_read_v1': (data) => void reads.push(data) });
    const client = sdkClient(emu);
    const dm = (await client.im.v1.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: alice, msg_type: 'interactive', content: card2('page') } })).data!.message_id!;
    const group = (await client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chatId, msg_type: 'interactive', content: card2('group') } })).data!.message_id!;
    const userMsg = (await emu.control('POST', '/__emulator/messages', { chat_id: chatId, sender_open_id: alice, text: 'hi' })).message_id;

    const first = await emu.control('POST', '/__emulator/read', { open_id: alice, message_id: dm });
    expect(first.event_id).toEqual(expect.any(String));
    expect((await emu.control('POST', '/__emulator/read', { open_id: alice, message_id: dm })).event_id).toBeNull();
    expect((await emu.control('POST', '/__emulator/read', { open_id: bob, message_id: group })).event_id).toBeNull();
    await expect(emu.control('POST', '/__emulator/read', { open_id: bob, message_id: dm })).rejects.toThrow(/not in the chat/);
    await waitFor(() => reads.length === 1, { message: 'the read event' });
    await new Promise((r) => setImmediate(r));
    expect(reads).toHaveLength(1);
    expect(reads[0].reader.reader_id.open_id).toBe(alice);
    expect(reads[0].message_id_list).toEqual([dm]);
    expect(reads[0].reader.read_time).toMatch(/^\d{13}$/);

    const readers = await answer(client.im.v1.message.readUsers({ path: { message_id: group }, params: { user_id_type: 'open_id' } }));
    expect(readers.code).toBe(0);
    expect(readers.data.items.map((i: any) => i.user_id)).toEqual([bob]);
    const notMine = await answer(client.im.v1.message.readUsers({ path: { message_id: userMsg }, params: { user_id_type: 'open_id' } }));
    expect(notMine.code).toBe(230012);
  });

  it('pins and unpins the bot chat per person; refuses bad requests (230001) and a missing scope (99991672)', async () => {
    const emu = await testEmulator();
    const { alice } = await seedGroup(emu);
    const client = sdkClient(emu);
    const feed = client.im.v2.feedCard;
    const on = await answer(feed.botTimeSentive({ params: { user_id_type: 'open_id' }, data: { time_sensitive: true, user_ids: [alice, 'ou_nobody'] } }));
    expect(on.code).toBe(0);
    expect(on.data.failed_user_reasons).toEqual([{ error_code: 0, error_message: 'The user is not in the chat', user_id: 'ou_nobody' }]);
    expect((await emu.control('GET', `/__emulator/feed_cards?open_id=${alice}`)).time_sensitive).toBe(true);
    await feed.botTimeSentive({ params: { user_id_type: 'open_id' }, data: { time_sensitive: false, user_ids: [alice] } });
    expect((await emu.control('GET', `/__emulator/feed_cards?open_id=${alice}`)).time_sensitive).toBe(false);
    const tooMany = await answer(feed.botTimeSentive({ params: { user_id_type: 'open_id' }, data: { time_sensitive: true, user_ids: Array.from({ length: 51 }, (_, i) => `ou_${i}`) } }));
    expect(tooMany.code).toBe(230001);
    await emu.control('POST', '/__emulator/tenant', { revoke: ['im:datasync.feed_card.time_sensitive:write'] });
    const denied = await answer(feed.botTimeSentive({ params: { user_id_type: 'open_id' }, data: { time_sensitive: true, user_ids: [alice] } }));
    expect(denied.code).toBe(99991672);
  });
});
