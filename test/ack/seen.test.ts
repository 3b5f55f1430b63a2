import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { cardHas, startWorld, type World } from '../paging/world.ts';

// Issue 25: seen, not acked. A paged person reading their private card (the emulator's
// im.message.message_read_v1, through the SDK) is on the timeline, the card and the API; a level's
// unseen_after buzzes whoever has not read it one step louder; while a page waits the bot's chat is
// kept at the top of the person's Lark list (the feed card's time-sensitive mark).

const feed = async (w: World, openId: string): Promise<boolean> => (await w.rig.emu('GET', `/__emulator/feed_cards?open_id=${openId}`)).time_sensitive;

describe('seen, not acked (emulator, hark start)', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('a read page is on the timeline, the card and the API; the unread one is buzzed louder after unseen_after, the read one not', async () => {
    w = await startWorld(['Alice', 'Bob', 'Carol']);
    const { Bob, Carol } = w.people;
    // unseen_after must be shorter than the level's wait; here 6 s against 10 min.
    const bad = await w.api('PUT', '/api/v1/sources/payments/escalation', {
      levels: [{ targets: [{ member: Bob.email }], wait_minutes: 0.05, unseen_after: '6s' }],
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("6s must be shorter than the level's wait_minutes (0.05)");
    const put = await w.api('PUT', '/api/v1/sources/payments/escalation', {
      levels: [{ targets: [{ member: Bob.email }, { member: Carol.email }], wait_minutes: 10, urgent: 'app', unseen_after: '6s' }],
    });
    expect(put.status).toBe(200);
    expect(put.body.levels[0].unseen_after).toBe('6s');
    const n = await w.fire('Payments API 500s');
    const carolCard = await w.privateCard(Carol.openId, n);
    await w.privateCard(Bob.openId, n);
    // While the page waits, the bot's chat stays at the top of their lists.
    await waitFor(async () => (await feed(w!, Bob.openId)) && (await feed(w!, Carol.openId)), { message: 'both chats marked time-sensitive' });

    await w.rig.emu('POST', '/__emulator/read', { open_id: Carol.openId, message_id: carolCard.message_id });
    await waitFor(async () => (await w!.timeline(n)).some((t) => /^Carol read the page at \d\d:\d\d UTC$/.test(t)), { message: 'the timeline says Carol read it' });
    const card = await waitFor(async () => {
      const c = await w!.groupCard(n);
      return cardHas(c, /Paged at level 1:\*\* Bob not seen · Carol seen \d\d:\d\d/) ? c : null;
    }, { message: "the card shows who has seen the page" });
    expect(card).toBeTruthy();
    const detail = await w.api('GET', `/api/v1/incidents/${n}`);
    const pages = detail.body.pages as { member: { name: string; email: string }; level: number; paged_at: string; seen_at?: string }[];
    expect(pages.map((p) => [p.member.name, p.member.email, p.level])).toEqual([
      ['Bob', Bob.email, 1],
      ['Carol', Carol.email, 1],
    ]);
    expect(pages[0].seen_at).toBeUndefined();
    expect(Date.parse(pages[1].seen_at!)).toBeGreaterThanOrEqual(Date.parse(pages[1].paged_at));
    // Reading again (a redelivered event) changes nothing.
    await w.rig.emu('POST', '/__emulator/read', { open_id: Carol.openId, message_id: carolCard.message_id });

    // Bob never reads: one step louder than the level's in-app buzz is an SMS; Carol gets none.
    await waitFor(async () => (await w!.urgents(Bob.openId)).some((u) => u.kind === 'sms'), { timeout: 30_000, message: "Bob's louder buzz" });
    const timeline = await w.timeline(n);
    expect(timeline.some((t) => /^Bob has not read the page \d+ ?s after it was sent \(level 1's unseen_after\); buzzing them with an SMS, one step louder than the level's in-app buzz$/.test(t))).toBe(true);
    expect(timeline.filter((t) => t.startsWith('Carol read the page')).length).toBe(1);
    expect((await w.urgents(Carol.openId)).map((u) => u.kind)).toEqual(['app']);

    // Acknowledged: no page waits for them any more, the mark is cleared.
    const ack = await w.click(card.message_id, Bob.openId, { v: 1, op: 'ack', incident: n });
    expect(JSON.stringify(ack)).toContain('acknowledged by Bob');
    await waitFor(async () => !(await feed(w!, Bob.openId)) && !(await feed(w!, Carol.openId)), { message: 'the time-sensitive marks cleared' });
  });

  it('an app without the feed card scope: the timeline says so once and the pages go out as usual', async () => {
    w = await startWorld(['Bob']);
    const { Bob } = w.people;
    await w.rig.emu('POST', '/__emulator/tenant', { revoke: ['im:datasync.feed_card.time_sensitive:write'] });
    await w.api('PUT', '/api/v1/sources/payments/escalation', { levels: [{ targets: [{ member: Bob.email }], wait_minutes: 10 }] });
    const n = await w.fire('Disk full');
    await w.privateCard(Bob.openId, n);
    const said = "could not keep Hark's chat at the top of Bob's Lark list: the app lacks the permission im:datasync.feed_card.time_sensitive:write";
    await waitFor(async () => (await w!.timeline(n)).some((t) => t.startsWith(said)), { message: 'the missing scope on the timeline' });
    // Resolving asks Lark again (to clear a mark); the sentence is not repeated.
    const r = await w.api('POST', `/api/v1/incidents/${n}/resolve`, {});
    expect(r.status).toBe(200);
    expect(await feed(w, Bob.openId)).toBe(false);
    expect((await w.timeline(n)).filter((t) => t.startsWith(said)).length).toBe(1);
  });
});
