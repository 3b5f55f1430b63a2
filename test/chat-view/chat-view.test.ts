import type { Locator } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { renderIncidentCard } from '../../src/render/index.ts';
import { cleanup, connectWs, sdkClient, seedGroup, testEmulator } from '../emulator/helpers.ts';
import { waitFor } from '../helpers/wait.ts';
import { BASE_OPTS, incident, STATES } from '../render/fixtures.ts';
import { haveChromium, openBrowser, openChatView, type OpenBrowser } from './browser.ts';

// The chat view against the emulator alone: the "app" is the real SDK (Client to send the card,
// WSClient + EventDispatcher to answer the click with a new card), the person is Chromium.

/** Playwright-style auto-waiting: retry until the deadline (vitest's default of 1 s is too tight for CI). */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000, interval: 50 });
const text = (l: Locator) => l.first().textContent({ timeout: 5_000 }).catch(() => null);
const attr = (l: Locator, name: string) => l.first().getAttribute(name, { timeout: 5_000 }).catch(() => null);

describe.skipIf(!haveChromium)('chat view in a browser (emulator only)', () => {
  let browser: OpenBrowser | undefined;
  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    await cleanup();
  });

  it('shows a bot card live, sends the click as the chosen person, and redraws the answered card', async () => {
    const emu = await testEmulator();
    const clicks: any[] = [];
    await connectWs(emu, {
      'card.action.trigger': (d) => {
        clicks.push(d);
        const who = emu.state.users.get(d.operator.open_id)?.name ?? '?';
        const card = renderIncidentCard(incident({ status: 'acknowledged', ackedBy: who, ackedAt: BASE_OPTS.now!, nextEscalation: null }), BASE_OPTS);
        return { toast: { type: 'success', content: `Acknowledged by ${who}`, i18n: { en_us: `Acknowledged by ${who}`, zh_cn: `${who} 已认领` } }, card: { type: 'raw', data: card } };
      },
    });
    const { alice, chatId } = await seedGroup(emu);
    browser = await openBrowser();
    const { page } = browser;
    await openChatView(page, emu.url, alice);
    await poll(() => text(page.locator('#pane-title'))).toBe('ops');

    // The app sends the card after the page is open: it arrives over SSE.
    const sent = await sdkClient(emu).im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'interactive', content: JSON.stringify(renderIncidentCard(STATES['triggered-critical'], BASE_OPTS)) },
    });
    const messageId = sent.data!.message_id!;
    const card = page.locator(`[data-message-id="${messageId}"] .lk-card`);
    await poll(() => attr(card.locator('.lk-head'), 'data-template')).toBe('red');
    await poll(() => text(card.locator('.lk-title'))).toBe('#42 Database primary down');

    await card.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await poll(() => text(page.locator('.toast'))).toBe('Acknowledged by Alice');
    await poll(() => attr(card.locator('.lk-head'), 'data-template')).toBe('wathet');
    await card.getByRole('button', { name: 'Unacknowledge' }).waitFor();
    await poll(() => text(card)).toContain('Acknowledged by: Alice');
    expect(clicks).toHaveLength(1);
    expect(clicks[0]).toMatchObject({ operator: { open_id: alice }, action: { value: { v: 1, op: 'ack', incident: 42 } } });
    expect(browser.pageErrors).toEqual([]);
  });

  it('asks before a confirm button, types with @Hark, and switches card language', async () => {
    const emu = await testEmulator();
    const clicks: any[] = [];
    const messages: any[] = [];
    await connectWs(emu, {
      'card.action.trigger': (d) => {
        clicks.push(d);
        return { toast: { type: 'info', content: 'ok' } };
      },
      'im.message.receive_v1': (d) => {
        messages.push(d);
      },
    });
    const { alice, chatId } = await seedGroup(emu);
    await sdkClient(emu).im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'interactive', content: JSON.stringify(renderIncidentCard(STATES['triggered-warning'], BASE_OPTS)) },
    });
    browser = await openBrowser();
    const { page } = browser;
    await openChatView(page, emu.url, alice);
    const card = page.locator('.msg.is-card .lk-card');
    await poll(() => attr(card.locator('.lk-head'), 'data-template')).toBe('orange');

    // Resolve carries a confirm: Cancel sends nothing, Confirm sends the click.
    await card.getByRole('button', { name: 'Resolve' }).click();
    await poll(() => text(page.locator('#confirm-text'))).toContain('Resolve #42?');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await card.getByRole('button', { name: 'Resolve' }).click();
    await page.locator('#confirm-ok').click();
    await poll(() => text(page.locator('.toast'))).toBe('ok');
    expect(clicks.map((c) => c.action.value.op)).toEqual(['resolve']);

    // A group message with the @Hark toggle on reaches the bot as a mention.
    await page.locator('#text').fill('ack 42');
    await page.locator('#text').press('Enter');
    await poll(() => text(page.locator('.msg.from-user .bubble'))).toBe('@Hark ack 42');
    await waitFor(() => messages.length === 1, { message: 'im.message.receive_v1 at the app' });
    expect(JSON.parse(messages[0].message.content).text).toBe('@_user_1 ack 42');
    expect(messages[0].message.mentions[0].id.open_id).toBe(emu.botOpenId);

    await page.locator('#lang').selectOption('zh_cn');
    await card.getByRole('button', { name: '认领' }).waitFor();
    await poll(() => text(card.locator('.lk-tag'))).toBe('待处理');
  });

  it('draws hostile card text as text: no script runs', async () => {
    const emu = await testEmulator();
    const { alice, chatId } = await seedGroup(emu);
    const evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    const card = renderIncidentCard(incident({ title: evil, description: evil, labels: { evil } }), BASE_OPTS);
    // Also a raw card that skips Hark's escaping altogether.
    const raw = { schema: '2.0', header: { title: { tag: 'plain_text', content: evil }, template: 'red' },
      body: { elements: [{ tag: 'markdown', content: evil }] } };
    const client = sdkClient(emu);
    for (const c of [card, raw]) {
      await client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chatId, msg_type: 'interactive', content: JSON.stringify(c) } });
    }
    await emu.control('POST', '/__emulator/messages', { chat_id: chatId, sender_open_id: alice, text: evil });
    browser = await openBrowser();
    const { page } = browser;
    await openChatView(page, emu.url, alice);
    await poll(() => text(page.locator('.msg.is-card .lk-title'))).toBe(`#42 ${evil}`);
    await poll(() => text(page.locator('.msg.is-card .lk-title').nth(1))).toBe(evil);
    await poll(() => text(page.locator('.msg.from-user .bubble'))).toBe(evil);
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    expect(await page.locator('.messages img, .messages script').count()).toBe(0);
    expect(browser.pageErrors).toEqual([]);
  });
});
