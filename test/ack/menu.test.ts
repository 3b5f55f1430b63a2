import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { cardHas, startWorld, type World } from '../paging/world.ts';

// Issue 25: the bot's menu in its private chat (application.bot.menu_v6 through the emulator and the SDK).

describe('bot menu (emulator, hark start)', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('declare, oncall and my_incidents each answer privately; declaring from the menu card opens the incident', async () => {
    w = await startWorld(['Alice']);
    const { Alice } = w.people;
    const dmCard = (text: string) =>
      waitFor(async () => (await w!.dms(Alice.openId)).find((m) => m.msg_type === 'interactive' && cardHas(m, text)), { message: `a private card with "${text}"` });

    await w.rig.emu('POST', '/__emulator/menu', { open_id: Alice.openId, event_key: 'declare' });
    const declare = await dmCard('Declare on payments');
    const value = JSON.parse(/"value":(\{"v":1,"op":"declare"[^}]*\})/.exec(JSON.stringify(declare.content))![1]);
    const done = await w.click(declare.message_id, Alice.openId, value, { form_value: { title: 'Mobile app cannot log in' } });
    const n = Number(/#(\d+) declared on payments/.exec(JSON.stringify(done))?.[1]);
    expect(n).toBeGreaterThan(0);

    await w.rig.emu('POST', '/__emulator/menu', { open_id: Alice.openId, event_key: 'my_incidents' });
    expect(cardHas(await dmCard('Mobile app cannot log in'), `#${n}`)).toBe(true);

    await w.rig.emu('POST', '/__emulator/menu', { open_id: Alice.openId, event_key: 'oncall' });
    await waitFor(async () => (await w!.dms(Alice.openId)).some((m) => JSON.stringify(m.content).match(/on call|schedule/i) && !cardHas(m, 'Declare')), {
      message: 'the on-call answer',
    });

    // Lark's keys are 1–30 characters; the emulator refuses longer ones in words.
    await expect(w.rig.emu('POST', '/__emulator/menu', { open_id: Alice.openId, event_key: 'x'.repeat(31) })).rejects.toThrow(/event_key: String must contain at most 30/);
  });
});
