// The closing card is built from whatever timeline entries the incident has: kinds added by other
// features (notes, pages, buzzes) land in their section without a change to the summary code.
import { describe, expect, it } from 'vitest';
import { renderWarRoomSummaryCard, validateCard } from '../../src/render/index.ts';
import { summaryView } from '../../src/warroom/summary.ts';
import { cardText } from './helpers.ts';

const T0 = Date.UTC(2026, 11, 1, 10, 0);
const min = 60_000;
const inc = {
  number: 42, title: 'Checkout latency above 2 s', severity: 'critical', created_at: T0,
  resolved_at: T0 + 72 * min, resolved_by_name: 'Erin', acked_by_name: 'Bob', acked_at: T0 + 4 * min,
};
/** Markdown escapes (HTML numeric entities) read back, to compare with what a person sees. */
const shown = (s: string) => s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));
const entry = (m: number, kind: string, message: string, actor_name: string | null = 'Hark') => ({ at: T0 + m * min, kind, actor_name, message });

describe('war room summary', () => {
  it('sorts the timeline into escalations and buzzes, notes and what happened, and says how long it took', () => {
    const view = summaryView(inc, [
      entry(0, 'open', '#42 opened from shop: 1 alert firing'),
      entry(0, 'delivery', 'card posted in group Shop on-call'),
      entry(1, 'escalate', 'escalated to level 1: Alice'),
      entry(2, 'delivery', 'buzzed Alice by phone (urgent)'),
      entry(3, 'page', 'Carol paged by Bob', 'Bob'),
      entry(4, 'ack', '#42 acknowledged by Bob', 'Bob'),
      entry(5, 'note', 'Rolling back deploy <at id="all"></at> [x](javascript:alert(1))', 'Bob'),
      entry(6, 'war_room', 'war room opened'),
      entry(7, 'alerts', '1 alert resolved'),
      entry(72, 'resolve', '#42 resolved by Erin', 'Erin'),
    ], 'https://hark.example.com/h5/incidents/42', T0 + 80 * min);
    expect(view.escalations.map((e) => e.text)).toEqual(['escalated to level 1: Alice', 'buzzed Alice by phone (urgent)', 'Carol paged by Bob']);
    expect(view.notes.map((e) => e.who)).toEqual(['Bob']);
    expect(view.events.map((e) => e.text)).toEqual(['#42 opened from shop: 1 alert firing', '#42 acknowledged by Bob', '#42 resolved by Erin']);

    for (const lang of ['en_us', 'zh_cn', 'both'] as const) {
      const card = renderWarRoomSummaryCard(view, { lang, now: T0 + 80 * min });
      expect(validateCard(card).ok).toBe(true);
    }
    const text = cardText(renderWarRoomSummaryCard(view, { lang: 'en_us', now: T0 + 80 * min }));
    expect(text).toContain('Summary · #42 Checkout latency above 2 s');
    expect(text).toContain('Resolved after 1 h 12 min · Critical');
    expect(text).toContain('**Acknowledged by:** Bob · 2026-12-01 10:04 UTC');
    expect(text).toContain('**Resolved by:** Erin · 2026-12-01 11:12 UTC');
    expect(shown(text)).toContain('**Escalations and buzzes (3)**\n• 10:01 escalated to level 1: Alice\n• 10:02 buzzed Alice by phone (urgent)\n• 10:03 Bob: Carol paged by Bob');
    expect(shown(text)).toContain('**Notes (1)**\n• 10:05 Bob: Rolling back deploy');
    // People's text cannot mention everyone or smuggle a link into the card.
    expect(text).not.toContain('<at');
    expect(text).not.toContain('](javascript');
    const zh = cardText(renderWarRoomSummaryCard(view, { lang: 'zh_cn', now: T0 + 80 * min }));
    expect(zh).toContain('历时 1 小时 12 分钟 后解决');
  });

  it('says "none" for empty sections and "automatically" without a resolver', () => {
    const view = summaryView({ ...inc, acked_by_name: null, acked_at: null, resolved_by_name: null }, [], 'https://h/h5/incidents/42', T0);
    const text = cardText(renderWarRoomSummaryCard(view, { lang: 'en_us', now: T0 }));
    expect(text).toContain('**Acknowledged by:** nobody');
    expect(text).toContain('**Resolved:** automatically, all alerts resolved');
    expect(text).toContain('**Escalations and buzzes:** none');
    expect(text).toContain('**Notes:** none');
  });
});
