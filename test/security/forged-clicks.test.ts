import { afterEach, describe, expect, it } from 'vitest';
import { startBotRig, textOf, type BotRig } from '../bot/helpers.ts';

// Issue 19, defect 3: a card callback's value is whatever the click carried. A button may only act
// on the incident whose card was clicked (Hark stored each copy's message id when it sent it); a
// mismatched or unknown value gets a toast the clicker alone sees, no card, and no incident data.
describe('forged button values', () => {
  let rig: BotRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  async function setup() {
    const r = (rig = await startBotRig());
    const alice = await r.person('Alice', 'responder');
    const mallory = await r.person('Mallory'); // an employee who never linked
    const ops = await r.group('ops', [alice]);
    const lobby = await r.group('lobby', [alice, mallory], { subscribe: false });
    const open = await r.fire('DiskFull');
    const secret = await r.fire('SECRET payroll');
    const openCard = await r.cardIn(ops, open);
    await r.cardIn(ops, secret);
    await r.settled();
    const welcome = (await r.messages({ chat_id: lobby })).find((m) => m.msg_type === 'interactive')!;
    return { r, alice, mallory, ops, lobby, open, secret, openCard, welcome };
  }

  const copy = async (r: BotRig, chat: string, messageId: string) => (await r.messages({ chat_id: chat })).find((m) => m.message_id === messageId)!;

  it('an incident value on the welcome card: a toast only; the welcome card stays and nothing leaks', async () => {
    const { r, alice, mallory, lobby, secret, welcome } = await setup();
    for (const [who, value] of [
      [mallory, { v: 1, op: 'ack', incident: secret }],
      [alice, { v: 1, op: 'ack', incident: secret }],
      [mallory, { v: 9, incident: secret }], // not a value Hark knows, naming an incident
      [alice, { incident: `#${secret}` }],
    ] as const) {
      const answer = await r.click(welcome.message_id, who, value);
      expect(answer.card).toBeUndefined();
      expect(answer.toast.type).toBe('warning');
      expect(JSON.stringify(answer)).not.toContain('payroll');
    }
    await r.settled();
    const after = await copy(r, lobby, welcome.message_id);
    expect(after.update_count).toBe(welcome.update_count);
    expect(textOf(after)).not.toContain('payroll');
    expect((await r.incident(secret)).status).toBe('triggered');
    // Nothing was sent to Mallory either (no link card for a refused forgery).
    expect((await r.messages({ open_id: mallory })).filter((m) => textOf(m).includes('payroll'))).toHaveLength(0);
  });

  it("another incident's value on an incident card: refused privately; neither incident nor the card changes", async () => {
    const { r, alice, ops, open, secret, openCard } = await setup();
    const before = await copy(r, ops, openCard);
    const answer = await r.click(openCard, alice, { v: 1, op: 'resolve', incident: secret });
    expect(answer.card).toBeUndefined();
    expect(answer.toast).toMatchObject({ type: 'warning', content: 'This button does not belong to this card, so Hark did nothing.' });
    await r.settled();
    expect((await r.incident(secret)).status).toBe('triggered');
    expect((await r.incident(open)).status).toBe('triggered');
    expect((await copy(r, ops, openCard)).update_count).toBe(before.update_count);
    // The card's own buttons still work.
    const ok = await r.click(openCard, alice, { v: 1, op: 'ack', incident: open });
    expect(ok.toast.content).toBe(`#${open} acknowledged by Alice.`);
  });
});
