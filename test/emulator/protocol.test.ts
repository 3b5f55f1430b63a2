// Wire-level checks with a raw WebSocket, for the traps of docs/lark-notes.md §0 that the SDK would
// otherwise hide (or crash on).
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeFrame, emulatorOptionsFromEnv, encodeFrame, runEmulator } from '../../src/emulator/index.ts';
import { cleanup, connectWs, onCleanup, seedGroup, testEmulator } from './helpers.ts';
import { waitFor } from '../helpers/wait.ts';

afterEach(cleanup);

const endpoint = (url: string, appId: string, secret: string) => fetch(`${url}/callback/ws/endpoint`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ AppID: appId, AppSecret: secret }),
}).then((r) => r.json());

describe('long-connection wire protocol', () => {
  it('endpoint: fpid first, four ClientConfig numbers, 514 and the 50-connection limit with data:{}', async () => {
    const emu = await testEmulator();
    const ok = await endpoint(emu.url, emu.appId, emu.appSecret);
    expect(ok.code).toBe(0);
    expect(ok.data.URL).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\/v2\?fpid=1&.*device_id=.*&service_id=77/);
    expect(Object.keys(ok.data.ClientConfig).sort()).toEqual(['PingInterval', 'ReconnectCount', 'ReconnectInterval', 'ReconnectNonce']);
    expect(await endpoint(emu.url, emu.appId, 'wrong')).toEqual({ code: 514, msg: 'auth failed', data: {} });
    for (let i = 1; i < 50; i++) expect((await endpoint(emu.url, emu.appId, emu.appSecret)).code).toBe(0);
    expect(await endpoint(emu.url, emu.appId, emu.appSecret)).toMatchObject({ code: 1000040350, data: {} });
  });

  it('answers a ping with a pong carrying JSON config and frames every field the SDK requires', async () => {
    const emu = await testEmulator();
    const { data } = await endpoint(emu.url, emu.appId, emu.appSecret);
    const ws = new WebSocket(data.URL);
    onCleanup(() => ws.terminate());
    const frames: ReturnType<typeof decodeFrame>[] = [];
    ws.on('message', (b) => frames.push(decodeFrame(b as Buffer)));
    await new Promise((r) => ws.once('open', r));
    ws.send(encodeFrame({ SeqID: 0, LogID: 0, service: 77, method: 0, headers: [{ key: 'type', value: 'ping' }] }));
    await waitFor(() => frames.length === 1);
    expect(frames[0].headers).toEqual([{ key: 'type', value: 'pong' }]);
    expect(JSON.parse(Buffer.from(frames[0].payload!).toString())).toEqual({ PingInterval: 1, ReconnectCount: -1, ReconnectInterval: 1, ReconnectNonce: 0 });

    const alice = (await emu.control('POST', '/__emulator/users', { name: 'Alice' })).open_id;
    await emu.control('POST', '/__emulator/messages', { p2p_open_id: alice, text: 'raw' });
    await waitFor(() => frames.length === 2);
    const ev = frames[1];
    expect(JSON.parse(Buffer.from(ev.payload!).toString()).event.message.content).toBe('{"text":"raw"}');
    const h = Object.fromEntries(ev.headers.map((x) => [x.key, x.value]));
    expect(ev).toMatchObject({ method: 1, service: 77 });
    expect(h).toMatchObject({ type: 'event', sum: '1', seq: '0' });
    expect(h.message_id).toBeTruthy();
    expect(h.trace_id).toBeTruthy();
    // Ack with the Go SDK's shape; the emulator matches it by message_id.
    ws.send(encodeFrame({ ...ev, headers: [...ev.headers, { key: 'biz_rt', value: '-1' }], payload: Buffer.from('{"code":200,"headers":null,"data":null}') }));
    await waitFor(async () => (await emu.control('GET', '/__emulator/events?type=im.message.receive_v1')).items[0].acked);
  });

  it('gives up after 4 retries (5 attempts) and keeps the event_id', async () => {
    const emu = await testEmulator({ timeScale: 0.0001 });
    const ids: string[] = [];
    await connectWs(emu, { 'im.message.receive_v1': (d) => { ids.push(d.event_id); throw new Error('always'); } });
    const { alice } = await seedGroup(emu);
    await emu.control('POST', '/__emulator/messages', { p2p_open_id: alice, text: 'doomed' });
    const ev = await waitFor(async () => (await emu.control('GET', '/__emulator/events?type=im.message.receive_v1')).items
      .find((e: any) => e.status === 'failed'), { timeout: 20_000 });
    expect(ev.attempts).toBe(5);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(1);
  });

  it('emits bot added / deleted / disbanded events', async () => {
    const emu = await testEmulator();
    const got: any[] = [];
    const h = (d: any) => { got.push(d); };
    await connectWs(emu, {
      'im.chat.member.bot.added_v1': h, 'im.chat.member.bot.deleted_v1': h, 'im.chat.disbanded_v1': h,
    });
    const { alice, chatId } = await seedGroup(emu);
    await emu.control('POST', `/__emulator/chats/${chatId}/bot`, { present: false });
    await emu.control('POST', `/__emulator/chats/${chatId}/bot`, { present: true, operator_open_id: alice });
    await emu.control('POST', `/__emulator/chats/${chatId}/disband`, {});
    await waitFor(() => got.length === 4);
    const types = got.map((d) => d.event_type).sort();
    expect(types).toEqual(['im.chat.disbanded_v1', 'im.chat.member.bot.added_v1', 'im.chat.member.bot.added_v1', 'im.chat.member.bot.deleted_v1']);
    expect(got[0]).toMatchObject({ chat_id: chatId, operator_id: { open_id: alice }, name: 'ops' });
  });

  it('reads options from the environment and prints one line with the URL', async () => {
    expect(emulatorOptionsFromEnv({ EMULATOR_PORT: '0', EMULATOR_TIME_SCALE: '0.5', EMULATOR_APP_ID: 'cli_aaaaaaaaaaaaaaaa' }))
      .toEqual({ port: 0, timeScale: 0.5, appId: 'cli_aaaaaaaaaaaaaaaa' });
    expect(() => emulatorOptionsFromEnv({ EMULATOR_PORT: 'abc' })).toThrow(/EMULATOR_PORT/);
    const lines: string[] = [];
    const orig = console.log;
    console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
    try {
      const emu = await runEmulator({ EMULATOR_PORT: '0' });
      onCleanup(() => emu.close());
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(emu.url);
    } finally {
      console.log = orig;
    }
  });

  it('injects error rates and latency on Lark routes only', async () => {
    const emu = await testEmulator();
    await emu.control('POST', '/__emulator/faults', { error_rate: { path_prefix: '/open-apis/im', rate: 1, status: 503 } });
    const r = await fetch(`${emu.url}/open-apis/im/v1/chats`);
    expect(r.status).toBe(503);
    const tok = await fetch(`${emu.url}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ app_id: emu.appId, app_secret: emu.appSecret }),
    });
    expect(tok.status).toBe(200);
    await emu.control('POST', '/__emulator/faults', { error_rate: null });
    expect((await fetch(`${emu.url}/open-apis/im/v1/chats`)).status).toBe(400); // no token → 99991661
    await emu.control('POST', '/__emulator/reset');
    expect((await emu.control('GET', '/__emulator/users')).items).toEqual([]);
  });
});
