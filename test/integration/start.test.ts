import { afterEach, describe, expect, it } from 'vitest';
import { captureLogs } from '../helpers/logs.ts';
import { startRig, waitReady, type Rig } from '../helpers/hark.ts';
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
});
