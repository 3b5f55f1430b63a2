import type { Locator } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { renderIncidentCard } from '../../src/render/index.ts';
import { cleanup, connectWs, sdkClient, seedGroup, testEmulator } from '../emulator/helpers.ts';
import { waitFor } from '../helpers/wait.ts';
import { BASE_OPTS, STATES } from '../render/fixtures.ts';
import { haveChromium, openBrowser, openChatView, type OpenBrowser } from './browser.ts';

// Issue 25 in the chat view: a person looking at their private chat with the bot reads its
// messages (Lark's read receipt reaches the app), and the chat offers the bot's menu.

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000, interval: 50 });
const text = (l: Locator) => l.first().textContent({ timeout: 5_000 }).catch(() => null);

describe.skipIf(!haveChromium)('chat view: read receipts and the bot menu (emulator only)', () => {
  let browser: OpenBrowser | undefined;
  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    await cleanup();
  });

  it('reads the private messages it shows, live ones too, and sends the menu item pressed', async () => {
    const emu = await testEmulator();
    const reads: any[] = [];
    const menus: any[] = [];
    await connectWs(emu, {
      'im.message.message_read_v1': (d) => void reads.push(d),
      'application.bot.menu_v6': (d) => void menus.push(d),
    });
    const { alice } = await seedGroup(emu);
    const client = sdkClient(emu);
    const send = async () =>
      (await client.im.v1.message.create({
        params: { receive_id_type: 'open_id' },
        data: { receive_id: alice, msg_type: 'interactive', content: JSON.stringify(renderIncidentCard(STATES['triggered-critical'], BASE_OPTS)) },
      })).data!.message_id!;
    const before = await send();
    browser = await openBrowser();
    const { page } = browser;
    await openChatView(page, emu.url, alice, `?dm=${alice}`);
    await waitFor(() => reads.some((r) => r.message_id_list.includes(before)), { message: 'the shown message read' });
    // A card that arrives while the chat is open is read as it appears.
    const live = await send();
    await poll(() => text(page.locator(`[data-message-id="${live}"] .lk-title`))).toBe('#42 Database primary down');
    await waitFor(() => reads.some((r) => r.message_id_list.includes(live)), { message: 'the live message read' });
    expect(reads.every((r) => r.reader.reader_id.open_id === alice)).toBe(true);

    await page.locator('#bot-menu').getByRole('button', { name: 'Declare an incident' }).click();
    await waitFor(() => menus.length === 1, { message: 'the menu event' });
    expect(menus[0]).toMatchObject({ event_key: 'declare', operator: { operator_id: { open_id: alice } } });
    expect(browser.pageErrors).toEqual([]);
  });
});
