import { afterEach, describe, expect, it } from 'vitest';
import { schedule } from '../../src/store/timer-repo.ts';
import { waitFor } from '../helpers/wait.ts';
import { buttonValue, startBotRig, textOf, type BotRig } from './helpers.ts';

describe('card buttons over the long connection', () => {
  let rig: BotRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  async function incidentCard(r: BotRig, members: string[]) {
    const chat = await r.group('ops', members);
    const n = await r.fire('DiskFull');
    const messageId = await r.cardIn(chat, n);
    const card = (await r.messages({ chat_id: chat })).find((m) => m.message_id === messageId)!;
    return { chat, n, messageId, card: card.content };
  }

  it('a linked responder acks: toast, the new card for the clicked copy, and the change recorded as via card', async () => {
    rig = await startBotRig();
    const alice = await rig.person('Alice', 'responder');
    const { chat, n, messageId, card } = await incidentCard(rig, [alice]);

    const answer = await rig.click(messageId, alice, buttonValue(card, 'ack'));
    expect(answer.toast.type).toBe('success');
    expect(answer.toast.content).toBe(`#${n} acknowledged by Alice.`);
    expect(answer.toast.i18n.zh_cn).toContain('Alice');
    expect(answer.card.type).toBe('raw');
    expect(answer.card.data.schema).toBe('2.0');
    // The refreshed card no longer offers Ack but offers Unack / Resolve.
    expect(() => buttonValue(answer.card.data, 'ack')).toThrow();
    expect(buttonValue(answer.card.data, 'resolve')).toMatchObject({ op: 'resolve', incident: n });
    expect(await rig.incident(n)).toMatchObject({ status: 'acknowledged', ackedBy: 'Alice' });
    const tl = await rig.store.db.selectFrom('timeline').select(['kind', 'via', 'actor_name']).where('incident_number', '=', n).where('kind', '=', 'ack').execute();
    expect(tl).toEqual([{ kind: 'ack', via: 'card', actor_name: 'Alice' }]);

    // The clicked copy shows the callback's card (the emulator applies it like a patch).
    const shown = (await rig.messages({ chat_id: chat })).find((m) => m.message_id === messageId)!;
    expect(JSON.stringify(shown.content)).toEqual(JSON.stringify(answer.card.data));
  });

  it('a click that misses its answer budget gets a "still working" toast, and the clicked copy catches up through the outbox', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    rig = await startBotRig({
      wrapDeps: (d) => ({
        ...d,
        clickBudgetMs: 300,
        incidents: { ...d.incidents, apply: async (req) => (await gate, d.incidents.apply(req)) },
      }),
    });
    const alice = await rig.person('Alice', 'responder');
    const { chat, n, messageId } = await incidentCard(rig, [alice]);

    const answer = await rig.click(messageId, alice, { v: 1, op: 'ack', incident: n });
    expect(answer.toast).toMatchObject({ type: 'info', content: 'Hark is still working on this click; the card will update in a moment.' });
    expect(answer.card).toBeUndefined();
    release();
    const shown = await waitFor(
      async () => {
        const m = (await rig!.messages({ chat_id: chat })).find((x) => x.message_id === messageId)!;
        return textOf(m).includes('Acknowledged by:** Alice') ? m : null;
      },
      { message: 'the clicked copy shows the acknowledgement' },
    );
    expect(shown.update_count).toBe(1);
    expect((await rig.incident(n)).ackedBy).toBe('Alice');
  });

  it('snooze presets and resolve, then a stale button answers honestly with the current card', async () => {
    rig = await startBotRig();
    const alice = await rig.person('Alice', 'responder');
    const bob = await rig.person('Bob', 'admin');
    const { n, messageId, card } = await incidentCard(rig, [alice, bob]);

    const snoozed = await rig.click(messageId, alice, buttonValue(card, 'snooze', '2h'));
    expect(snoozed.toast.content).toMatch(new RegExp(`^#${n} snoozed by Alice for 2h, until (?:\\d{4}-\\d\\d-\\d\\d )?\\d\\d:\\d\\d UTC\\.$`));
    const inc = await rig.incident(n);
    expect(inc.snoozedUntil! - Date.now()).toBeGreaterThan(2 * 3_600_000 - 60_000);

    // A custom duration (select option) is accepted too.
    const custom = await rig.click(messageId, alice, { v: 1, op: 'snooze', incident: n }, { option: '45m' });
    expect(custom.toast.content).toContain('for 45m');

    const resolved = await rig.click(messageId, bob, buttonValue(snoozed.card.data, 'resolve'));
    expect(resolved.toast).toMatchObject({ type: 'success', content: `#${n} resolved by Bob.` });

    // Alice still has the old card open and presses Ack: honest toast, current (resolved) card.
    const stale = await rig.click(messageId, alice, buttonValue(card, 'ack'));
    expect(stale.toast.type).toBe('warning');
    expect(stale.toast.content).toContain('resolved');
    expect(stale.card.data).toEqual(expect.objectContaining({ schema: '2.0' }));
    expect(buttonValue(stale.card.data, 'reopen')).toMatchObject({ op: 'reopen', incident: n });

    // A second resolve says who resolved first.
    const again = await rig.click(messageId, alice, { v: 1, op: 'resolve', incident: n });
    expect(again.toast.content).toMatch(new RegExp(`^#${n} is already resolved by Bob at \\d\\d:\\d\\d UTC\\.$`));

    const reopened = await rig.click(messageId, alice, buttonValue(stale.card.data, 'reopen'));
    expect(reopened.toast.content).toBe(`#${n} reopened by Alice.`);
    expect((await rig.incident(n)).status).toBe('triggered');
  });

  it('an unlinked person changes nothing, is told so, and gets the link card privately; the press is remembered', async () => {
    rig = await startBotRig();
    const carol = await rig.person('Carol');
    const { n, messageId, card } = await incidentCard(rig, [carol]);

    const answer = await rig.click(messageId, carol, buttonValue(card, 'ack'));
    expect(answer.toast.content).toBe("You haven't linked your Lark account to Hark yet — I've sent you a link.");
    expect(answer.toast.i18n.zh_cn).toContain('关联');
    expect(answer.card).toBeUndefined();
    expect((await rig.incident(n)).status).toBe('triggered');

    const dm = await waitFor(async () => (await rig!.messages({ open_id: carol })).find((m) => m.msg_type === 'interactive'), {
      message: 'link card in the private chat',
    });
    expect(textOf(dm)).toContain('http://hark.test/h5');
    expect(textOf(dm)).toContain(`acknowledge &#35;${n}`);
    const pending = await rig.store.db.selectFrom('pending_actions').selectAll().where('open_id', '=', carol).execute();
    expect(pending).toMatchObject([{ op: 'ack', incident_number: n }]);
  });

  it('a viewer is refused in one sentence and nothing changes', async () => {
    rig = await startBotRig();
    const victor = await rig.person('Victor', 'viewer');
    const { n, messageId, card } = await incidentCard(rig, [victor]);
    const answer = await rig.click(messageId, victor, buttonValue(card, 'ack'));
    expect(answer.toast).toMatchObject({
      type: 'error',
      content: 'You are a viewer in Hark, so you cannot change incidents; ask an admin for the responder role.',
    });
    expect((await rig.incident(n)).status).toBe('triggered');
  });

  it('20 people pressing Ack at once: one acknowledgement, everyone told who acked', async () => {
    rig = await startBotRig();
    const people = await Promise.all(Array.from({ length: 20 }, (_, i) => rig!.person(`Responder${i}`, 'responder')));
    const { n, messageId, card } = await incidentCard(rig, people);
    const value = buttonValue(card, 'ack');
    const answers = await Promise.all(people.map((p) => rig!.click(messageId, p, value)));

    const winners = answers.filter((a) => a.toast.type === 'success');
    expect(winners).toHaveLength(1);
    const who = winners[0].toast.content.match(/by (Responder\d+)/)![1];
    for (const a of answers) {
      expect(a.toast.content).toContain(who);
      expect(a.card.type).toBe('raw');
    }
    expect((await rig.incident(n)).ackedBy).toBe(who);
    expect((await rig.timeline(n)).filter((t) => t.includes('acknowledged'))).toHaveLength(1);
  });

  it('the same click delivered three times acts once and answers the same', async () => {
    rig = await startBotRig();
    const alice = await rig.person('Alice', 'responder');
    const { n, messageId } = await incidentCard(rig, [alice]);
    const first = await fetch(`${rig.emu.url}/__emulator/click`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message_id: messageId, operator_open_id: alice, value: { v: 1, op: 'ack', incident: n } }),
    }).then((r) => r.json());
    const envelope = (await rig.emu.control('GET', '/__emulator/events?type=card.action.trigger')).items.find(
      (e: any) => e.event_id === first.event_id,
    ).envelope;
    // Redeliver the identical envelope (same event_id) twice more, concurrently, as Lark may.
    const again = await Promise.all([1, 2].map(() => rig!.emu.context.delivery.pushCallback(structuredClone(envelope))));
    for (const r of again) expect(r).toEqual({ ok: true, response: first.response });
    expect((await rig.timeline(n)).filter((t) => t.includes('acknowledged'))).toHaveLength(1);
  });

  it('a click redelivered after the incident moved on answers the same toast with the card as it is now', async () => {
    rig = await startBotRig();
    const alice = await rig.person('Alice', 'responder');
    const bob = await rig.person('Bob', 'responder');
    const { n, messageId } = await incidentCard(rig, [alice, bob]);
    const first = await fetch(`${rig.emu.url}/__emulator/click`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message_id: messageId, operator_open_id: alice, value: { v: 1, op: 'ack', incident: n } }),
    }).then((r) => r.json());
    const resolved = await rig.click(messageId, bob, { v: 1, op: 'resolve', incident: n });
    expect(resolved.toast.content).toBe(`#${n} resolved by Bob.`);
    const envelope = (await rig.emu.control('GET', '/__emulator/events?type=card.action.trigger')).items.find(
      (e: any) => e.event_id === first.event_id,
    ).envelope;
    // Lark retries a callback it thinks failed (15 s later in production): Alice's ack again.
    const again = (await rig.emu.context.delivery.pushCallback(structuredClone(envelope))) as { ok: boolean; response: any };
    expect(again.ok).toBe(true);
    expect(again.response.toast).toEqual(first.response.toast);
    expect(JSON.stringify(first.response.card.data)).toContain('Acknowledged by');
    // Not Alice's old card: that would roll the clicked copy back from resolved to acknowledged.
    expect(again.response.card.data).toEqual(resolved.card.data);
    expect(JSON.stringify(again.response.card.data)).toContain('Resolved by');
    expect((await rig.incident(n)).status).toBe('resolved');
    expect((await rig.timeline(n)).filter((t) => t.includes('acknowledged'))).toHaveLength(1);
  });

  it('a clicked copy still follows a card change that comes without a new version (the next escalation step)', async () => {
    rig = await startBotRig();
    const alice = await rig.person('Alice', 'responder');
    const { chat, n, messageId } = await incidentCard(rig, [alice]);
    await rig.click(messageId, alice, { v: 1, op: 'ack', incident: n });
    const unacked = await rig.click(messageId, alice, { v: 1, op: 'unack', incident: n });
    expect(JSON.stringify(unacked.card.data)).not.toContain('Next escalation');
    await rig.settled();
    // Escalation moves to a step the card shows ("Next escalation: level 2 …") without changing the
    // incident's version, and asks for every copy to be redrawn: the clicked one too.
    const port = rig.delivery.escalationPort;
    await rig.store.db.transaction().execute(async (trx) => {
      await schedule(trx, { kind: 'escalate', incidentNumber: n, dueAt: Date.now() + 600_000, data: { level: 1, round: 0 } }, Date.now());
      await port.refreshCards(trx, n);
    });
    port.wake();
    await waitFor(async () => {
      const copy = (await rig!.messages({ chat_id: chat })).find((m) => m.message_id === messageId)!;
      return JSON.stringify(copy.content).includes('Next escalation:** level 2');
    }, { message: 'the clicked copy shows the next escalation step' });
  });

  it('help and link buttons answer with a toast and send the card privately through the outbox', async () => {
    rig = await startBotRig();
    const alice = await rig.person('Alice', 'responder');
    const { messageId } = await incidentCard(rig, [alice]);
    const help = await rig.click(messageId, alice, { v: 1, op: 'help' });
    expect(help).toEqual({ toast: expect.objectContaining({ type: 'info', content: "I've sent you the commands in a private chat." }) });
    const link = await rig.click(messageId, alice, { v: 1, op: 'link' });
    expect(link.toast.content).toBe("I've sent you a link to Hark in a private chat.");
    const dms = await waitFor(async () => {
      const m = await rig!.messages({ open_id: alice });
      return m.length >= 2 ? m : null;
    }, { message: 'two private cards' });
    expect(dms.map((m) => m.msg_type)).toEqual(['interactive', 'interactive']);
    expect(dms.some((m) => textOf(m).includes('http://hark.test/h5'))).toBe(true);
  });

  it('a button Hark does not know gets a polite toast', async () => {
    rig = await startBotRig();
    const alice = await rig.person('Alice', 'responder');
    const { messageId } = await incidentCard(rig, [alice]);
    const answer = await rig.click(messageId, alice, { v: 9, op: 'explode' });
    expect(answer.toast.type).toBe('warning');
    expect(answer.toast.content).toContain('did not recognise');
  });
});
