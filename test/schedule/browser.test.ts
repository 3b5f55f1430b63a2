import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../helpers/hark.ts';
import { Client } from '../web/harness.ts';

// /h5/schedules in Debian's Chromium (never a downloaded browser), on a phone-sized screen: the
// page as a responder sees it, Take over pressed with a real click, and no CSP violation.

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);

describe.skipIf(!haveChromium)('the schedule page in a browser', () => {
  let rig: Rig | undefined;
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('shows who is on call and the next two weeks, and Take over makes the reader on call', async () => {
    rig = await startRig();
    const r = rig;
    const open: Record<string, string> = {};
    for (const name of ['Alice', 'Carol']) {
      const email = `${name.toLowerCase()}@example.com`;
      open[name] = (await r.emu('POST', '/__emulator/users', { name, email })).open_id;
      await r.api('POST', '/api/v1/members', { name, email, role: 'responder', lark_open_id: open[name] });
    }
    await r.api('PUT', '/api/v1/schedules/payments', {
      time_zone: 'Asia/Shanghai',
      layers: [
        { members: ['alice@example.com'], rotation: { every: '1d', handoff: '09:00', start: '2020-01-06' } },
        // Only the schedule's people (any layer) and admins may take it over (issue 29): Carol is on standby.
        { members: ['carol@example.com'], rotation: { every: '1d', handoff: '09:00', start: '2020-01-06' }, restrictions: [{ days: ['sun'], from: '00:00', to: '00:01' }] },
      ],
    });
    // Carol logs in through the emulator's OAuth with a cookie-keeping client; the browser gets her session.
    const c = new Client();
    await c.request(`${r.emulator.url}/__emulator/login?open_id=${open.Carol}`);
    const start = await c.request(`${r.hark.url}/auth/lark/login?next=%2Fh5%2Fschedules`);
    const authorize = await c.request(start.location!);
    const back = new URL(authorize.location!);
    await c.request(`${r.hark.url}${back.pathname}${back.search}`);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: 'en-US', timezoneId: 'UTC' });
    await context.addCookies([...c.cookies].map(([name, value]) => ({ name, value, url: r.hark.url })));
    const page = await context.newPage();
    const csp: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
    });
    await page.goto(`${r.hark.url}/h5/schedules`);
    const card = page.locator('[data-schedule="payments"]');
    await expect(card.locator('.oncall-now').textContent()).resolves.toContain('On call now: Alice');
    await card.locator('summary').click();
    expect(await card.locator('.timeline li').count()).toBeGreaterThanOrEqual(1);
    await page.locator('[data-take-over="payments"]').click();
    await page.waitForURL(`${r.hark.url}/h5/schedules`);
    await expect(page.locator('.flash').textContent()).resolves.toMatch(/You are on call for payments until/);
    // Now Carol's own shift is listed, and she can give it away.
    await expect(page.locator('#my-shifts').textContent()).resolves.toContain('payments');
    await expect(card.locator('.oncall-now').textContent()).resolves.toContain('On call now: Carol');
    expect((await r.api('GET', '/api/v1/schedules/payments/oncall')).body.members).toEqual([{ name: 'Carol', email: 'carol@example.com' }]);
    await expect(page.locator('#ical-url').textContent()).resolves.toMatch(/\/ical\/[A-Za-z0-9_-]+\.ics$/);
    expect(csp).toEqual([]);
  });
});
