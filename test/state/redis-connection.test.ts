import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSharedState, SharedStateError, type SharedState } from '../../src/state/index.ts';
import { waitFor } from '../helpers/wait.ts';
import { REDIS_URL } from './harness.ts';

/** A TCP server under test control; `forward` relays to a real Redis, otherwise it swallows bytes. */
class TcpStub {
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;
  port = 0;

  constructor(private readonly forward?: { host: string; port: number }) {}

  async start(port = 0): Promise<void> {
    const server = net.createServer((socket) => {
      this.#track(socket);
      if (!this.forward) return; // a black hole: accepts, never answers
      const upstream = net.connect(this.forward.port, this.forward.host);
      this.#track(upstream);
      socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  /** Cuts every connection and stops listening, like a Redis that went away. */
  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server = undefined;
  }

  #track(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => this.#sockets.delete(socket));
  }
}

async function freePort(): Promise<number> {
  const stub = new TcpStub();
  await stub.start();
  await stub.stop();
  return stub.port;
}

describe('Redis connection failures', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });
  const open = (url: string, commandTimeoutMs?: number): SharedState => {
    // Unique per run: concurrent runs against the same Redis must not see each other's keys.
    const prefix = `hark-test-${randomBytes(4).toString('hex')}:`;
    const state = createSharedState({ redisUrl: url, prefix, commandTimeoutMs });
    cleanups.push(() => state.close());
    return state;
  };

  it('rejects with a SharedStateError naming the server when nothing listens', async () => {
    const port = await freePort();
    const s = open(`redis://user:secret@127.0.0.1:${port}`);
    const started = Date.now();
    const err = await s.setIfAbsent('k', 'v', 1_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SharedStateError);
    expect((err as Error).message).toContain(`Redis 127.0.0.1:${port}: SET NX failed`);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect((err as Error).message).not.toContain('secret');
    expect(Date.now() - started).toBeLessThan(5_000);
    // Later calls during the outage must not queue behind the reconnect backoff either.
    for (let i = 0; i < 3; i++) {
      const t = Date.now();
      await expect(s.get('k')).rejects.toThrow(SharedStateError);
      expect(Date.now() - t).toBeLessThan(2_500);
    }
    expect(await s.ping()).toBe(false);
    await expect(s.rateLimiter({ name: 'x', points: 1, durationMs: 1_000 }).consume('k')).rejects.toThrow(SharedStateError);
  });

  it('times out instead of hanging when the server never answers', async () => {
    const hole = new TcpStub();
    await hole.start();
    cleanups.push(() => hole.stop());
    const s = open(`redis://127.0.0.1:${hole.port}`, 300);
    const started = Date.now();
    await expect(s.acquireLock('k', 1_000)).rejects.toThrow(/lock acquire failed: Command timed out/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it.skipIf(!REDIS_URL)('fails fast while Redis is gone and recovers when it returns', async () => {
    const upstream = new URL(REDIS_URL ?? 'redis://127.0.0.1:6379');
    const proxy = new TcpStub({ host: upstream.hostname, port: Number(upstream.port || 6379) });
    await proxy.start();
    cleanups.push(() => proxy.stop());
    const s = open(`redis://127.0.0.1:${proxy.port}`);
    await s.set('k', 'v', 10_000);
    expect(await s.get('k')).toBe('v');

    await proxy.stop();
    const started = Date.now();
    await expect(s.get('k')).rejects.toThrow(SharedStateError);
    expect(Date.now() - started).toBeLessThan(5_000);

    await proxy.start(proxy.port);
    await waitFor(async () => (await s.get('k').catch(() => null)) === 'v', { timeout: 10_000, message: 'reconnect' });
    await s.delete('k');
  });
});
