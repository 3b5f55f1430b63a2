import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotRig, textOf, type BotRig } from './helpers.ts';

// `@Hark list` in a group answers with what that group receives, decided by the same routing as the
// cards (delivery/dispatch.ts): a group subscribed with labels {team: pay} never lists a team=search
// incident, because it never got a card for it.
describe('@Hark list follows the group’s label matchers', () => {
  let rig: BotRig;
  let responder: string;
  let pay: string;

  beforeAll(async () => {
    rig = await startBotRig();
    responder = await rig.person('Rui', 'responder');
    pay = await rig.group('pay-oncall', [responder], { subscribe: false });
    await rig.delivery.chats.subscribe(pay, rig.source.name, { labels: { team: 'pay' } });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('lists the team=pay incident it got a card for, not the team=search one', async () => {
    const ours = await rig.fire('PayLatency', 'warning', { team: 'pay' });
    const theirs = await rig.fire('SearchDown', 'critical', { team: 'search' });
    await rig.cardIn(pay, ours);
    await rig.settled();
    const cards = (await rig.messages({ chat_id: pay })).filter((m) => m.msg_type === 'interactive');
    expect(cards.map(textOf).some((t) => t.includes('SearchDown'))).toBe(false);

    const id = await rig.say({ chat_id: pay }, responder, 'list');
    const [reply] = await rig.repliesTo(pay, id);
    expect(reply.msg_type).toBe('interactive');
    expect(textOf(reply)).toContain('PayLatency');
    expect(textOf(reply)).not.toContain('SearchDown');
    expect(theirs).not.toBe(ours);
  });

  it('finds the group’s one incident among 500 newer ones, and counts beyond what fits privately', async () => {
    // Issue 23: the list once took the 50 newest open incidents and filtered them afterwards.
    const ours = await rig.fire('PayOldest', 'warning', { team: 'pay' });
    for (let i = 0; i < 500; i++) await rig.fire(`Noise${i}`, 'warning', { team: 'search' });
    await rig.cardIn(pay, ours);
    await rig.settled();

    const id = await rig.say({ chat_id: pay }, responder, 'list');
    const [reply] = await rig.repliesTo(pay, id);
    expect(textOf(reply)).toContain('PayOldest');
    expect(textOf(reply)).not.toContain('No open incidents for this group');
    expect(textOf(reply)).not.toContain('Noise');

    // Privately, "mine" is every unacknowledged open incident: more than a card shows, counted.
    const open = (await rig.store.db.selectFrom('incidents').select('number').where('status', '=', 'triggered').execute()).length;
    expect(open).toBeGreaterThan(500);
    const dmId = await rig.say({ p2p_open_id: responder }, responder, 'list');
    const dmChat = (await rig.messages({ open_id: responder }))[0].chat_id;
    const [mine] = await rig.repliesTo(dmChat, dmId);
    expect(textOf(mine)).toContain(`My open incidents (${open})`);
    expect(textOf(mine)).toContain(`… and ${open - 20} more`);
  }, 120_000);
});
