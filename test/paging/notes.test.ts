import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../web/harness.ts';
import { waitFor } from '../helpers/wait.ts';
import { cardHas, startWorld, type World } from './world.ts';

// Notes (issue 14): `@Hark note <id> <text>` / `备注`, a reply in the incident card's thread, the web
// app's incident page and POST /api/v1/incidents/:number/notes. The card shows the latest one.

describe('notes (emulator, hark start)', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  const latestNoteOn = (w: World, n: number, text: string) =>
    waitFor(async () => cardHas(await w.groupCard(n), text), { message: `the card showing "${text}"` });

  it('commands in both languages and thread replies add notes with their author; the card shows the latest', async () => {
    w = await startWorld(['Alice', 'Bob']);
    const { Alice, Bob } = w.people;
    const n = await w.fire('Slow checkout');
    const card = await w.groupCard(n);

    const en = await w.say(`note ${n} rolled back deploy 1432`, Alice.openId);
    expect(await w.replyTo(en)).toBe(`Note added to #${n} by Alice.`);
    await latestNoteOn(w, n, 'rolled back deploy 1432');

    const zh = await w.say(`备注 ${n} 回滚后延迟恢复`, Bob.openId);
    expect(await w.replyTo(zh)).toBe(`已由 Bob 为 #${n} 添加备注。`);
    await latestNoteOn(w, n, '回滚后延迟恢复');

    // A reply in the card's thread that mentions @Hark is a note, no verb needed.
    const reply = await w.say('looks like the cache node 3', Alice.openId, { parent_id: card.message_id });
    expect(await w.replyTo(reply)).toBe(`Note added to #${n} by Alice.`);
    // A plain reply without @Hark does not reach Hark without im:message.group_msg…
    await w.say('just chatting', Bob.openId, { mention: false, parent_id: card.message_id });
    // …and with the scope granted, any reply in the thread counts, quietly.
    await w.rig.emu('POST', '/__emulator/tenant', { grant: ['im:message.group_msg'] });
    await w.say('cache node 3 restarted', Bob.openId, { mention: false, parent_id: card.message_id });
    await latestNoteOn(w, n, 'cache node 3 restarted');

    const detail = (await w.api('GET', `/api/v1/incidents/${n}`)).body.timeline as { message: string; kind: string; actor_name?: string; by?: unknown }[];
    const notes = detail.filter((e) => e.kind === 'note').map((e) => e.message);
    expect(notes).toEqual(['rolled back deploy 1432', '回滚后延迟恢复', 'looks like the cache node 3', 'cache node 3 restarted']);
    expect(notes).not.toContain('just chatting');
    // Other chat in the group (not in a card's thread) is not a note.
    await w.say('lunch?', Bob.openId, { mention: false });
    expect((await w.timeline(n)).filter((m) => m === 'lunch?')).toEqual([]);
  });

  it('the API adds a note; text is escaped on the card like alert text and length-limited with a clear error', async () => {
    w = await startWorld(['Alice']);
    const n = await w.fire('Mentions everyone?');
    await w.groupCard(n);
    const evil = 'see <at user_id="all">everyone</at> [click](http://evil.example) **now**';
    const r = await w.api('POST', `/api/v1/incidents/${n}/notes`, { text: evil, by: w.people.Alice.email });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ incident: n, note: { text: evil, by: 'Alice' } });
    const card = await waitFor(async () => {
      const c = await w!.groupCard(n);
      return cardHas(c, 'Latest note') ? c : null;
    });
    const json = JSON.stringify(card.content);
    expect(json).not.toContain('<at');
    expect(json).not.toContain('](http');
    expect(json).toContain('&#60;at user&#95;id=&#34;all&#34;&#62;');

    const long = await w.api('POST', `/api/v1/incidents/${n}/notes`, { text: 'x'.repeat(1001) });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toBe('text: A note may be at most 1000 characters (this one has 1001); shorten it or split it in two.');
    const empty = await w.api('POST', `/api/v1/incidents/${n}/notes`, { text: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toContain('text: A note needs some text');
    const missing = await w.api('POST', `/api/v1/incidents/${n}/notes`, {});
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('text: is required');
    const tooLongCmd = await w.say(`note ${n} ${'y'.repeat(1001)}`, w.people.Alice.openId);
    expect(await w.replyTo(tooLongCmd)).toContain('A note may be at most 1000 characters (this one has 1001)');
  });

  it('the web app incident page adds a note as the signed-in person', async () => {
    w = await startWorld(['Alice']);
    const n = await w.fire('Web note');
    const c = new Client();
    const hark = w.rig.hark.url;
    await c.request(`${w.rig.emulator.url}/__emulator/login?open_id=${w.people.Alice.openId}`);
    const login = await c.request(`${hark}/auth/lark/login?next=${encodeURIComponent(`/h5/incidents/${n}`)}`);
    const authorize = await c.request(login.location!);
    // HARK_PUBLIC_URL is not this test's port: follow the redirect to the same path here.
    const cb = new URL(authorize.location!);
    await c.request(`${hark}${cb.pathname}${cb.search}`);
    const page = await c.request(`${hark}/h5/incidents/${n}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('id="note"');
    const res = await c.request(`${hark}/h5/incidents/${n}/note`, { form: { _csrf: Client.csrfOf(page.text), text: 'paged the DBA' } });
    expect(res.status).toBe(302);
    const after = await c.request(`${hark}${res.location}`);
    expect(after.text).toContain(`Note added to #${n} by Alice.`);
    expect(after.text).toContain('paged the DBA');
    const tl = (await w.api('GET', `/api/v1/incidents/${n}`)).body.timeline as { kind: string; message: string; via: string }[];
    expect(tl.find((e) => e.kind === 'note')).toMatchObject({ message: 'paged the DBA', via: 'web' });
    await waitFor(async () => cardHas(await w!.groupCard(n), 'paged the DBA'), { message: 'card shows the web note' });
  });
});
