import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { findSchedule } from '../../src/store/schedule-repo.ts';
import { findSourceByName } from '../../src/store/source-repo.ts';
import { replaceTeamMembers, setScheduleTeam, setSourceTeam, upsertTeam } from '../../src/store/team-repo.ts';
import { startRig, waitReady, type Rig } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';
import { Client } from '../web/harness.ts';

// The team page /h5/teams/:name (issue 24) in Debian's Chromium (never a downloaded browser), on a
// phone-sized screen: people with roles, who is on call, sources with routing and the ladder in
// words, the groups, the "managed by file" mark; the lead makes a token (shown once) and revokes it.

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
// The README's picture only when asked (HARK_UPDATE_SCREENSHOTS=1), so a test run leaves the checkout clean.
const SHOTS = process.env.HARK_UPDATE_SCREENSHOTS === '1' ? path.resolve('docs/screenshots') : fs.mkdtempSync(path.join(os.tmpdir(), 'hark-shots-'));

describe.skipIf(!haveChromium)('the team page in a browser', () => {
  let rig: Rig | undefined;
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('shows the team and lets its lead make and revoke a token', { timeout: 120_000 }, async () => {
    rig = await startRig();
    const r = rig;
    await waitReady(r);
    const open: Record<string, string> = {};
    const ids: Record<string, number> = {};
    for (const [name, role] of [['Alice', 'responder'], ['Bob', 'responder'], ['Carol', 'responder']] as const) {
      const email = `${name.toLowerCase()}@example.com`;
      open[name] = (await r.emu('POST', '/__emulator/users', { name, email })).open_id;
      ids[name] = (await r.api('POST', '/api/v1/members', { name, email, role, lark_open_id: open[name] })).body.id;
    }
    expect((await r.api('POST', '/api/v1/sources', { name: 'payments-am', kind: 'alertmanager' })).status).toBe(201);
    const { chat_id: chat } = await r.emu('POST', '/__emulator/chats', { name: 'Payments on-call', members: Object.values(open), add_bot: true });
    await waitFor(async () => (await r.api('PUT', `/api/v1/chats/${chat}/subscriptions/payments-am`, { min_severity: 'warning', labels: { env: 'prod' } })).status === 200, {
      message: 'the group known and subscribed',
    });
    await r.api('PUT', '/api/v1/schedules/payments-primary', {
      time_zone: 'Asia/Shanghai',
      layers: [{ members: ['alice@example.com', 'bob@example.com'], rotation: { every: '1w', handoff: '10:00', start: '2020-01-06' } }],
    });
    const put = await r.api('PUT', '/api/v1/sources/payments-am/escalation', {
      levels: [
        { targets: [{ schedule: 'payments-primary' }], wait_minutes: 5, urgent: 'app' },
        { targets: [{ member: 'bob@example.com' }], wait_minutes: 10, urgent: 'phone' },
        { targets: [{ chat }], wait_minutes: 15 },
      ],
    });
    expect(put.status).toBe(200);
    const db = r.hark.store.db;
    const now = Date.now();
    const team = await upsertTeam(db, { name: 'payments', timeZone: 'Asia/Shanghai', homeChatId: chat, openToAllResponders: false, settings: {}, managedAt: now, managedBy: 'ci-payments' }, now);
    await replaceTeamMembers(db, team, [{ memberId: ids.Alice, role: 'lead' }, { memberId: ids.Bob, role: 'member' }], now);
    await setSourceTeam(db, (await findSourceByName(db, 'payments-am'))!.id, team);
    await setScheduleTeam(db, Number((await findSchedule(db, 'payments-primary'))!.id), team);
    await db.updateTable('sources').set({ managed_at: now, managed_by: 'ci-payments' }).where('name', '=', 'payments-am').execute();

    // Alice (the lead) logs in through the emulator's OAuth; the browser gets her session.
    const c = new Client();
    await c.request(`${r.emulator.url}/__emulator/login?open_id=${open.Alice}`);
    const start = await c.request(`${r.hark.url}/auth/lark/login?next=%2Fh5%2Fteams%2Fpayments`);
    const authorize = await c.request(start.location!);
    const back = new URL(authorize.location!);
    await c.request(`${r.hark.url}${back.pathname}${back.search}`);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, locale: 'en-US', timezoneId: 'UTC' });
    await context.addCookies([...c.cookies].map(([name, value]) => ({ name, value, url: r.hark.url })));
    const page = await context.newPage();
    const csp: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
    });
    await page.goto(`${r.hark.url}/h5/teams/payments`);
    const people = await page.locator('#team-people').textContent();
    expect(people).toMatch(/Alice\s+lead/);
    expect(people).toMatch(/Bob\s+member/);
    expect(people).not.toContain('Carol');
    await expect(page.locator('#team-oncall').textContent()).resolves.toMatch(/payments-primary: (Alice|Bob)/);
    const source = page.locator('[data-source="payments-am"]');
    await expect(source.locator('.routes').textContent()).resolves.toContain('Payments on-call · warning+ · env=prod');
    const ladder = await source.locator('.ladder li').allTextContents();
    expect(ladder).toEqual([
      'Page whoever is on call in payments-primary (buzz in Lark); after 5 min without an ack, level 2',
      'Page Bob (buzz by phone call); after 10 min without an ack, level 3',
      'Page group Payments on-call',
    ]);
    await expect(source.locator('.badge.managed').textContent()).resolves.toBe('managed by file');
    await expect(page.locator('#team-groups').textContent()).resolves.toMatch(/Payments on-call\s+home group/);
    await page.screenshot({ path: path.join(SHOTS, 'team.png'), fullPage: true });

    // A token for the team's pipeline: shown once on the page that made it.
    await page.locator('#team-tokens input[name="name"]').fill('ci-payments');
    await page.locator('[data-create-token]').click();
    const token = (await page.locator('#new-token').textContent())!.trim();
    expect(token).toMatch(/^hark_/);
    const listed = (await r.api('GET', '/api/v1/tokens')).body.items;
    expect(listed).toMatchObject([{ name: 'ci-payments', scope: 'team', team: 'payments', created_by: 'Alice' }]);
    // It works for the team's own objects (a managed one is still refused, saying so).
    const res = await fetch(`${r.hark.url}/api/v1/schedules/payments-primary/overrides`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ member: 'bob@example.com', start: new Date(now + 3_600_000).toISOString(), end: new Date(now + 7_200_000).toISOString() }),
    });
    expect(res.status).toBe(201);
    await page.goto(`${r.hark.url}/h5/teams/payments`);
    expect(await page.locator('#new-token').count()).toBe(0);
    await page.locator('[data-revoke="ci-payments"]').click();
    await page.waitForURL(`${r.hark.url}/h5/teams/payments`);
    await expect(page.locator('.flash').textContent()).resolves.toBe('Token ci-payments revoked.');
    expect((await r.api('GET', '/api/v1/tokens')).body.items).toEqual([]);

    // Bob (a member, not a lead) sees the page without the tokens.
    const b = new Client();
    await b.request(`${r.emulator.url}/__emulator/login?open_id=${open.Bob}`);
    const s2 = await b.request(`${r.hark.url}/auth/lark/login?next=%2Fh5%2Fteams%2Fpayments`);
    const a2 = await b.request(s2.location!);
    const back2 = new URL(a2.location!);
    await b.request(`${r.hark.url}${back2.pathname}${back2.search}`);
    const bobPage = await b.request(`${r.hark.url}/h5/teams/payments`);
    expect(bobPage.status).toBe(200);
    expect(bobPage.text).toContain('Alice');
    expect(bobPage.text).not.toContain('team-tokens');
    expect(csp).toEqual([]);
  });
});
