// Chromium for the chat-view tests: Debian's /usr/bin/chromium (never a downloaded browser),
// a fresh profile per launch, closed by the caller in afterEach.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`[hark tests] ${CHROMIUM} is missing: the chat-view browser tests are skipped (apt-get install chromium)`);
}

export interface OpenBrowser {
  context: BrowserContext;
  page: Page;
  /** Errors thrown by the page's scripts, and any dialog it opened (there should be none). */
  pageErrors: string[];
  close(): Promise<void>;
}

export async function openBrowser(viewport = { width: 1200, height: 860 }): Promise<OpenBrowser> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-chat-view-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => {
    pageErrors.push(`unexpected ${d.type()} dialog: ${d.message()}`);
    void d.dismiss();
  });
  return {
    context,
    page,
    pageErrors,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Opens the chat view as `openId` (the emulator's browser login) and waits for the live stream. */
export async function openChatView(page: Page, emulatorUrl: string, openId: string, query = ''): Promise<void> {
  await page.goto(`${emulatorUrl}/__emulator/login?open_id=${encodeURIComponent(openId)}&next=${encodeURIComponent(`/${query}`)}`);
  await page.locator('#live[data-live="on"]').waitFor({ timeout: 10_000 });
}
