import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { runDemo, type Demo } from '../../src/demo.ts';
import { haveChromium, openBrowser, type OpenBrowser } from './browser.ts';

// A war room in the chat view: Alice presses "War room" on the demo's incident card, the new group
// appears in the chat list, and it opens with the live incident card pinned on top.
// HARK_UPDATE_SCREENSHOTS=1 also writes docs/war-room.png for the README.

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 50 });
const text = (l: Locator) => l.first().textContent({ timeout: 5_000 }).catch(() => null);
const attr = (l: Locator, name: string) => l.first().getAttribute(name, { timeout: 5_000 }).catch(() => null);

describe.skipIf(!haveChromium)('war room in the chat view', () => {
  let demo: Demo | undefined;
  let browser: OpenBrowser | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await browser?.close();
    await demo?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    browser = demo = dir = undefined;
  });

  it('War room on the card → the group in the chat list → its pinned card follows the incident', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-demo-'));
    demo = await runDemo({ EMULATOR_PORT: '0', HARK_DEMO_DB: path.join(dir, 'demo.db'), LOG_LEVEL: 'silent' }, [], { quiet: true, harkPort: 0 });
    browser = await openBrowser({ width: 1000, height: 900 });
    const { page } = browser;
    await page.goto(demo.chatViewUrl);
    await page.locator('#live[data-live="on"]').waitFor();
    const card = page.locator('#messages .msg.is-card', { hasText: 'Checkout latency' }).locator('.lk-card');
    await card.getByRole('button', { name: 'War room', exact: true }).click();
    await poll(() => text(page.locator('.toast'))).toContain('Opening a war room for #1');

    // The origin card now names the room; the chat list has the new group.
    await poll(() => text(card)).toContain('War room: #1 Checkout latency above 2 s');
    const room = page.locator('.chat-item', { has: page.locator('.chat-name', { hasText: '#1 Checkout latency above 2 s' }) });
    await room.waitFor();
    await room.click();
    await page.locator('#live[data-live="on"]').waitFor();
    await poll(() => text(page.locator('#pane-title'))).toBe('#1 Checkout latency above 2 s');
    const pinned = page.locator('#pins .msg.is-card .lk-card');
    await poll(() => text(pinned.locator('.lk-title'))).toBe('#1 Checkout latency above 2 s');
    await poll(() => text(page.locator('.pins-label'))).toContain('Pinned');

    // People talk in the room; acknowledging on the pinned card updates it in place.
    await page.locator('#mention').uncheck();
    await page.locator('#text').fill('Rolling back the 10:40 checkout deploy; latency graphs in the thread.');
    await page.locator('#composer button[type=submit]').click();
    await pinned.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await poll(() => attr(pinned.locator('.lk-head'), 'data-template')).toBe('wathet');
    await poll(() => text(page.locator('#messages .msg.is-card .lk-tag'))).toBe('Acknowledged');
    await poll(() => text(page.locator('.pins-label'))).toContain('Acknowledged');
    expect(browser.pageErrors).toEqual([]);

    if (process.env.HARK_UPDATE_SCREENSHOTS === '1') {
      await page.setViewportSize({ width: 1000, height: 900 });
      await page.mouse.move(990, 10);
      await page.locator('.toast').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
      await page.screenshot({ path: path.resolve('docs/war-room.png') });
    }
  });
});
