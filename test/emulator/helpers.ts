// Test helpers for the emulator suite (condition waits: test/helpers/wait.ts): silent SDK loggers, and a registry that closes every client and server after each test.
import * as lark from '@larksuiteoapi/node-sdk';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.ts';
import { waitFor } from '../helpers/wait.ts';

export const silentSdkLogger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  trace: () => undefined,
};

const cleanups: (() => unknown)[] = [];

export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

/** Call from afterEach: closes clients first, then servers. */
export async function cleanup(): Promise<void> {
  while (cleanups.length) {
    const fn = cleanups.pop()!;
    try {
      await fn();
    } catch {
      // best effort
    }
  }
}

/** Fast settings for tests: OS port, quick reconnects, scaled-down redelivery. */
export async function testEmulator(opts: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  const emu = await startEmulator({
    port: 0, pingInterval: 1, reconnectInterval: 1, reconnectNonce: 0, timeScale: 0.001, ...opts,
  });
  onCleanup(() => emu.close());
  return emu;
}

export function sdkClient(emu: Emulator): lark.Client {
  return new lark.Client({
    appId: emu.appId,
    appSecret: emu.appSecret,
    domain: emu.url,
    loggerLevel: lark.LoggerLevel.error,
    logger: silentSdkLogger,
  });
}

/** Starts a WSClient with the given handlers and waits until the emulator sees its socket. */
export async function connectWs(emu: Emulator, handlers: Record<string, (data: any) => any>): Promise<lark.WSClient> {
  const before = emu.context.hub.readyTotal;
  const dispatcher = new lark.EventDispatcher({ loggerLevel: lark.LoggerLevel.error, logger: silentSdkLogger })
    .register<Record<string, (d: any) => any>>(handlers);
  const ws = new lark.WSClient({
    appId: emu.appId,
    appSecret: emu.appSecret,
    domain: emu.url,
    loggerLevel: lark.LoggerLevel.error,
    logger: silentSdkLogger,
  });
  onCleanup(() => ws.close({ force: true }));
  await ws.start({ eventDispatcher: dispatcher });
  await waitFor(() => emu.context.hub.readyTotal > before, { message: 'WSClient connected' });
  return ws;
}

/** A user, a group with the bot in it; returns ids. */
export async function seedGroup(emu: Emulator): Promise<{ alice: string; bob: string; chatId: string }> {
  const alice = (await emu.control('POST', '/__emulator/users', { name: 'Alice', email: 'alice@example.com' })).open_id;
  const bob = (await emu.control('POST', '/__emulator/users', { name: 'Bob', email: 'bob@example.com' })).open_id;
  const chatId = (await emu.control('POST', '/__emulator/chats', { name: 'ops', members: [alice, bob], add_bot: true })).chat_id;
  return { alice, bob, chatId };
}

export const card2 = (title: string, extra: Record<string, unknown> = {}) => JSON.stringify({
  schema: '2.0',
  config: { update_multi: true },
  header: { title: { tag: 'plain_text', content: title }, template: 'red' },
  body: {
    elements: [
      { tag: 'markdown', content: `**${title}**` },
      { tag: 'button', name: 'btn_ack', type: 'primary', text: { tag: 'plain_text', content: 'Ack' },
        behaviors: [{ type: 'callback', value: { op: 'ack' } }] },
    ],
  },
  ...extra,
});
