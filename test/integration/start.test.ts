import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogs } from '../helpers/logs.ts';
import { ADMIN_TOKEN, startRig, waitReady, type Rig } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';

describe('hark start against the emulator', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('reports the long connection in /readyz and logs each Lark event by type', async () => {
    const { logger, lines } = captureLogs();
    rig = await startRig({ logger });
    expect((await rig.api('GET', '/healthz')).body).toEqual({ status: 'ok' });
    await waitReady(rig);
    const ready = await rig.api('GET', '/readyz');
    expect(ready.body.parts).toMatchObject({ database: true, shared_state: true, lark_connection: true });

    const alice = await rig.emu('POST', '/__emulator/users', { name: 'Alice' });
    const { message_id } = await rig.emu('POST', '/__emulator/messages', {
      p2p_open_id: alice.open_id,
      sender_open_id: alice.open_id,
      text: 'help',
    });
    const line = await waitFor(() => lines.find((l) => l.msg === 'lark event' && l.eventType === 'im.message.receive_v1'), {
      message: 'the message event in the log',
    });
    expect(line.eventId).toBeTruthy();
    expect(message_id).toMatch(/^om_/);
    await waitFor(async () => (await rig!.api('GET', '/metrics')).body.includes('hark_lark_events_total{type="message"} 1'), {
      message: 'the event counted in /metrics',
    });
  });

  it('says which part is not ready when the long connection is down', async () => {
    rig = await startRig();
    await waitReady(rig);
    await rig.emulator.close();
    const res = await waitFor(async () => {
      const r = await rig!.api('GET', '/readyz');
      return r.status === 503 ? r : null;
    });
    expect(res.body.not_ready).toEqual(['lark_connection']);
    expect(res.body.parts.database).toBe(true);
  });

  it('on stop, finishes the request in hand and turns the next one on that kept-alive connection away with 503', async () => {
    rig = await startRig();
    const port = rig.hark.port;
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d) => (received += d.toString()));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // A request whose body has not fully arrived is in hand when the stop begins.
    const body = JSON.stringify({ name: 'late', kind: 'generic' });
    socket.write(
      `POST /api/v1/sources HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body.slice(0, 5)}`,
    );
    // Once those bytes are with the kernel, a round trip on another connection means the server has
    // read them: the request is in Koa, its body parser waiting for the rest.
    await waitFor(() => socket.writableLength === 0, { message: 'request headers flushed' });
    expect((await rig.api('GET', '/healthz')).status).toBe(200);
    const stopped = rig.hark.stop();
    socket.write(body.slice(5));
    await waitFor(() => /^HTTP\/1\.1 201/.test(received), { message: 'the request in hand answered 201' });
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    await stopped;
    const second = received.slice(received.indexOf('HTTP/1.1', 1));
    expect(second).toMatch(/^HTTP\/1\.1 503/);
    expect(second.toLowerCase()).toContain('connection: close');
    expect(second).toContain('Hark is stopping');
    // What was accepted before the stop is kept.
    expect(received).toContain('"name":"late"');
  });
});
