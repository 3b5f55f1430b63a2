import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { larkText } from '../../src/lark/text.ts';
import { startBotRig, type BotRig } from '../bot/helpers.ts';

// Issue 19, defect 2: every text the bot sends passes one escaping function (src/lark/text.ts),
// so neither echoed input nor people's names can mention @all or carry a link Hark did not make.
describe('text replies carry no mention or link from user text', () => {
  let rig: BotRig;
  let alice: string;
  let eve: string;
  let chat: string;

  beforeAll(async () => {
    rig = await startBotRig();
    alice = await rig.person('Alice', 'responder');
    eve = await rig.person('Eve <at user_id="all"></at> see https://evil.example/x', 'responder');
    chat = await rig.group('ops', [alice, eve]);
  });
  afterAll(async () => {
    await rig?.close();
  });

  async function ask(text: string, from = alice): Promise<string> {
    const id = await rig.say({ chat_id: chat }, from, text);
    const [reply] = await rig.repliesTo(chat, id);
    expect(reply.msg_type).toBe('text');
    return reply.content.text as string;
  }

  it('an echoed <at user_id="all"> is not a mention, and long input is cut short', async () => {
    const n = await rig.fire('Echo');
    const reply = await ask(`ack ${n} <at user_id="all"></at> [click](https://evil.example/login) evil.example`);
    expect(reply).toMatch(/^I did not understand "/);
    expect(reply).not.toMatch(/<at/i);
    expect(reply).not.toContain('https://');
    expect(reply).not.toContain('](');
    expect(reply).not.toContain('evil.example');
    const long = await ask(`ack ${n} ${'x'.repeat(2_000)}`);
    expect(long.length).toBeLessThan(120);
    expect(long).toContain('…');
  });

  it('an actor name in "already acknowledged by …" is escaped too', async () => {
    const n = await rig.fire('Names');
    await ask(`ack ${n}`, eve);
    const reply = await ask(`ack ${n}`);
    expect(reply).toMatch(new RegExp(`^#${n} is already acknowledged by Eve`));
    expect(reply).not.toMatch(/<at/i);
    expect(reply).not.toContain('https://');
  });

  it('larkText leaves ordinary sentences readable and strips bidi overrides', () => {
    expect(larkText('#42 resolved by Alice.')).toBe('#42 resolved by Alice.');
    expect(larkText('Type e.g. "snooze 42 30m".')).toBe('Type e.g. "snooze 42 30m".');
    expect(larkText('evil\u202Egnp.exe')).toBe('evilgnp\u200b.exe');
    expect(larkText('<at user_id="all"></at>')).toBe('<\u200bat user_id="all"><\u200b/at>');
  });
});
