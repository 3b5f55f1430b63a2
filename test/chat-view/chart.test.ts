import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, sdkClient, seedGroup, testEmulator } from '../emulator/helpers.ts';
import { haveChromium, openBrowser, openChatView, type OpenBrowser } from './browser.ts';

// The card chart element drawn in the chat view by VChart, served by the emulator itself.
describe.skipIf(!haveChromium)('chat view draws card charts', () => {
  let browser: OpenBrowser | undefined;
  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    await cleanup();
  });

  it('draws a chart element with VChart from the emulator, live as it arrives', async () => {
    const emu = await testEmulator();
    const { alice, chatId } = await seedGroup(emu);
    const asset = await fetch(`${emu.url}/__emulator/assets/vchart.js`);
    expect(asset.status).toBe(200);
    expect((await asset.text()).length).toBeGreaterThan(1_000_000);

    browser = await openBrowser();
    const { page } = browser;
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(emu.url)) external.push(r.url());
    });
    await openChatView(page, emu.url, alice, `?chat=${chatId}`);
    const spec = {
      type: 'bar', stack: true, xField: 'day', yField: 'n', seriesField: 'severity',
      data: { values: [{ day: 'Mon', severity: 'critical', n: 2 }, { day: 'Mon', severity: 'warning', n: 3 }, { day: 'Tue', severity: 'warning', n: 1 }] },
    };
    const card = { schema: '2.0', config: { update_multi: true }, body: { elements: [{ tag: 'chart', element_id: 'per_day', aspect_ratio: '16:9', chart_spec: spec }] } };
    await sdkClient(emu).im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chatId, msg_type: 'interactive', content: JSON.stringify(card) } });
    await page.locator('.lk-chart[data-drawn="ok"] canvas').first().waitFor({ timeout: 15_000 });
    const box = await page.locator('.lk-chart canvas').first().boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    expect(box!.height).toBeGreaterThan(50);
    expect(browser.pageErrors).toEqual([]);
    expect(external).toEqual([]);
  });
});
