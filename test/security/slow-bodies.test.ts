import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, HEADERS_TIMEOUT_MS } from '../../src/http/server.ts';
import { openSqliteTestStore, type TestStore } from '../helpers/store.ts';
import { waitFor } from '../helpers/wait.ts';
import { fixture } from '../http/fixtures.ts';
import { startServer, type Server } from '../http/harness.ts';

// Issue 19, defect 4: one source trickling slow bodies must not starve the others. The body is read
// under a deadline (408 past it), and in-flight payloads are limited per source as well as in total.
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

  it('a source trickling bodies fills only its own share; the others are served and the slow ones get 408', async () => {
    store = await openSqliteTestStore();
    s = await startServer(store, { maxInFlight: 8, maxInFlightPerSource: 4, bodyTimeoutMs: 400 });
    const noisy = await s.source('noisy', 'alertmanager');
    const quiet = await s.source('quiet', 'alertmanager');
    const slow = Array.from({ length: 10 }, () => trickle(s!.url, noisy));
    // The slow requests are all in (the ones over the noisy source's share are already refused).
    await waitFor(() => slow.filter((x) => x.answer().startsWith('HTTP/1.1 503')).length === 6, { message: 'six refused at once' });

    const post = (token: string) =>
      fetch(`${s!.url}/api/v1/alerts/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(fixture('alertmanager/firing.json')),
      });
    const served = await post(quiet);
    expect(served.status).toBe(200);

    // The four that held a slot are cut off at the deadline with a JSON 408, and the slots come back.
    await waitFor(() => slow.filter((x) => x.answer().startsWith('HTTP/1.1 408')).length === 4, { message: 'four 408s' });
    for (const x of slow.filter((y) => y.answer().startsWith('HTTP/1.1 408'))) {
      expect(x.answer()).toContain('"code":"timeout"');
      expect(x.answer()).toContain('did not arrive within 400 ms');
      await waitFor(() => x.socket.destroyed || x.socket.readableEnded, { message: 'the connection closed' });
    }
    expect(slow.filter((x) => x.answer().startsWith('HTTP/1.1 503'))[0].answer()).toContain('source noisy has 4 alert payloads in flight');
    expect((await post(noisy)).status).toBe(200);
  });

  it('the server has deliberate header and request timeouts, not Node’s five minutes', () => {
    const server = createHttpServer(() => undefined, 3_000);
    expect(server.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    expect(server.requestTimeout).toBeLessThanOrEqual(HEADERS_TIMEOUT_MS + 3_000 + 5_000);
    expect(server.requestTimeout).toBeGreaterThan(3_000);
  });
});
