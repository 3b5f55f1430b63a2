import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRig, waitReady, type Rig } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';
import { haveChromium, openBrowser, openChatView, type OpenBrowser } from '../chat-view/browser.ts';
import { FakeClock } from '../helpers/clock.ts';
import { seedWeek, T, WINDOW } from './fixture.ts';

// `@Hark report [team] [7d|30d]` / `报告` in a group: the report card as a reply, the team's when
// the group is its home; the emulator validated its charts, and the chat view draws them.
describe('report command', () => {
  let rig: Rig | null = null;
  let browser: OpenBrowser | undefined;
  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    await rig?.close();
    rig = null;
  });

  it('answers the report card in the team home group, and names an unknown team', async () => {
    rig = await startRig({ start: { clock: new FakeClock(T(WINDOW.to)) } });
    const r = rig;
    await waitReady(r);
    const db = r.hark.store.db;
    await seedWeek(db);
    const alice = await r.emu('POST', '/__emulator/users', { name: 'Alice', email: 'alice@example.com' });
    const { chat_id } = await r.emu('POST', '/__emulator/chats', { name: 'Payments on-call', members: [alice.open_id], add_bot: true });
    await db.updateTable('teams').set({ home_chat_id: chat_id }).where('name', '=', 'payments').execute();
    const say = (text: string) => r.emu('POST', '/__emulator/messages', { chat_id, sender_open_id: alice.open_id, text, mention_bot: true });
    const messages = async () => (await r.emu('GET', `/__emulator/messages?chat_id=${chat_id}`)).items as { msg_type: string; content: any }[];

    await say('report');
    const week = await waitFor(async () => (await messages()).find((m) => JSON.stringify(m.content).includes('On-call report'))?.content, { timeout: 20_000, message: 'the report card' });
    expect(week.header.title.content).toBe('On-call report · payments');
    expect(week.body.elements[0].content).toContain('**8** incidents (before: 1)');
    expect(week.body.elements.filter((e: any) => e.tag === 'chart')).toHaveLength(2);
    expect(JSON.stringify(week)).toContain('"op":"report_silence","incident":8,"duration":"7d"');

    await say('报告 30天');
    const card = await waitFor(async () => (await messages()).find((m) => JSON.stringify(m.content).includes('值班报告'))?.content, { timeout: 20_000, message: 'the 30-day card in Chinese' });
    expect(card.header.title.content).toBe('值班报告 · payments');
    expect(card.header.subtitle.content).toContain('30 天');

    await say('report nope');
    await waitFor(async () => (await messages()).some((m) => m.msg_type === 'text' && JSON.stringify(m.content).includes('no team named')), { message: 'the refusal' });

    if (!haveChromium) return;
    browser = await openBrowser({ width: 900, height: 1400 });
    await openChatView(browser.page, r.emulator.url, alice.open_id, `?chat=${chat_id}`);
    await browser.page.locator('.lk-chart[data-drawn="ok"] canvas').nth(3).waitFor({ timeout: 20_000 });
    expect(browser.pageErrors).toEqual([]);
    if (process.env.HARK_SCREENSHOTS) {
      const card = browser.page.locator('.lk-card', { hasText: 'On-call report' }).first();
      await card.screenshot({ path: path.join(process.env.HARK_SCREENSHOTS, 'insights-weekly-card.png') });
      expect(fs.existsSync(path.join(process.env.HARK_SCREENSHOTS, 'insights-weekly-card.png'))).toBe(true);
    }
  }, 90_000);
});
