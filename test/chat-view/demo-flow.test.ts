import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { runDemo, type Demo } from '../../src/demo.ts';
import { haveChromium, openBrowser, type OpenBrowser } from './browser.ts';

// The whole demo in a browser: Hark with delivery and the bot, the emulator, the chat view.
// HARK_UPDATE_SCREENSHOTS=1 also writes docs/chat-view.png for the README.

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 50 });
const text = (l: Locator) => l.first().textContent({ timeout: 5_000 }).catch(() => null);
const attr = (l: Locator, name: string) => l.first().getAttribute(name, { timeout: 5_000 }).catch(() => null);

describe.skipIf(!haveChromium)('hark demo in a browser', () => {
  let demo: Demo | undefined;
  let browser: OpenBrowser | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await browser?.close();
    await demo?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    browser = demo = dir = undefined;
  });

  it('fire a sample alert → its card in the group → Alice clicks Acknowledge → the card turns acknowledged', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-demo-'));
    demo = await runDemo({ EMULATOR_PORT: '0', HARK_DEMO_DB: path.join(dir, 'demo.db'), LOG_LEVEL: 'silent' }, [], { quiet: true, harkPort: 0 });
    browser = await openBrowser({ width: 800, height: 720 });
    const { page } = browser;
    await page.goto(demo.chatViewUrl);
    await page.locator('#live[data-live="on"]').waitFor();
    await poll(() => text(page.locator('#pane-title'))).toBe('SRE on-call');
    await poll(() => attr(page.locator('#who option[selected]'), 'value')).toBe(demo.seeded.alice);
    // The seeded incident's card is already there.
    await poll(() => text(page.locator('.msg.is-card .lk-title', { hasText: 'Checkout latency' }))).toBe('#1 Checkout latency above 2 s');

    await page.locator('#sample-alert').click();
    await poll(() => text(page.locator('.toast'))).toContain('Fired "Disk 85% full on db-2"');
    const card = page.locator('.msg.is-card', { hasText: 'Disk 85% full on db-2' }).locator('.lk-card');
    await poll(() => attr(card.locator('.lk-head'), 'data-template')).toBe('orange');

    await card.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await poll(() => attr(card.locator('.lk-head'), 'data-template')).toBe('wathet');
    await poll(() => text(card.locator('.lk-tag'))).toBe('Acknowledged');
    await poll(() => text(card)).toContain('Acknowledged by: Alice');
    await card.getByRole('button', { name: 'Unacknowledge' }).waitFor();
    expect(browser.pageErrors).toEqual([]);

    if (process.env.HARK_UPDATE_SCREENSHOTS === '1') {
      // 800 px wide for the README; both incident cards in view, no hover effects, no toast.
      await page.setViewportSize({ width: 800, height: 1000 });
      await page.mouse.move(790, 10);
      await page.locator('#messages').evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await page.locator('.toast').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
      await page.screenshot({ path: path.resolve('docs/chat-view.png') });
    }
  });

  it('Bob (not linked) presses Acknowledge → told so → a link card in his private chat; the card stays triggered', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-demo-'));
    demo = await runDemo({ EMULATOR_PORT: '0', HARK_DEMO_DB: path.join(dir, 'demo.db'), LOG_LEVEL: 'silent' }, [], { quiet: true, harkPort: 0 });
    browser = await openBrowser();
    const { page } = browser;
    await page.goto(demo.chatViewUrl);
    await page.locator('#live[data-live="on"]').waitFor();
    // Switch to Bob with the picker, as a person would.
    await Promise.all([page.waitForEvent('load'), page.locator('#who').selectOption(demo.seeded.bob)]);
    await page.locator('#live[data-live="on"]').waitFor();
    const card = page.locator('.msg.is-card', { hasText: 'Checkout latency' }).locator('.lk-card');
    await card.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await poll(() => text(page.locator('.toast'))).toMatch(/linked/i);
    const bobsChat = page.locator(`[data-dm="${demo.seeded.bob}"]`);
    await poll(() => text(bobsChat.locator('.preview'))).toBe('[Card] Link your Lark account to Hark');
    expect(await attr(card.locator('.lk-head'), 'data-template')).toBe('red');

    await bobsChat.click();
    await page.locator('#live[data-live="on"]').waitFor();
    await poll(() => text(page.locator('#pane-title'))).toBe('Hark · Bob');
    await page.getByRole('link', { name: 'Open Hark to link' }).waitFor();
    expect(browser.pageErrors).toEqual([]);
  });
});
