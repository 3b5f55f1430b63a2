import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { startBotRig, textOf, type BotRig } from './helpers.ts';

// One rig for the whole file: commands are independent enough, and each test fires its own incidents.
describe('chat commands (README "In chat") in a group after @Hark and in a private chat', () => {
  let rig: BotRig;
  let admin: string;
  let responder: string;
  let viewer: string;
  let stranger: string;
  let chat: string;

  beforeAll(async () => {
    rig = await startBotRig();
    admin = await rig.person('Ada', 'admin');
    responder = await rig.person('Rui', 'responder');
    viewer = await rig.person('Vera', 'viewer');
    stranger = await rig.person('Sam');
    chat = await rig.group('payments-oncall', [admin, responder, viewer, stranger]);
  });
  afterAll(async () => {
    await rig?.close();
  });

  /** Sends a command and returns the single reply's text (card replies: their JSON). */
  async function ask(text: string, from = responder, where: { chat_id: string } | { p2p_open_id: string } = { chat_id: chat }) {
    const id = await rig.say(where, from, text);
    const chatId = 'chat_id' in where ? where.chat_id : (await rig.messages({ open_id: where.p2p_open_id }))[0].chat_id;
    const [reply] = await rig.repliesTo(chatId, id);
    return reply;
  }
  const dm = (who: string) => ({ p2p_open_id: who });

  it('help / 帮助 and anything unknown answer with the help card', async () => {
    for (const text of ['help', '帮助', 'what is this', '你好']) {
      const r = await ask(text);
      expect(r.msg_type).toBe('interactive');
      expect(textOf(r)).toContain('subscribe');
    }
    const zh = await ask('帮助');
    expect(textOf(zh)).toMatch(/[\u4e00-\u9fff]/);
    const priv = await ask('help', responder, dm(responder));
    expect(priv.msg_type).toBe('interactive');
  });

  it('ack / 认领 with 42 or #42, unack / 取消认领, snooze / 暂缓, resolve / 关闭 / 解决, reopen / 重新打开', async () => {
    const n = await rig.fire('CmdLifecycle');
    expect((await ask(`ack ${n}`)).content.text).toBe(`#${n} acknowledged by Rui.`);
    expect((await ask(`ack #${n}`, admin)).content.text).toMatch(new RegExp(`^#${n} is already acknowledged by Rui at \\d\\d:\\d\\d UTC\\.$`));
    expect((await ask(`取消认领 #${n}`)).content.text).toBe(`#${n} 已由 Rui取消认领。`);
    expect((await ask(`认领 ${n}`)).content.text).toBe(`#${n} 已由 Rui认领。`);
    expect((await ask(`unack ${n}`)).content.text).toBe(`#${n} unacknowledged by Rui.`);
    expect((await ask(`snooze ${n} 30m`)).content.text).toMatch(new RegExp(`^#${n} snoozed by Rui for 30m, until (?:\\d{4}-\\d\\d-\\d\\d )?\\d\\d:\\d\\d UTC\\.$`));
    expect((await ask(`暂缓 ${n} 2小时`)).content.text).toMatch(new RegExp(`^#${n} 已由 Rui暂缓（2h，至 (?:\\d{4}-\\d\\d-\\d\\d )?\\d\\d:\\d\\d UTC）。$`));
    expect((await ask(`resolve ${n}`)).content.text).toBe(`#${n} resolved by Rui.`);
    expect((await ask(`关闭 ${n}`)).content.text).toMatch(new RegExp(`^#${n} 已经由 Rui 于 \\d\\d:\\d\\d UTC 关闭。$`));
    expect((await ask(`重新打开 ${n}`)).content.text).toBe(`#${n} 已由 Rui重新打开。`);
    expect((await ask(`解决 #${n}`, admin)).content.text).toBe(`#${n} 已由 Ada关闭。`);
    expect((await ask(`reopen ${n}`)).content.text).toBe(`#${n} reopened by Rui.`);
    const kinds = await rig.store.db.selectFrom('timeline').select(['kind', 'via']).where('incident_number', '=', n).where('via', '=', 'command').execute();
    expect(kinds.map((k) => k.kind)).toEqual(['ack', 'unack', 'ack', 'unack', 'snooze', 'snooze', 'resolve', 'reopen', 'resolve', 'reopen']);
  });

  it('works the same in a private chat', async () => {
    const n = await rig.fire('CmdPrivate');
    const r = await ask(`ack ${n}`, responder, dm(responder));
    expect(r.content.text).toBe(`#${n} acknowledged by Rui.`);
    expect((await rig.incident(n)).status).toBe('acknowledged');
    expect((await ask(`resolve ${n}`, responder, dm(responder))).content.text).toBe(`#${n} resolved by Rui.`);
  });

  it('replying "ack" to an incident card needs no number', async () => {
    const n = await rig.fire('CmdReply');
    const card = await rig.cardIn(chat, n);
    const id = await rig.say({ chat_id: chat }, responder, 'ack', { parent_id: card });
    const [reply] = await rig.repliesTo(chat, id);
    expect(reply.content.text).toBe(`#${n} acknowledged by Rui.`);
    const id2 = await rig.say({ chat_id: chat }, responder, '关闭', { parent_id: card });
    expect((await rig.repliesTo(chat, id2))[0].content.text).toBe(`#${n} 已由 Rui关闭。`);
    // Without a card to reply to, Hark asks which incident.
    expect((await ask('ack')).content.text).toContain('Which incident?');
  });

  it('refusals are one sentence in the writer’s language', async () => {
    const n = await rig.fire('CmdRefusals');
    expect((await ask(`ack ${n}`, viewer)).content.text).toBe(
      'You are a viewer in Hark, so you cannot change incidents; ask an admin for the responder role.',
    );
    expect((await ask(`认领 ${n}`, viewer)).content.text).toBe('你在 Hark 中是观察者，不能处理事件；如需处理请联系管理员授予响应者角色。');
    expect((await ask('ack 99999')).content.text).toBe('There is no incident #99999.');
    expect((await ask('snooze 5')).content.text).toContain('How long?');
    expect((await ask('暂缓 5 很久')).content.text).toContain('不是有效时长');
    expect((await ask(`ack ${n}`, admin)).content.text).toBe(`#${n} acknowledged by Ada.`);
    expect((await ask(`reopen ${n}`)).content.text).toContain('only a resolved incident can be reopened');
    expect((await rig.incident(n)).ackedBy).toBe('Ada');
  });

  it('an unlinked person is told so in the group and gets the link card privately; the command is remembered', async () => {
    const n = await rig.fire('CmdUnlinked');
    const r = await ask(`ack ${n}`, stranger);
    expect(r.content.text).toBe("You haven't linked your Lark account to Hark yet — I've sent you a link.");
    const link = await waitFor(async () => (await rig.messages({ open_id: stranger })).find((m) => m.msg_type === 'interactive'));
    expect(textOf(link)).toContain('http://hark.test/h5');
    expect((await rig.incident(n)).status).toBe('triggered');
    const pending = await rig.store.db.selectFrom('pending_actions').selectAll().where('open_id', '=', stranger).execute();
    expect(pending.map((p) => [p.op, Number(p.incident_number)])).toContainEqual(['ack', n]);
  });

  it('list / 列表: the group’s open incidents, and privately “mine”', async () => {
    const n = await rig.fire('CmdList');
    const r = await ask('list');
    expect(r.msg_type).toBe('interactive');
    expect(textOf(r)).toContain('CmdList');
    const zh = await ask('列表');
    expect(textOf(zh)).toContain('CmdList');
    const mine = await ask('list', responder, dm(responder));
    expect(textOf(mine)).toContain('CmdList'); // nobody acknowledged it yet
    await ask(`ack ${n}`, admin);
    const theirs = await ask('列表', responder, dm(responder));
    expect(textOf(theirs)).not.toContain('CmdList'); // Ada has it now
    const unlinked = await ask('list', stranger, dm(stranger));
    expect(textOf(unlinked)).toContain('linked');
  });

  it('subscribe / 订阅, subscriptions / 订阅列表, unsubscribe / 退订: admins only, groups only', async () => {
    await rig.services.sources.create({ name: 'grafana-main', kind: 'grafana' });
    const sub = await ask('subscribe grafana-main critical', admin);
    expect(sub.msg_type).toBe('interactive');
    expect(textOf(sub)).toContain('This group now receives grafana&#45;main incidents of severity critical and above');
    expect((await rig.delivery.botPorts().chats.subscriptions(chat)).find((s) => s.source === 'grafana-main')).toMatchObject({
      minSeverity: 'critical',
    });
    const list = await ask('订阅列表');
    expect(textOf(list)).toContain('grafana&#45;main');
    expect(textOf(await ask('subscriptions'))).toContain('prom');
    expect((await ask('subscribe grafana-main', responder)).content.text).toBe("Only Hark admins can change a group's subscriptions.");
    expect((await ask('退订 grafana-main', responder)).content.text).toBe('只有 Hark 管理员可以修改群的订阅。');
    expect((await ask('subscribe nosuch', admin)).content.text).toContain('There is no source named "nosuch"');
    expect((await ask('subscribe prom loud', admin)).content.text).toContain('is not a severity');
    const un = await ask('退订 grafana-main', admin);
    expect(textOf(un)).toContain('本群已退订 grafana&#45;main');
    expect((await rig.delivery.botPorts().chats.subscriptions(chat)).map((s) => s.source)).toEqual(['prom']);
    expect((await ask('unsubscribe grafana-main', admin)).content.text).toBe('This group was not subscribed to grafana-main.');
    expect((await ask('subscriptions', admin, dm(admin))).content.text).toContain('use this command in a group');
  });

  it('link / 关联 and whoami / 我是谁', async () => {
    const link = await ask('link', stranger, dm(stranger));
    expect(textOf(link)).toContain('http://hark.test/h5');
    expect(textOf(await ask('关联'))).toContain('http://hark.test/h5');
    expect((await ask('whoami')).content.text).toBe('You are Rui, linked to Hark as responder.');
    expect((await ask('我是谁', admin)).content.text).toBe('你是 Ada，已关联 Hark，角色：管理员。');
    expect((await ask('whoami', stranger, dm(stranger))).content.text).toContain('is not linked to Hark yet');
  });

  it('a redelivered command is handled once; replies carry a uuid derived from the message id', async () => {
    const n = await rig.fire('CmdDedup');
    const id = await rig.say({ chat_id: chat }, responder, `ack ${n}`);
    const [reply] = await rig.repliesTo(chat, id);
    expect(reply.uuid).toMatch(/^hark-r0-[0-9a-f]{32}$/);
    const rec = (await rig.emu.control('GET', '/__emulator/events?type=im.message.receive_v1')).items.find(
      (e: any) => e.envelope.event.message.message_id === id,
    );
    const again = [rig.emu.context.delivery.pushEvent(structuredClone(rec.envelope)), rig.emu.context.delivery.pushEvent(structuredClone(rec.envelope))];
    await waitFor(() => again.every((r) => r.acked), { message: 'redeliveries acked' });
    await rig.settled();
    expect((await rig.messages({ chat_id: chat })).filter((m) => m.parent_id === id)).toHaveLength(1);
    expect((await rig.timeline(n)).filter((t) => t.includes('acknowledged'))).toHaveLength(1);
  });

  it('ignores group chatter that is not addressed to Hark', async () => {
    const before = (await rig.messages({ chat_id: chat })).length;
    // Only delivered with the all-messages scope; here the emulator drops it, and Hark would too.
    await rig.say({ chat_id: chat }, responder, 'lunch?', { mention: false });
    await rig.settled();
    expect((await rig.messages({ chat_id: chat })).length).toBe(before + 1);
  });
});
