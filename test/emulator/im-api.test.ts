import { afterEach, describe, expect, it } from 'vitest';
import { card2, cleanup, sdkClient, seedGroup, testEmulator } from './helpers.ts';

afterEach(cleanup);

const text = (t: string) => JSON.stringify({ text: t });

describe('IM APIs through the real SDK Client (domain with a port)', () => {
  it('sends, patches and reads back messages; uuid dedups', async () => {
    const emu = await testEmulator();
    const { alice, chatId } = await seedGroup(emu);
    const client = sdkClient(emu);
    const created: unknown[] = [];
    emu.state.on('message.created', (m) => created.push(m.message_id));

    const a = await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'interactive', content: card2('P1 DB down'), uuid: 'inc-1-chat' },
    });
    expect(a.code).toBe(0);
    const again = await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'interactive', content: card2('P1 DB down'), uuid: 'inc-1-chat' },
    });
    expect(again.data!.message_id).toBe(a.data!.message_id);
    expect(created).toHaveLength(1);

    const p = await client.im.v1.message.patch({ path: { message_id: a.data!.message_id! }, data: { content: card2('Acked') } });
    expect(p.code).toBe(0);

    const dm = await client.im.v1.message.create({
      params: { receive_id_type: 'email' },
      data: { receive_id: 'alice@example.com', msg_type: 'text', content: text('you are paged') },
    });
    expect(dm.data!.chat_id).not.toBe(chatId);
    const reply = await client.im.v1.message.reply({
      path: { message_id: a.data!.message_id! }, data: { msg_type: 'text', content: text('on it') },
    });
    expect(reply.data!.parent_id).toBe(a.data!.message_id);

    const got = await client.im.v1.message.get({ path: { message_id: a.data!.message_id! } });
    expect(JSON.parse(got.data!.items![0].body!.content!).header.title.content).toBe('Acked');

    const list = await emu.control('GET', `/__emulator/messages?chat_id=${chatId}`);
    expect(list.items.map((m: any) => m.msg_type)).toEqual(['interactive', 'text']);
    expect(list.items[0]).toMatchObject({ uuid: 'inc-1-chat', update_count: 1, content: { schema: '2.0' } });
    expect(list.items[1].parent_id).toBe(a.data!.message_id);
    const dms = await emu.control('GET', `/__emulator/messages?open_id=${alice}`);
    expect(dms.items[0].content).toEqual({ text: 'you are paged' });
  });

  it('lists chats with pagination, gets a chat and the bot identity', async () => {
    const emu = await testEmulator();
    const { alice } = await seedGroup(emu);
    for (let i = 0; i < 4; i++) await emu.control('POST', '/__emulator/chats', { name: `g${i}`, members: [alice], add_bot: true });
    await emu.control('POST', '/__emulator/chats', { name: 'no bot', members: [alice] });
    const client = sdkClient(emu);
    const names: string[] = [];
    for await (const page of await client.im.v1.chat.listWithIterator({ params: { page_size: 2 } })) {
      for (const c of page?.items ?? []) names.push(c.name!);
    }
    expect(names).toEqual(['ops', 'g0', 'g1', 'g2', 'g3']);
    const chats = await emu.control('GET', '/__emulator/chats');
    const ops = chats.items.find((c: any) => c.name === 'ops');
    const got = await client.im.v1.chat.get({ path: { chat_id: ops.chat_id } });
    expect(got.data).toMatchObject({ name: 'ops', user_count: '2' });
    const info: any = await client.request({ method: 'GET', url: '/open-apis/bot/v3/info' });
    expect(info.bot.open_id).toBe(emu.botOpenId);
    const user = await client.contact.v3.user.get({ path: { user_id: alice }, params: { user_id_type: 'open_id' } });
    expect(user.data!.user!.name).toBe('Alice');
  });

  it('answers 230002, 230013, 230099, 230031 and 230001 as Lark does (HTTP 400)', async () => {
    const emu = await testEmulator();
    const { alice } = await seedGroup(emu);
    const client = sdkClient(emu);
    const carol = (await emu.control('POST', '/__emulator/users', { name: 'Carol', available: false })).open_id;
    const noBot = (await emu.control('POST', '/__emulator/chats', { name: 'quiet', members: [alice] })).chat_id;
    const send = (receive_id_type: any, receive_id: string, msg_type: string, content: string) =>
      client.im.v1.message.create({ params: { receive_id_type }, data: { receive_id, msg_type, content } })
        .then(() => ({ status: 200, code: 0 }), (e) => ({ status: e.response.status, code: e.response.data.code, msg: e.response.data.msg }));
    expect(await send('chat_id', noBot, 'text', text('x'))).toMatchObject({ status: 400, code: 230002 });
    expect(await send('open_id', carol, 'text', text('x'))).toMatchObject({ status: 400, code: 230013 });
    expect(await send('open_id', alice, 'interactive', '{not json')).toMatchObject({ status: 400, code: 230099 });
    const v1InV2 = card2('x', { body: { elements: [{ tag: 'action', actions: [] }] } });
    expect(await send('open_id', alice, 'interactive', v1InV2)).toMatchObject({ status: 400, code: 230099, msg: expect.stringContaining('200861') });
    expect(await send('open_id', alice, 'interactive', JSON.stringify({ schema: '2.0', header: {} }))).toMatchObject({ code: 230099 });
    const big = card2('x', { body: { elements: [{ tag: 'markdown', content: 'a'.repeat(31 * 1024) }] } });
    expect(await send('open_id', alice, 'interactive', big)).toMatchObject({ code: 230099 });
    expect(await send('open_id', 'ou_nobody', 'text', text('x'))).toMatchObject({ code: 230001 });

    const ok = await client.im.v1.message.create({
      params: { receive_id_type: 'open_id' }, data: { receive_id: alice, msg_type: 'interactive', content: card2('old') },
    });
    const id = ok.data!.message_id!;
    await emu.control('POST', `/__emulator/messages/${id}/age`, { days: 15 });
    const err = await client.im.v1.message.patch({ path: { message_id: id }, data: { content: card2('new') } }).catch((e) => e);
    expect(err.response.status).toBe(400);
    expect(err.response.data.code).toBe(230031);
  });

  it('limits PATCH per message (230020) and rejects non-shared 1.0 cards', async () => {
    const emu = await testEmulator({ messagePatchPerSecond: 1 });
    const { chatId } = await seedGroup(emu);
    const client = sdkClient(emu);
    const sent = await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' }, data: { receive_id: chatId, msg_type: 'interactive', content: card2('v0') },
    });
    const id = sent.data!.message_id!;
    const codes = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => client.im.v1.message.patch({ path: { message_id: id }, data: { content: card2(`v${i}`) } })
      .then(() => 0, (e) => e.response.data.code)));
    expect(codes.filter((c) => c === 0).length).toBeGreaterThanOrEqual(1);
    expect(codes.filter((c) => c === 230020).length).toBeGreaterThanOrEqual(1);
    const v1 = JSON.stringify({ config: { wide_screen_mode: true }, elements: [{ tag: 'div', text: { tag: 'plain_text', content: 'x' } }] });
    const old = await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' }, data: { receive_id: chatId, msg_type: 'interactive', content: v1 },
    });
    const err = await client.im.v1.message.patch({ path: { message_id: old.data!.message_id! }, data: { content: v1 } }).catch((e) => e);
    expect(err.response.status).toBe(400);
    const textMsg = await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' }, data: { receive_id: chatId, msg_type: 'text', content: text('plain') },
    });
    const err2 = await client.im.v1.message.patch({ path: { message_id: textMsg.data!.message_id! }, data: { content: card2('x') } }).catch((e) => e);
    expect(err2.response.data.code).toBe(230001);
  });

  it('checks the bearer token: 99991661 missing, 99991663 invalid', async () => {
    const emu = await testEmulator();
    const r1 = await fetch(`${emu.url}/open-apis/im/v1/chats`);
    expect(r1.status).toBe(400);
    expect((await r1.json()).code).toBe(99991661);
    const r2 = await fetch(`${emu.url}/open-apis/im/v1/chats`, { headers: { authorization: 'Bearer t-forged.abc' } });
    expect((await r2.json()).code).toBe(99991663);
    const bad = await fetch(`${emu.url}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ app_id: emu.appId, app_secret: 'nope' }),
    });
    expect((await bad.json()).code).toBe(10015);
    const good = await (await fetch(`${emu.url}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ app_id: emu.appId, app_secret: emu.appSecret }),
    })).json();
    expect(good).toMatchObject({ code: 0, tenant_access_token: expect.stringMatching(/^t-/), expire: 7200 });
  });

  it('meets a 429 with x-ogw-ratelimit-reset under load, and 230020 per chat', async () => {
    // Per-minute limit so the outcome does not depend on how fast a busy machine sends.
    const emu = await testEmulator({ appPerSecond: 1000, appPerMinute: 10, chatPerSecond: 1000, userPerSecond: 1000 });
    const { chatId } = await seedGroup(emu);
    const client = sdkClient(emu);
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' }, data: { receive_id: chatId, msg_type: 'text', content: text(`m${i}`) },
    }).then(() => 'ok', (e) => e)));
    const limited = results.filter((r) => r !== 'ok');
    expect(results.filter((r) => r === 'ok').length).toBe(10);
    expect(limited.length).toBe(15);
    const e = limited[0];
    expect(e.response.status).toBe(429);
    expect(e.response.data).toEqual({ code: 99991400, msg: 'request trigger frequency limit' });
    expect(Number(e.response.headers['x-ogw-ratelimit-reset'])).toBeGreaterThanOrEqual(1);
    expect(e.response.headers['x-ogw-ratelimit-limit']).toBe('10');
    const stats = await emu.control('GET', '/__emulator/stats');
    expect(stats.http_429).toBe(limited.length);
    expect(stats.messages_created).toBe(10);

    await emu.control('POST', '/__emulator/faults', { rate_limits: { appPerMinute: 100_000, chatPerSecond: 1 } });
    const other = (await emu.control('POST', '/__emulator/chats', { name: 'other', members: [], add_bot: true })).chat_id;
    const burst = await Promise.all(Array.from({ length: 4 }, () => client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' }, data: { receive_id: other, msg_type: 'text', content: text('x') },
    }).then(() => 0, (err) => err.response.data.code)));
    expect(burst.filter((c) => c === 230020).length).toBeGreaterThanOrEqual(1);
    expect(burst.filter((c) => c === 0).length).toBeGreaterThanOrEqual(1);
    expect((await emu.control('GET', '/__emulator/stats')).code_230020).toBe(burst.filter((c) => c === 230020).length);
  });
});
