import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { startBotRig, type BotRig } from '../bot/helpers.ts';

// Issue 19, defect 1: a chat command runs once per message_id. When its reply fails, Lark
// redelivers the message; the redelivery replays the recorded replies and never the command, so it
// cannot undo what happened in between (here: an admin reopened the incident).
describe('a redelivered chat command', () => {
  let rig: BotRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('whose reply failed is not run again: the redelivery only sends the reply', async () => {
    // Real-time retry schedule (first retry 15 s later), so the test redelivers by hand, after the reopen.
    rig = await startBotRig({ emulator: { timeScale: 1 } });
    const alice = await rig.person('Alice', 'responder');
    const ada = await rig.person('Ada', 'admin');
    const chat = await rig.group('ops', [alice, ada]);
    const n = await rig.fire('Payroll');
    await rig.cardIn(chat, n);
    await rig.settled();

    // Lark answers 500 to every reply while Alice resolves.
    await rig.emu.control('POST', '/__emulator/faults', { error_rate: { path_prefix: '/open-apis/im/v1/messages/', rate: 1, status: 500 } });
    const id = await rig.say({ chat_id: chat }, alice, `resolve ${n}`);
    const events = async () =>
      (await rig!.emu.control('GET', '/__emulator/events?type=im.message.receive_v1')).items.find(
        (e: any) => e.envelope.event.message.message_id === id,
      );
    const rec = await waitFor(async () => {
      const e = await events();
      return e?.status === 'retry_scheduled' ? e : null;
    }, { message: 'the first delivery failed (its reply could not be sent)' });
    expect((await rig.incident(n)).status).toBe('resolved');
    await rig.emu.control('POST', '/__emulator/faults', { error_rate: null });

    // Meanwhile an admin reopens the incident.
    const reopen = await rig.say({ chat_id: chat }, ada, `reopen ${n}`);
    await rig.repliesTo(chat, reopen);
    expect((await rig.incident(n)).status).toBe('triggered');

    // Lark's redelivery of Alice's message: the reply goes out, the incident stays reopened.
    const again = rig.emu.context.delivery.pushEvent(structuredClone(rec.envelope));
    await waitFor(() => again.acked, { message: 'redelivery acked' });
    const [reply] = await rig.repliesTo(chat, id);
    expect(reply.content.text).toBe(`#${n} resolved by Alice.`);
    await rig.settled();
    expect((await rig.incident(n)).status).toBe('triggered');
    expect((await rig.timeline(n)).filter((t) => /resolved/i.test(t))).toHaveLength(1);
  });
});
