import type { Locator } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { renderDeclareCard } from '../../src/render/index.ts';
import { cleanup, connectWs, sdkClient, seedGroup, testEmulator } from '../emulator/helpers.ts';
import { waitFor } from '../helpers/wait.ts';
import { BASE_OPTS } from '../render/fixtures.ts';
import { haveChromium, openBrowser, openChatView, type OpenBrowser } from './browser.ts';

// Issue 25: the private declare card is a Lark form (input + select_static + a submit button). The
// chat view submits it as the Lark client does: every named field in action.form_value, and not at
// all while a required field is empty (docs/lark-notes.md §14).

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000, interval: 50 });
const text = (l: Locator) => l.first().textContent({ timeout: 5_000 }).catch(() => null);

describe.skipIf(!haveChromium)('chat view: a card form with select_static (emulator only)', () => {
  let browser: OpenBrowser | undefined;
  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    await cleanup();
  });

  it('sends the title, the chosen team and severity as form_value when Declare is pressed', async () => {
    const emu = await testEmulator();
    const clicks: any[] = [];
    await connectWs(emu, {
      'card.action.trigger': (d) => {
        clicks.push(d);
        return { toast: { type: 'success', content: `#7 declared on ${d.action.form_value?.team}` } };
      },
    });
    const { alice } = await seedGroup(emu);
    const card = renderDeclareCard(
      { sources: ['payments', 'search'], teams: [{ name: 'search-team', mine: true }, { name: 'payments-team', mine: false }] },
      { ...BASE_OPTS, lang: 'en_us' },
    );
    const id = (await sdkClient(emu).im.v1.message.create({
      params: { receive_id_type: 'open_id' },
      data: { receive_id: alice, msg_type: 'interactive', content: JSON.stringify(card) },
    })).data!.message_id!;
    browser = await openBrowser();
    const { page } = browser;
    await openChatView(page, emu.url, alice, `?dm=${alice}`);
    const msg = page.locator(`[data-message-id="${id}"]`);
    const team = msg.locator('select[data-lk-field="team"]');
    await poll(() => team.inputValue()).toBe('search-team');
    expect(await text(team.locator('option[value="search-team"]'))).toBe('search-team (your team)');
    await msg.locator('input[data-lk-field="title"]').fill('Checkout fails');
    await team.selectOption('payments-team');
    await msg.locator('select[data-lk-field="severity"]').selectOption('warning');
    await msg.getByRole('button', { name: 'Declare' }).click();
    await waitFor(() => clicks.length === 1, { message: 'the form submitted' });
    expect(clicks[0].action.form_value).toEqual({ title: 'Checkout fails', team: 'payments-team', severity: 'warning' });
    expect(clicks[0].action.value).toMatchObject({ op: 'declare', source: '*team' });
    await poll(() => text(page.locator('.toast'))).toContain('#7 declared on payments-team');
    expect(browser.pageErrors).toEqual([]);
  });
});
