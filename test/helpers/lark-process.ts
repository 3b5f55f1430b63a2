import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { controlRoute, type EmulatorOptions } from '../../src/emulator/index.ts';
import type { RemoteEmulator } from '../bot/helpers.ts';
import type { Clicker, LoadRequest } from './lark-side.ts';

// The parent's handle on test/helpers/lark-side.ts: an emulator in another process (usable as the bot rig's
// remoteEmulator and as the delivery rig's emulator: control routes go over HTTP anyway) that can also
// run a clicking load (bench/click.ts).

export interface LoadResult {
  /** Each click's round trip as the person saw it (the emulator's click route). */
  rtts: number[];
  /** The emulator's own measure of the same clicks: from pushing the event to the app's answer. */
  callbacks: number[];
  errors: string[];
}

export interface LarkProcess extends RemoteEmulator {
  load(clickers: Clicker[], seconds: number, pauseMs: [number, number]): Promise<LoadResult>;
}

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lark-side.ts');

export async function startLarkProcess(options: Partial<EmulatorOptions>): Promise<LarkProcess> {
  const child: ChildProcess = fork(SCRIPT, [JSON.stringify(options)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ url: string; appId: string; appSecret: string }>((resolve, reject) => {
    child.once('message', (m: any) => (m?.type === 'ready' ? resolve(m) : reject(new Error(`lark side said ${JSON.stringify(m)}`))));
    child.once('exit', (code) => reject(new Error(`lark side exited (${code}) before it was ready`)));
  });
  let next = 0;
  const waiting = new Map<number, (r: LoadResult) => void>();
  child.on('message', (m: any) => {
    if (m?.type === 'result') waiting.get(m.id)?.(m);
  });
  return {
    ...ready,
    control: (method, route, body) => controlRoute(ready.url, method, route, body),
    load(clickers, seconds, pauseMs) {
      const id = next++;
      return new Promise((resolve) => {
        waiting.set(id, (r) => {
          waiting.delete(id);
          resolve(r);
        });
        child.send({ type: 'load', id, clickers, seconds, pauseMs } satisfies LoadRequest);
      });
    },
    async close() {
      if (child.exitCode === null) child.send({ type: 'close' });
      await exited;
    },
  };
}
