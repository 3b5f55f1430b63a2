import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { startWebRig, type WebRig } from './harness.ts';

// The real path in a real browser (Debian's Chromium; never a downloaded one): an unlinked person
// pressed "Acknowledge" on a card, opens /h5, logs in through the emulator's OAuth, is linked,
// finishes the remembered action, and the group card updates. Screenshots for the README.

const CHROMIUM = '/usr/bin/chromium';
// Screenshots for docs/ only when asked (HARK_UPDATE_SCREENSHOTS=1), so a test run leaves the checkout clean.
const SHOTS = process.env.HARK_UPDATE_SCREENSHOTS === '1' ? path.resolve('docs/screenshots') : fs.mkdtempSync(path.join(os.tmpdir(), 'hark-shots-'));
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) console.warn(`[hark tests] ${CHROMIUM} is missing: the browser tests of the web app are skipped (apt-get install chromium)`);

describe.skipIf(!haveChromium)('web app in a browser', () => {
  let rig: WebRig;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    rig = await startWebRig();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    // A phone: Lark's in-app browser on a 390×844 screen.
    context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    page = await context.newPage();
    // The pages carry no script and no inline style; anything the CSP blocks is a bug.
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    fs.mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await rig?.close();
  });

  it('unlinked person → /h5 → Lark login → linked → finishes the remembered ack → card updated', async () => {
    const chat = await rig.group('payments-oncall');
    await rig.api('POST', '/api/v1/members', { name: 'Bob Chen', email: 'bob@example.com', role: 'responder' });
    const bob = await rig.larkUser('Bob Chen', 'bob@example.com');
    const n = await rig.fire({
      title: 'Checkout error rate above 5%',
      key: 'checkout-errors',
      severity: 'critical',
      description: 'Error rate 7.2% over the last 5 minutes on checkout-api.',
      labels: { service: 'checkout-api', env: 'prod', region: 'cn-east-1' },
      links: [{ title: 'Runbook', url: 'https://runbooks.example/checkout-errors' }],
    });
    await rig.fire({ title: 'Replica lag on orders-db', key: 'orders-lag', severity: 'warning', labels: { service: 'orders-db', env: 'prod' } });
    await rig.fire({ title: 'Certificate for pay.example expires in 14 days', key: 'cert', severity: 'info', labels: { env: 'prod' } });
    const card = await waitFor(async () => (await rig.emu('GET', `/__emulator/messages?chat_id=${chat}`)).items[0], {
      message: 'the incident card in the group',
    });

    // Bob pressed "Acknowledge" on that card before he had ever opened Hark: the chat-operations
    // handler remembers it under his open_id (src/bot/actions.ts calls this).
    await rig.web.pending.remember(bob.open_id, { op: 'ack', incident: n });

    // Not logged in: the login page.
    await page.goto(`${rig.url}/h5`);
    await expect.poll(() => page.locator('#login').isVisible()).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'login.png') });

    // The emulator's browser login as Bob, so its authorize page approves at once.
    await page.goto(`${rig.emulator.url}/__emulator/login?open_id=${bob.open_id}&next=${encodeURIComponent(`${rig.url}/h5`)}`);
    await page.locator('#login').click();
    await page.waitForURL(`${rig.url}/h5`);
    const finish = page.locator('#pending button.primary');
    await expect.poll(() => finish.textContent()).toBe(`Finish: Acknowledge #${n}`);
    await page.screenshot({ path: path.join(SHOTS, 'incidents.png'), fullPage: true });

    // Linked: the me page says so.
    const member = (await rig.web.links.list()).find((m) => m.email === 'bob@example.com')!;
    expect(member.openId).toBe(bob.open_id);

    await finish.click();
    await page.waitForURL(`${rig.url}/h5/incidents/${n}`);
    await expect.poll(() => page.locator('#status').getAttribute('data-status')).toBe('acknowledged');
    expect(await page.locator('.flash').textContent()).toContain(`#${n} acknowledged by Bob Chen`);

    const api = await rig.api('GET', `/api/v1/incidents/${n}`);
    expect(api.body.status ?? api.body.incident?.status).toBe('acknowledged');
    const detail = await rig.services.incidents.get(n);
    expect(detail.incident.ackedBy).toMatchObject({ id: member.id, name: 'Bob Chen' });
    expect(detail.timeline.at(-1)).toMatchObject({ kind: 'ack', via: 'web', actorName: 'Bob Chen' });
    expect(await rig.web.pending.listFor(bob.open_id)).toEqual([]);

    // The group's card is updated in place by the delivery listener.
    await waitFor(
      async () => {
        const items = (await rig.emu('GET', `/__emulator/messages?chat_id=${chat}`)).items as any[];
        const m = items.find((x) => x.message_id === card.message_id);
        return m && m.update_count > 0 && JSON.stringify(m.content).includes('Bob Chen');
      },
      { timeout: 15_000, message: 'the group card showing Bob’s acknowledgement' },
    );
    await page.screenshot({ path: path.join(SHOTS, 'incident.png'), fullPage: true });

    await page.goto(`${rig.url}/h5/me`);
    expect(await page.locator('#link-status').textContent()).toBe('Linked to Lark');
    await page.screenshot({ path: path.join(SHOTS, 'me.png'), fullPage: true });

    await page.goto(`${rig.url}/h5?tab=mine`);
    expect(await page.locator('[data-incident]').count()).toBe(1);
  });

  it('fits a phone: nothing wider than the 390px viewport, tap targets at least 40px high', async () => {
    for (const url of [`${rig.url}/h5`, `${rig.url}/h5/incidents/1`, `${rig.url}/h5/me`]) {
      await page.goto(url);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, url).toBeLessThanOrEqual(390);
      const small = await page.evaluate(() =>
        [...document.querySelectorAll('button, .button')].filter((b) => (b as HTMLElement).getBoundingClientRect().height < 40 && (b as HTMLElement).offsetParent !== null).length,
      );
      expect(small, url).toBe(0);
    }
    expect(cspViolations).toEqual([]);
  });

  it('speaks Chinese to a zh reader and snoozes with a preset', async () => {
    const zh = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    try {
      // Reuse Bob's session in the new context.
      await zh.addCookies(await context.cookies(rig.url));
      const p = await zh.newPage();
      const n = await rig.fire({ title: '支付回调超时', key: 'zh-1', severity: 'warning' });
      await p.goto(`${rig.url}/h5/incidents/${n}`);
      expect(await p.locator('button[data-op="ack"]').textContent()).toBe('认领');
      await p.locator('details.snooze summary').click();
      await p.locator('button[name="preset"][value="30m"]').click();
      await p.waitForURL(`${rig.url}/h5/incidents/${n}`);
      await expect.poll(() => p.locator('#status').textContent()).toBe('已暂缓');
      const inc = (await rig.services.incidents.get(n)).incident;
      expect(inc.snoozedUntil! - inc.snoozedBy!.at).toBe(30 * 60_000);
    } finally {
      await zh.close();
    }
  });

  it('declares an incident from the Declare form (issue 25): its page, and its card in the group', async () => {
    const chat = await rig.group('declare-ops');
    await page.goto(`${rig.url}/h5`);
    await page.locator('#declare-link').click();
    await page.waitForURL(`${rig.url}/h5/declare`);
    await page.locator('#declare input[name="title"]').fill('Checkout page blank for some users');
    await page.locator('#declare select[name="severity"]').selectOption('warning');
    await page.locator('#declare textarea[name="description"]').fill('Reported by support at 10:05');
    await page.locator('#declare button[type="submit"]').click();
    await page.waitForURL(/\/h5\/incidents\/\d+$/);
    const n = Number(/(\d+)$/.exec(page.url())![1]);
    await expect.poll(() => page.locator('.flash').textContent()).toContain(`#${n} declared on checkout`);
    const inc = (await rig.services.incidents.get(n)).incident;
    expect([inc.title, inc.severity, inc.description]).toEqual(['Checkout page blank for some users', 'warning', 'Reported by support at 10:05']);
    await waitFor(async () => (await rig.emu('GET', `/__emulator/messages?chat_id=${chat}`)).items.some((m: any) => JSON.stringify(m.content).includes('Checkout page blank')), {
      message: "the declared incident's card in the group",
    });
    expect(cspViolations).toEqual([]);
  });
});
