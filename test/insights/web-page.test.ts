import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../helpers/clock.ts';
import { startRig, waitReady, type Rig } from '../helpers/hark.ts';
import { Client } from '../web/harness.ts';
import { seedWeek, T, WINDOW } from './fixture.ts';

// /h5/insights (issue 27) in Debian's Chromium on a phone-sized screen: the figures of the seeded
// week, the two charts drawn by VChart served by Hark itself (a canvas appears), a filter that
// changes the figures and the charts, and the CSV download with the same filters.

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
// The README's picture only when asked (HARK_UPDATE_SCREENSHOTS=1), so a test run leaves the checkout clean.
const SHOTS = process.env.HARK_UPDATE_SCREENSHOTS === '1' ? path.resolve('docs/screenshots') : fs.mkdtempSync(path.join(os.tmpdir(), 'hark-shots-'));

describe.skipIf(!haveChromium)('the insights page in a browser', () => {
  let rig: Rig | undefined;
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('draws the charts, filters, and downloads the CSV', { timeout: 180_000 }, async () => {
    rig = await startRig({ start: { clock: new FakeClock(T(WINDOW.to)) } });
    const r = rig;
    await waitReady(r);
    await seedWeek(r.hark.store.db);
    const open = (await r.emu('POST', '/__emulator/users', { name: 'Carol', email: 'carol@example.com' })).open_id;
    expect((await r.api('POST', '/api/v1/members', { name: 'Carol', email: 'carol@example.com', role: 'viewer', lark_open_id: open })).status).toBe(201);
    const all = (await r.api('GET', '/api/v1/insights?window=7d')).body;
    const payments = (await r.api('GET', '/api/v1/insights?window=7d&team=payments')).body;
    expect(payments.incidents).toBe(8);
    expect(all.incidents).not.toBe(payments.incidents);

    // Carol (a viewer) signs in through the emulator's OAuth; the browser gets her session.
    const c = new Client();
    await c.request(`${r.emulator.url}/__emulator/login?open_id=${open}`);
    const start = await c.request(`${r.hark.url}/auth/lark/login?next=%2Fh5`);
    const back = new URL((await c.request(start.location!)).location!);
    await c.request(`${r.hark.url}${back.pathname}${back.search}`);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, locale: 'en-US', timezoneId: 'UTC', acceptDownloads: true });
    await context.addCookies([...c.cookies].map(([name, value]) => ({ name, value, url: r.hark.url })));
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
    });
    const failed: string[] = [];
    page.on('response', (res) => {
      if (res.status() >= 400 && !res.url().endsWith('/favicon.ico')) failed.push(`${res.status()} ${res.url().slice(r.hark.url.length)}`);
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const outside: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(r.hark.url)) outside.push(req.url());
    });

    // From the home page to the insights.
    await page.goto(`${r.hark.url}/h5`);
    await page.locator('#insights-link').click();
    await page.waitForURL(`${r.hark.url}/h5/insights`);
    const figure = (name: string) => page.locator(`[data-figure="${name}"] strong`).textContent();
    await expect(figure('incidents')).resolves.toBe(String(all.incidents));
    await page.locator('#chart-per-day canvas').waitFor({ timeout: 30_000 });
    await page.locator('#chart-mtta canvas').waitFor({ timeout: 30_000 });

    // A filter applies as soon as it changes: the figures and the charts follow.
    await page.locator('select[name="team"]').selectOption('payments');
    await page.waitForURL(/team=payments/);
    await expect(figure('incidents')).resolves.toBe('8');
    await expect(figure('mtta')).resolves.toBe('4 m 5 s');
    await expect(figure('acked5m')).resolves.toBe('25%');
    await expect(page.locator('[data-figure="pages"] .meta:last-child').textContent()).resolves.toBe('work 2 · off 2 · sleep 2');
    await page.locator('#chart-per-day[data-drawn] canvas').waitFor({ timeout: 30_000 });
    await expect(page.locator('#insights-noisiest li').first().textContent()).resolves.toContain('alertname=DiskFull');
    await page.screenshot({ path: path.join(SHOTS, 'insights.png'), fullPage: true });

    // The CSV of the same filters.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#insights-csv').click()]);
    expect(download.suggestedFilename()).toBe('hark-insights-2026-03-25-2026-04-01.csv');
    const lines = fs.readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(lines[0]).toBe('section,name,metric,value');
    expect(lines).toContain(`window,${WINDOW.from.replace('Z', '.000Z')}/${WINDOW.to.replace('Z', '.000Z')},incidents,8`);

    // A bad filter is a page that names it; without a session, the login.
    await page.goto(`${r.hark.url}/h5/insights?team=nope`);
    await expect(page.locator('main').textContent()).resolves.toContain('team: no team named "nope"');
    expect((await fetch(`${r.hark.url}/h5/insights.csv`, { redirect: 'manual' })).status).toBe(302);
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
    expect(failed).toEqual(['404 /h5/insights?team=nope']);
  });
});
