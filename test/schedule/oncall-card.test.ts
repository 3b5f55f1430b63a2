import { afterEach, describe, expect, it } from 'vitest';
import type { ScheduleService } from '../../src/schedule/service.ts';
import { buttonValue, startBotRig, textOf, type BotRig } from '../bot/helpers.ts';
import { waitFor } from '../helpers/wait.ts';

// `@Hark oncall` / `值班` and the Take over button, through the emulator with the real SDK over the
// long connection. The schedule's rotation started long ago, so "now" is on it whatever the date.

describe('the oncall card and Take over', () => {
  let rig: BotRig | undefined;
  let schedules: ScheduleService;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  // The schedule service buildHark built, behind the bot's `oncall` and Take over as in production.
  async function startRig() {
    const r = await startBotRig();
    rig = r;
    schedules = r.hark.schedules.service;
    return r;
  }

  const rotation = (members: string[]) => ({
    time_zone: 'Asia/Shanghai',
    layers: [{ members, rotation: { every: '1w', handoff: '09:00', start: '2020-01-06' } }],
  });

  it('answers @Hark oncall in a group with the schedules behind its subscriptions, in English', async () => {
    const r = await startRig();
    const alice = await r.person('Alice', 'responder');
    await r.person('Bob', 'responder');
    await schedules.put('primary', rotation(['alice@example.com', 'bob@example.com']), { name: 'admin', via: 'api' });
    await schedules.put('other', rotation(['bob@example.com']), { name: 'admin', via: 'api' });
    const chat = await r.group('ops', [alice]);
    // Without an escalation policy naming a schedule, the group is told how to ask.
    const first = await r.say({ chat_id: chat }, alice, 'oncall', { mention: true });
    expect(textOf((await r.repliesTo(chat, first))[0])).toContain("No schedule is behind this group's subscriptions");

    await r.store.db
      .updateTable('sources')
      .set({ escalation: JSON.stringify({ levels: [{ targets: [{ schedule: 'primary' }], wait_minutes: 5 }], repeat: 0 }) })
      .where('id', '=', r.source.id)
      .execute();
    const asked = await r.say({ chat_id: chat }, alice, 'oncall', { mention: true });
    const [reply] = await r.repliesTo(chat, asked);
    const text = textOf(reply);
    expect(text).toContain('Who is on call');
    expect(text).toContain('**primary**');
    expect(text).not.toContain('**other**');
    expect(text).toMatch(/On call now: \*\*(Alice|Bob)\*\*/);
    expect(text).toMatch(/Until \w{3} \d{1,2} \w{3} 09:00, then: (Alice|Bob)/);
    expect(buttonValue(reply.content, 'take_over')).toEqual({ v: 1, op: 'take_over', schedule: 'primary' });
  });

  it('answers 值班 <name> in Chinese in a private chat, and says so for an unknown schedule', async () => {
    const r = await startRig();
    const alice = await r.person('Alice', 'responder');
    await schedules.put('db', rotation(['alice@example.com']), { name: 'admin', via: 'api' });
    const asked = await r.say({ p2p_open_id: alice }, alice, '值班 db');
    const reply = await waitFor(async () => (await r.messages({ open_id: alice })).find((m) => m.msg_type === 'interactive' && textOf(m).includes('当前值班')), {
      message: 'oncall card in the private chat',
    });
    expect(textOf(reply)).toContain('当前值班：**Alice**');
    expect(textOf(reply)).not.toContain('On call now');
    void asked;
    await r.say({ p2p_open_id: alice }, alice, 'oncall nope');
    await waitFor(async () => (await r.messages({ open_id: alice })).some((m) => textOf(m).includes('No schedule named **nope**')), { message: 'unknown schedule answer' });
  });

  it('Take over makes the presser on call until the end of the shift, on the card and on the schedule timeline', async () => {
    const r = await startRig();
    const alice = await r.person('Alice', 'responder');
    const carol = await r.person('Carol', 'responder');
    // Only the schedule's people (any layer) and admins may take it over (issue 29): Carol is on standby.
    const spec = rotation(['alice@example.com']);
    const standby = { ...spec.layers[0], members: ['carol@example.com'], restrictions: [{ days: ['mon'], from: '09:00', to: '09:01' }] };
    await schedules.put('primary', { ...spec, layers: [...spec.layers, standby] }, { name: 'admin', via: 'api' });
    const chat = await r.group('ops', [alice, carol]);
    const asked = await r.say({ chat_id: chat }, carol, 'oncall primary', { mention: true });
    const [card] = await r.repliesTo(chat, asked);
    expect(textOf(card)).toContain('On call now: **Alice**');

    const answer = await r.click(card.message_id, carol, buttonValue(card.content, 'take_over'));
    expect(answer.toast.type).toBe('success');
    expect(answer.toast.content).toMatch(/^You are on call for primary until \w{3} \d{1,2} \w{3} 09:00\.$/);
    expect(answer.toast.i18n.zh_cn).toContain('你已接手 primary 的值班');
    const shown = JSON.stringify(answer.card.data);
    expect(shown).toContain('On call now: **Carol**');
    expect(shown).toMatch(/\*\*Carol\*\* took over \*\*primary\*\* until/);
    // The clicked copy in the chat shows it too.
    const copy = (await r.messages({ chat_id: chat })).find((m) => m.message_id === card.message_id)!;
    expect(textOf(copy)).toContain('On call now: **Carol**');

    const now = await schedules.oncall('primary');
    expect(now.members).toEqual([{ name: 'Carol', email: 'carol@example.com' }]);
    const view = await schedules.view('primary');
    const timeline = view.timeline as { message: string; actor: string; via: string }[];
    expect(timeline[0]).toMatchObject({ actor: 'Carol', via: 'card' });
    expect(timeline[0].message).toMatch(/^Carol took over from Alice until .+ \(Take over on a card\)$/);
    expect(view.overrides).toMatchObject([{ member: { name: 'Carol' }, created_by: 'Carol' }]);

    // A second press says so and adds nothing.
    const again = await r.click(card.message_id, carol, buttonValue(answer.card.data, 'take_over'));
    expect(again.toast.content).toBe('You are already the one on call for primary.');
    expect(((await schedules.view('primary')).overrides as unknown[]).length).toBe(1);
  });

  it('refuses a viewer, and sends an unlinked person the link card without changing anything', async () => {
    const r = await startRig();
    const alice = await r.person('Alice', 'responder');
    const victor = await r.person('Victor', 'viewer');
    const dora = await r.person('Dora');
    await schedules.put('primary', rotation(['alice@example.com']), { name: 'admin', via: 'api' });
    const chat = await r.group('ops', [alice, victor, dora]);
    const asked = await r.say({ chat_id: chat }, alice, 'oncall primary', { mention: true });
    const [card] = await r.repliesTo(chat, asked);
    const value = buttonValue(card.content, 'take_over');
    const refused = await r.click(card.message_id, victor, value);
    expect(refused.toast.type).toBe('error');
    expect(refused.toast.content).toContain('viewer');
    const unlinked = await r.click(card.message_id, dora, value);
    expect(unlinked.toast.content).toBe("You haven't linked your Lark account to Hark yet — I've sent you a link.");
    expect((await schedules.oncall('primary')).members).toEqual([{ name: 'Alice', email: 'alice@example.com' }]);
  });
});
