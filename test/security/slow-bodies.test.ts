import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, HEADERS_TIMEOUT_MS } from '../../src/http/server.ts';
import { openSqliteTestStore, type TestStore } from '../helpers/store.ts';
import { waitFor } from '../helpers/wait.ts';
import { fixture } from '../http/fixtures.ts';
import { startServer, type Server } from '../http/harness.ts';

// Issue 19, defect 4: one source trickling slow bodies must not starve the others. The body is read
// under a deadline (503 past it, which Alertmanager retries, and the connection closed), and in-flight
// payloads are limited per source as well as in total.
describe('slow bodies', () => {
  let store: TestStore | undefined;
  let s: Server | undefined;
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const sock of sockets.splice(0)) sock.destroy();
    await s?.close();
    await store?.cleanup();
    s = store = undefined;
  });

  /** Sends headers and the first bytes of a body that never finishes; collects what comes back. */
  function trickle(url: string, token: string): { socket: net.Socket; answer: () => string } {
    const { port } = new URL(url);
    const socket = net.connect(Number(port), '127.0.0.1');
    sockets.push(socket);
    let got = '';
    socket.on('data', (d) => (got += d.toString()));
    socket.on('error', () => undefined);
    socket.write(
      `POST /api/v1/alerts/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"version":"4",`,
    );
    return { socket, answer: () => got };
  }

  it('a source trickling bodies fills only its own share; the others are served and the slow ones are cut off', async () => {
    store = await openSqliteTestStore();
    s = await startServer(store, { maxInFlight: 8, maxInFlightPerSource: 4, bodyTimeoutMs: 2_000 });
    const noisy = await s.source('noisy', 'alertmanager');
    const quiet = await s.source('quiet', 'alertmanager');
    const slow = Array.from({ length: 10 }, () => trickle(s!.url, noisy));
    const refused = () => slow.filter((x) => x.answer().startsWith('HTTP/1.1 503') && x.answer().includes('in flight'));
    const late = () => slow.filter((x) => x.answer().startsWith('HTTP/1.1 503') && x.answer().includes('did not arrive'));
    // The noisy source is at its share: more of its requests are refused at once.
    await waitFor(() => refused().length >= 1, { message: 'the noisy source refused beyond its share' });
    expect(refused()[0].answer()).toContain('source noisy has 4 alert payloads in flight');

    const post = (token: string) =>
      fetch(`${s!.url}/api/v1/alerts/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(fixture('alertmanager/firing.json')),
      });
    expect((await post(quiet)).status).toBe(200);

    // Those that held a slot are cut off at the deadline (503 + Retry-After, so a real sender
    // retries), their connections closed, and the slots come back.
    await waitFor(() => refused().length + late().length === slow.length, { message: 'every slow request answered', timeout: 30_000 });
    expect(late().length).toBeGreaterThanOrEqual(4);
    for (const x of late()) {
      expect(x.answer()).toMatch(/retry-after: 1/i);
      expect(x.answer()).toContain('the request body did not arrive within 2000 ms');
      await waitFor(() => x.socket.destroyed || x.socket.readableEnded, { message: 'the connection closed' });
    }
    expect((await post(noisy)).status).toBe(200);
  });

  it('the server has deliberate header and request timeouts, not Node’s five minutes', () => {
    const server = createHttpServer(() => undefined, 3_000);
    expect(server.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    expect(server.requestTimeout).toBeLessThanOrEqual(HEADERS_TIMEOUT_MS + 3_000 + 5_000);
    expect(server.requestTimeout).toBeGreaterThan(3_000);
  });
});
