import { afterEach, describe, expect, it } from 'vitest';
import { buttonValue, startBotRig, textOf, type BotRig } from '../bot/helpers.ts';

// Issue 29, item 5: escalate, page, silence, unsilence, room and take_over were dispatched before
// the card-binding check, so a forged value pressed on any card phoned people, silenced another
// team's alerts or turned an incident card into an on-call card. Every operation is now bound to
// the card it was pressed on; anything else gets a toast for the presser only and changes nothing.
describe('forged values for escalate, page, silence, room and take over', () => {
  let rig: BotRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  const NOT_THIS_CARD = 'This button does not belong to this card, so Hark did nothing.';

  async function setup() {
    const r = (rig = await startBotRig());
    const schedules = r.hark.schedules.service;
    const alice = await r.person('Alice', 'responder');
    const bob = await r.person('Bob', 'responder');
    const ops = await r.group('ops', [alice, bob]);
    const lobby = await r.group('lobby', [alice], { subscribe: false });
    const open = await r.fire('DiskFull');
    const secret = await r.fire('SECRET payroll', 'critical');
    const openCard = await r.cardIn(ops, open);
    await r.cardIn(ops, secret);
    await r.settled();
    const welcome = (await r.messages({ chat_id: lobby })).find((m) => m.msg_type === 'interactive')!;
    const bobId = (await r.store.db.selectFrom('members').select('id').where('name', '=', 'Bob').executeTakeFirstOrThrow()).id;
    const layer = (members: string[]) => ({ time_zone: 'UTC', layers: [{ members, rotation: { every: '1w', handoff: '09:00', start: '2020-01-06' } }] });
    await schedules.put('primary', layer(['bob@example.com']), { name: 'admin', via: 'api' });
    await schedules.put('other', layer(['bob@example.com']), { name: 'admin', via: 'api' });
    return { r, alice, bob, ops, lobby, open, secret, openCard, welcome, bobId };
  }

  const copy = async (r: BotRig, chat: string, messageId: string) => (await r.messages({ chat_id: chat })).find((m) => m.message_id === messageId)!;

  it('page, escalate, silence, unsilence and room values on the welcome card or another incident card: a toast, nothing else', async () => {
    const { r, alice, bob, ops, lobby, open, secret, openCard, welcome, bobId } = await setup();
    const openBefore = await copy(r, ops, openCard);
    const forged: [string, Record<string, unknown>][] = [
      [welcome.message_id, { v: 1, op: 'page', incident: secret, member: bobId }],
      [welcome.message_id, { v: 1, op: 'escalate', incident: secret }],
      [welcome.message_id, { v: 1, op: 'silence', incident: secret, duration: '30d' }],
      [welcome.message_id, { v: 1, op: 'unsilence', incident: secret }],
      [welcome.message_id, { v: 1, op: 'room', incident: secret }],
      [openCard, { v: 1, op: 'page', incident: secret, member: bobId }],
      [openCard, { v: 1, op: 'silence', incident: secret, duration: '30d' }],
      [openCard, { v: 1, op: 'room', incident: secret }],
    ];
    for (const [messageId, value] of forged) {
      const answer = await r.click(messageId, alice, value);
      expect(answer.toast, JSON.stringify(value)).toMatchObject({ type: "warning", content: NOT_THIS_CARD });
      expect(answer.card).toBeUndefined();
      expect(JSON.stringify(answer)).not.toContain('payroll');
    }
    await r.settled();
    // Nobody was paged, the welcome card and the other incident's card were not redrawn.
    expect((await r.messages({ open_id: bob })).filter((m) => textOf(m).includes('payroll'))).toHaveLength(0);
    expect((await copy(r, lobby, welcome.message_id)).update_count).toBe(welcome.update_count);
    expect(textOf(await copy(r, lobby, welcome.message_id))).not.toContain('payroll');
    expect((await copy(r, ops, openCard)).update_count).toBe(openBefore.update_count);
    const timeline = await r.timeline(secret);
    expect(timeline.filter((t) => /added Bob|escalated|silenced|war room/.test(t))).toEqual([]);
    void open;
  });

  it('take over only on an oncall card that carries that schedule: not on an incident card, the welcome card, or for another schedule', async () => {
    const { r, alice, bob, ops, lobby, openCard, welcome } = await setup();
    const before = await copy(r, ops, openCard);
    for (const [messageId, schedule] of [
      [openCard, 'primary'],
      [welcome.message_id, 'primary'],
    ]) {
      const answer = await r.click(messageId, alice, { v: 1, op: 'take_over', schedule });
      expect(answer.toast).toMatchObject({ type: "warning", content: NOT_THIS_CARD });
      expect(answer.card).toBeUndefined();
    }
    await r.settled();
    expect((await copy(r, ops, openCard)).update_count).toBe(before.update_count);
    expect(textOf(await copy(r, ops, openCard))).not.toContain('Who is on call');
    expect((await copy(r, lobby, welcome.message_id)).update_count).toBe(welcome.update_count);

    // The oncall card for "primary": its own button works; a value naming "other" does not.
    const asked = await r.say({ chat_id: lobby }, alice, 'oncall primary', { mention: true });
    const [card] = await r.repliesTo(lobby, asked);
    expect(buttonValue(card.content, 'take_over')).toEqual({ v: 1, op: 'take_over', schedule: 'primary' });
    const wrong = await r.click(card.message_id, bob, { v: 1, op: 'take_over', schedule: 'other' });
    expect(wrong.toast).toMatchObject({ type: "warning", content: NOT_THIS_CARD });
    const right = await r.click(card.message_id, bob, { v: 1, op: 'take_over', schedule: 'primary' });
    expect(right.toast.content).toContain('primary');
    expect(right.toast.content).not.toBe(NOT_THIS_CARD);
  });
});
