import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { startHark, type Hark, type StartOptions } from '../../src/main.ts';
import type { Logger } from '../../src/log.ts';
import { silentLogger } from '../../src/log.ts';
import { waitFor } from './wait.ts';

import { ADMIN_TOKEN, apiClient } from './api.ts';

export { ADMIN_TOKEN } from './api.ts';

export interface Rig {
  emulator: Emulator;
  hark: Hark;
  dir: string;
  /** Calls Hark's HTTP API with the admin token. */
  api(method: string, route: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  /** Calls an emulator control route. */
  emu(method: string, route: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

/** The emulator and the real service over real sockets, SQLite in a temp dir, Lark timers scaled down. */
export async function startRig(
  opts: { logger?: Logger; env?: Record<string, string>; emulator?: Record<string, unknown>; start?: Partial<StartOptions> } = {},
): Promise<Rig> {
  const emulator = await startEmulator({
    port: 0,
    timeScale: 0.001,
    pingInterval: 1,
    reconnectInterval: 1,
    reconnectNonce: 0,
    ...opts.emulator,
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-rig-'));
  const config = loadConfig({
    LARK_APP_ID: emulator.appId,
    LARK_APP_SECRET: emulator.appSecret,
    LARK_DOMAIN: emulator.url,
    DATABASE_URL: `sqlite:${path.join(dir, 'hark.db')}`,
    HARK_ADMIN_TOKEN: ADMIN_TOKEN,
    HARK_SESSION_SECRET: 'x'.repeat(32),
    LOG_LEVEL: 'info',
    ...opts.env,
  });
  const hark = await startHark(config, { logger: opts.logger ?? silentLogger, port: 0, ...opts.start });
  const api = apiClient(hark.url, ADMIN_TOKEN);
  const emu = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(emulator.url + route, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`emulator ${method} ${route}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    emulator,
    hark,
    dir,
    api,
    emu,
    close: async () => {
      await hark.stop();
      await emulator.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until /readyz says the long connection is up. */
export async function waitReady(rig: Rig): Promise<void> {
  await waitFor(async () => (await rig.api('GET', '/readyz')).status === 200, { message: '/readyz 200' });
}
