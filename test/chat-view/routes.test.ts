import { afterEach, describe, expect, it } from 'vitest';
import { setSampleAlertHook } from '../../src/emulator/chat-view.ts';
import { cleanup, card2, onCleanup, sdkClient, seedGroup, testEmulator } from '../emulator/helpers.ts';

// The chat view's routes without a browser: the page, the HTML fragments, the SSE stream and the
// sample-alert hook.

afterEach(cleanup);

/** Reads SSE events from the stream until `want` of them named `name` arrived (or the deadline). */
async function openStream(url: string) {
  const ctrl = new AbortController();
  const res = await fetch(url, { signal: ctrl.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const events: { event: string; data: any }[] = [];
  onCleanup(() => ctrl.abort());
  return {
    res,
    async next(name: string, timeoutMs = 5000): Promise<any> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = events.findIndex((e) => e.event === name);
        if (i >= 0) return events.splice(i, 1)[0].data;
        if (Date.now() > deadline) throw new Error(`no SSE event ${name} within ${timeoutMs} ms`);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buf += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      }
    },
  };
}

describe('chat view routes', () => {
  it('serves the page with escaped names and the chosen person selected', async () => {
    const emu = await testEmulator();
    const { alice, chatId } = await seedGroup(emu);
    await emu.control('POST', '/__emulator/users', { name: '<img src=x onerror=alert(1)>' });
    await emu.control('POST', '/__emulator/messages', { chat_id: chatId, sender_open_id: alice, text: '</script><script>alert(1)</script>' });
    const res = await fetch(`${emu.url}/?chat=${chatId}`, { headers: { cookie: `lark_emulator_login=${alice}` } });
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html.match(/<script/g)).toHaveLength(3); // the config JSON, VChart (served by the emulator) and the page script
    expect(html).toContain('<script src="/__emulator/assets/vchart.js"></script>');
    expect(html).toContain(`<option value="${alice}" selected>Alice (alice@example.com)</option>`);
    expect(html).not.toContain('id="sample-alert"');
  });

  it('streams created and updated messages as HTML in the stream\'s language', async () => {
    const emu = await testEmulator();
    const { chatId } = await seedGroup(emu);
    const stream = await openStream(`${emu.url}/__emulator/stream?lang=zh_cn`);
    expect(stream.res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const card = JSON.parse(card2('DB down'));
    card.body.elements[0] = { tag: 'markdown', content: 'fallback', i18n_content: { en_us: 'English', zh_cn: '中文' } };
    const client = sdkClient(emu);
    const sent = await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'interactive', content: JSON.stringify(card) },
    });
    const created = await stream.next('msg');
    expect(created).toMatchObject({ kind: 'created', message_id: sent.data!.message_id, chat_id: chatId, sender_type: 'app', preview: '[Card] DB down' });
    expect(created.html).toContain('中文');
    expect(created.html).toContain('data-template="red"');
    await client.im.v1.message.patch({ path: { message_id: sent.data!.message_id! }, data: { content: card2('DB fixed') } });
    const updated = await stream.next('msg');
    expect(updated).toMatchObject({ kind: 'updated', update_count: 1 });
    expect(updated.html).toContain('DB fixed');

    await emu.control('POST', '/__emulator/chats', { name: 'new group', members: [] });
    expect((await stream.next('chats')).sidebar).toContain('new group');
    await emu.control('POST', '/__emulator/reset', {});
    expect(await stream.next('reset')).toEqual({});
  });

  it('answers one chat as fragments, and a private chat before it exists', async () => {
    const emu = await testEmulator();
    const { alice, chatId } = await seedGroup(emu);
    await emu.control('POST', '/__emulator/messages', { chat_id: chatId, sender_open_id: alice, text: 'hello', mention_bot: true });
    const view = await emu.control('GET', `/__emulator/view?chat=${chatId}`);
    expect(view.chat_id).toBe(chatId);
    expect(view.messages).toContain('<span class="lk-at">@Hark</span> hello');
    expect(view.sidebar).toContain('Hark · Alice');
    const dm = await emu.control('GET', `/__emulator/view?dm=${alice}`);
    expect(dm).toMatchObject({ chat_id: null, messages: '<div class="empty">No messages yet.</div>' });
  });

  it('fires the sample alert through the hook the demo sets', async () => {
    const emu = await testEmulator();
    await expect(emu.control('POST', '/__emulator/sample-alert', {})).rejects.toMatchObject({ status: 404 });
    let fired = 0;
    setSampleAlertHook(emu, async () => `fired ${++fired}`);
    expect(await (await fetch(`${emu.url}/`)).text()).toContain('id="sample-alert"');
    expect(await emu.control('POST', '/__emulator/sample-alert', {})).toEqual({ message: 'fired 1' });
    setSampleAlertHook(emu, async () => {
      throw new Error('Hark is down');
    });
    await expect(emu.control('POST', '/__emulator/sample-alert', {})).rejects.toMatchObject({
      status: 502, body: { error: 'sample alert failed: Hark is down' },
    });
  });
});
