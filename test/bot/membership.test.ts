import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { buttonValue, startBotRig, textOf, type BotRig } from './helpers.ts';

describe('groups joining and leaving', () => {
  let rig: BotRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('bot added: the group is recorded under its real name and gets the welcome card once', async () => {
    rig = await startBotRig();
    const ada = await rig.person('Ada', 'admin');
    const chat = await rig.group('sre-war-room', [ada], { subscribe: false });
    expect(await rig.delivery.chats.get(chat)).toMatchObject({ name: 'sre-war-room', status: 'active' });
    const welcome = await waitFor(async () => (await rig!.messages({ chat_id: chat })).find((m) => m.msg_type === 'interactive'), {
      message: 'welcome card',
    });
    expect(textOf(welcome)).toContain('subscribe prom');
    expect(welcome.uuid).toMatch(/^hark-/);
    // The same bot-added event again posts nothing new.
    const rec = (await rig.emu.control('GET', '/__emulator/events?type=im.chat.member.bot.added_v1')).items.find(
      (e: any) => e.envelope.event.chat_id === chat,
    );
    const again = rig.emu.context.delivery.pushEvent(structuredClone(rec.envelope));
    await waitFor(() => again.acked, { message: 'redelivery acked' });
    await rig.settled();
    expect((await rig.messages({ chat_id: chat })).filter((m) => m.msg_type === 'interactive')).toHaveLength(1);
  });

  it('bot added to 60 groups at once: each gets its welcome card once, and Lark never refuses a send', async () => {
    rig = await startBotRig();
    const ada = await rig.person('Ada', 'admin');
    // More groups than Lark's 50 sends a second per app: posting every welcome card as its event
    // arrived ran into 429s; through the outbox they are paced with everything else.
    const chats = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => (await rig!.emu.control('POST', '/__emulator/chats', { name: `team-${i}`, members: [ada], add_bot: true })).chat_id as string),
    );
    await waitFor(async () => {
      for (const chat of chats) if ((await rig!.messages({ chat_id: chat })).length === 0) return false;
      return true;
    }, { message: 'a welcome card in every group', timeout: 60_000 });
    await rig.settled();
    for (const chat of chats) {
      const cards = (await rig.messages({ chat_id: chat })).filter((m) => m.msg_type === 'interactive');
      expect(cards).toHaveLength(1);
      expect(textOf(cards[0])).toContain('subscribe prom');
    }
    const stats = await rig.emu.control('GET', '/__emulator/stats');
    expect({ http_429: stats.http_429, code_230020: stats.code_230020 }).toEqual({ http_429: 0, code_230020: 0 });
  });

  it('bot removed: no more cards there, and linked admins are told privately which subscriptions stopped', async () => {
    rig = await startBotRig();
    const ada = await rig.person('Ada', 'admin');
    const rui = await rig.person('Rui', 'responder');
    const gone = await rig.group('payments', [ada, rui]);
    const stays = await rig.group('platform', [ada, rui]);
    const n1 = await rig.fire('BeforeRemoval');
    await rig.cardIn(gone, n1);
    await rig.cardIn(stays, n1);

    await rig.emu.control('POST', `/__emulator/chats/${gone}/bot`, { present: false, operator_open_id: rui });
    await waitFor(async () => (await rig!.delivery.chats.get(gone))?.status === 'removed', { message: 'chat marked removed' });
    const notice = await waitFor(async () => (await rig!.messages({ open_id: ada })).find((m) => m.msg_type === 'text'), {
      message: 'admin notice',
    });
    expect(notice.content.text).toContain('Hark was removed from group "payments"; these subscriptions stopped: prom (info+).');
    expect(notice.content.text).toContain('Hark 已被移出群"payments"');
    expect(await rig.messages({ open_id: rui })).toHaveLength(0); // not an admin

    const n2 = await rig.fire('AfterRemoval', 'critical');
    await rig.cardIn(stays, n2);
    await rig.settled();
    const inGone = await rig.messages({ chat_id: gone });
    expect(inGone.some((m) => textOf(m).includes('AfterRemoval'))).toBe(false);
  });

  it('group disbanded: marked, admins told, nothing new sent there', async () => {
    rig = await startBotRig();
    const ada = await rig.person('Ada', 'admin');
    const chat = await rig.group('temp-bridge', [ada]);
    await rig.cardIn(chat, await rig.fire('Bridge'));
    await rig.emu.control('POST', `/__emulator/chats/${chat}/disband`, { operator_open_id: ada });
    await waitFor(async () => (await rig!.delivery.chats.get(chat))?.status === 'disbanded', { message: 'chat marked disbanded' });
    const notice = await waitFor(async () => (await rig!.messages({ open_id: ada })).find((m) => m.msg_type === 'text'));
    expect(notice.content.text).toContain('Group "temp-bridge" was disbanded; these subscriptions stopped: prom (info+).');
    await rig.fire('AfterDisband', 'critical');
    await rig.settled();
    expect((await rig.messages({ chat_id: chat })).some((m) => textOf(m).includes('AfterDisband'))).toBe(false);
  });

  it('another copy of a clicked card is updated through the outbox', async () => {
    rig = await startBotRig();
    const rui = await rig.person('Rui', 'responder');
    const a = await rig.group('team-a', [rui]);
    const b = await rig.group('team-b', [rui]);
    const n = await rig.fire('TwoCopies');
    const cardA = await rig.cardIn(a, n);
    const cardB = await rig.cardIn(b, n);
    const original = (await rig.messages({ chat_id: a })).find((m) => m.message_id === cardA)!;
    await rig.click(cardA, rui, buttonValue(original.content, 'ack'));
    const copy = await waitFor(async () => {
      const m = (await rig!.messages({ chat_id: b })).find((x) => x.message_id === cardB)!;
      return m.update_count > 0 ? m : null;
    }, { message: 'copy in team-b patched' });
    expect(() => buttonValue(copy.content, 'ack')).toThrow();
    expect(textOf(copy)).toContain('Rui');
    await rig.settled();
    // The clicked copy was answered by the callback and marked fresh: the outbox did not patch it again.
    const clicked = (await rig.messages({ chat_id: a })).find((m) => m.message_id === cardA)!;
    expect(clicked.update_count).toBe(1);
  });
});
