import { afterEach, describe, expect, it } from 'vitest';
import { card2, cleanup, sdkClient, seedGroup, testEmulator } from './helpers.ts';

// Urgent (加急) notices through the real SDK's urgentApp / urgentSms / urgentPhone, with the rules
// of docs/lark-notes.md "Urgent notices".

afterEach(cleanup);

/** The SDK rejects non-2xx answers with an AxiosError; this returns Lark's {code,msg} either way. */
async function answer(p: Promise<any>): Promise<{ code: number; msg: string; data?: any; status: number }> {
  try {
    const r = await p;
    return { code: r.code, msg: r.msg, data: r.data, status: 200 };
  } catch (e: any) {
    return { code: e?.response?.data?.code, msg: e?.response?.data?.msg, status: e?.response?.status };
  }
}

describe('urgent notices (emulator, real SDK)', () => {
  it('urges people in the chat on a message the bot sent; others come back in invalid_user_id_list', async () => {
    const emu = await testEmulator();
    const { alice, bob, chatId } = await seedGroup(emu);
    const carol = (await emu.control('POST', '/__emulator/users', { name: 'Carol' })).open_id;
    const client = sdkClient(emu);
    const sent = await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'interactive', content: card2('DB down') },
    });
    const messageId = sent.data!.message_id!;

    const app = await answer(
      client.im.v1.message.urgentApp({ path: { message_id: messageId }, params: { user_id_type: 'open_id' }, data: { user_id_list: [alice, carol] } }),
    );
    expect(app.code).toBe(0);
    expect(app.data.invalid_user_id_list).toEqual([carol]);
    const phone = await answer(
      client.im.v1.message.urgentPhone({ path: { message_id: messageId }, params: { user_id_type: 'open_id' }, data: { user_id_list: [bob] } }),
    );
    expect(phone.code).toBe(0);

    const aliceGot = (await emu.control('GET', `/__emulator/urgents?open_id=${alice}`)).items;
    expect(aliceGot).toEqual([{ message_id: messageId, kind: 'app', at: expect.any(Number) }]);
    expect((await emu.control('GET', `/__emulator/urgents?open_id=${bob}`)).items.map((u: any) => u.kind)).toEqual(['phone']);
    expect((await emu.control('GET', `/__emulator/urgents?open_id=${carol}`)).items).toEqual([]);

    // The chat view marks the buzzed card.
    const view = await (await fetch(`${emu.url}/__emulator/view?chat=${chatId}`)).json();
    expect(view.messages).toContain('🔔 buzzed in Lark');
    expect(view.messages).toContain('📞 phoned');
    expect(view.messages).toMatch(/phoned: Bob/);
  });

  it('refuses messages the bot did not send (230012), missing scopes, and a spent SMS/phone quota (230024)', async () => {
    const emu = await testEmulator();
    const { alice, chatId } = await seedGroup(emu);
    const client = sdkClient(emu);
    const userMsg = (await emu.control('POST', '/__emulator/messages', { chat_id: chatId, sender_open_id: alice, text: 'hi' })).message_id;
    const notMine = await answer(
      client.im.v1.message.urgentApp({ path: { message_id: userMsg }, params: { user_id_type: 'open_id' }, data: { user_id_list: [alice] } }),
    );
    expect(notMine).toMatchObject({ code: 230012, status: 400 });

    const dm = await client.im.v1.message.create({
      params: { receive_id_type: 'open_id' },
      data: { receive_id: alice, msg_type: 'interactive', content: card2('paged') },
    });
    const dmId = dm.data!.message_id!;

    await emu.control('POST', '/__emulator/tenant', { revoke: ['im:message.urgent:sms'] });
    const noScope = await answer(
      client.im.v1.message.urgentSms({ path: { message_id: dmId }, params: { user_id_type: 'open_id' }, data: { user_id_list: [alice] } }),
    );
    expect(noScope.code).toBe(99991672);
    expect(noScope.msg).toContain('im:message.urgent:sms');

    await emu.control('POST', '/__emulator/tenant', { grant: ['im:message.urgent:sms'], urgent_quota: 1 });
    const first = await answer(
      client.im.v1.message.urgentSms({ path: { message_id: dmId }, params: { user_id_type: 'open_id' }, data: { user_id_list: [alice] } }),
    );
    expect(first.code).toBe(0);
    const spent = await answer(
      client.im.v1.message.urgentPhone({ path: { message_id: dmId }, params: { user_id_type: 'open_id' }, data: { user_id_list: [alice] } }),
    );
    expect(spent).toMatchObject({ code: 230024, status: 400 });
    // In-app notices do not draw on the quota.
    const inApp = await answer(
      client.im.v1.message.urgentApp({ path: { message_id: dmId }, params: { user_id_type: 'open_id' }, data: { user_id_list: [alice] } }),
    );
    expect(inApp.code).toBe(0);
    expect((await emu.control('GET', `/__emulator/urgents?open_id=${alice}`)).items.map((u: any) => u.kind)).toEqual(['sms', 'app']);
    expect((await emu.control('GET', '/__emulator/tenant')).urgent_quota).toBe(0);

    const noType = await answer(
      client.im.v1.message.urgentApp({ path: { message_id: dmId }, params: {} as any, data: { user_id_list: [alice] } }),
    );
    expect(noType.code).toBe(230001);
  });

  it('enforces the per-API frequency limit with 429 and 99991400', async () => {
    const emu = await testEmulator({ appPerSecond: 3 });
    const { alice, chatId } = await seedGroup(emu);
    const client = sdkClient(emu);
    const sent = await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'interactive', content: card2('x') },
    });
    const call = () =>
      answer(client.im.v1.message.urgentApp({ path: { message_id: sent.data!.message_id! }, params: { user_id_type: 'open_id' }, data: { user_id_list: [alice] } }));
    const results = await Promise.all([call(), call(), call(), call()]);
    expect(results.filter((r) => r.code === 0)).toHaveLength(3);
    expect(results.filter((r) => r.status === 429 && r.code === 99991400)).toHaveLength(1);
  });
});
