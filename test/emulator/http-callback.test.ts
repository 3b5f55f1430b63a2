import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as lark from '@larksuiteoapi/node-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { card2, cleanup, onCleanup, sdkClient, seedGroup, silentSdkLogger, testEmulator } from './helpers.ts';
import { waitFor } from '../helpers/wait.ts';

afterEach(cleanup);

/** The app side of HTTP callback mode: the SDK's own adaptor verifies and decrypts. */
async function appServer(encryptKey: string, handlers: Record<string, (d: any) => any>): Promise<{ url: string; raw: string[] }> {
  const dispatcher = new lark.EventDispatcher({ encryptKey, loggerLevel: lark.LoggerLevel.error, logger: silentSdkLogger })
    .register<Record<string, (d: any) => any>>(handlers);
  const handle = lark.adaptDefault('/lark/callback', dispatcher, { autoChallenge: true });
  const raw: string[] = [];
  const server = http.createServer((req, res) => {
    req.on('data', (c) => raw.push(String(c)));
    // A wrong key makes the SDK throw while decrypting: answer 500 like a crashed handler would.
    handle(req, res).catch(() => { res.statusCode = 500; res.end(); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise((r) => { server.closeAllConnections(); server.close(r); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/lark/callback`, raw };
}

describe('HTTP callback mode', () => {
  it('pushes encrypted, signed events the SDK EventDispatcher accepts, and card callbacks', async () => {
    const encryptKey = 'test-encrypt-key';
    const got: any[] = [];
    const app = await appServer(encryptKey, {
      'im.message.receive_v1': (d) => { got.push(d); },
      'card.action.trigger': (d) => ({ toast: { type: 'info', content: `hi ${d.operator.open_id}` } }),
    });
    const emu = await testEmulator({ callbackUrl: app.url, encryptKey });
    const { alice } = await seedGroup(emu);
    await emu.control('POST', '/__emulator/messages', { p2p_open_id: alice, text: 'over http' });
    await waitFor(() => got.length === 1);
    expect(JSON.parse(got[0].message.content).text).toBe('over http');
    expect(app.raw.join('')).toContain('"encrypt"');

    const client = sdkClient(emu);
    const sent = await client.im.v1.message.create({
      params: { receive_id_type: 'open_id' }, data: { receive_id: alice, msg_type: 'interactive', content: card2('x') },
    });
    const click = await emu.control('POST', '/__emulator/click', { message_id: sent.data!.message_id, operator_open_id: alice, value: { op: 'ack' } });
    expect(click.response).toEqual({ toast: { type: 'info', content: `hi ${alice}` } });
  });

  it('a wrong encrypt key on the app side means the handler never runs', async () => {
    const got: any[] = [];
    const app = await appServer('other-key', { 'im.message.receive_v1': (d) => { got.push(d); } });
    const emu = await testEmulator({ callbackUrl: app.url, encryptKey: 'test-encrypt-key' });
    const { alice } = await seedGroup(emu);
    await emu.control('POST', '/__emulator/messages', { p2p_open_id: alice, text: 'x' });
    await waitFor(async () => (await emu.control('GET', '/__emulator/events?type=im.message.receive_v1')).items[0]?.attempts >= 1);
    expect(got).toEqual([]);
  });
});
