// Cards stay under Lark's 30 KB and 200-component limits whatever the input, by cutting texts and
// lists (and stepping down to smaller limits when a card is still too big).
import { describe, expect, it } from 'vitest';
import {
  countComponents,
  MAX_CARD_BYTES,
  MAX_CARD_COMPONENTS,
  renderIncidentCard,
  renderIncidentListCard,
  renderSubscriptionCard,
  renderWelcomeCard,
  truncate,
  validateCard,
  type Card,
} from '../../src/render/index.ts';
import { BASE_OPTS, incident, LANGS, markdownTexts } from './fixtures.ts';
import { fitsByTally } from '../../src/render/validate.ts';
import { localize, newTally, type CardTally } from '../../src/render/localize.ts';
import { CardTemplates } from '../../src/render/templates.ts';
import { SAMPLE_NOW, SAMPLES } from '../../src/preview/samples.ts';

function expectWithinLimits(card: Card): void {
  const check = validateCard(card);
  expect(check.errors).toEqual([]);
  expect(check.bytes).toBeLessThanOrEqual(MAX_CARD_BYTES);
  expect(check.components).toBeLessThanOrEqual(MAX_CARD_COMPONENTS);
}

const manyLabels = (n: number, value = 'v') =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`label_${String(i).padStart(3, '0')}`, `${value}${i}`]));

describe.each(LANGS)('size bounds (%s)', (lang) => {
  const opts = { ...BASE_OPTS, lang };

  it('shows a bounded number of labels and says how many are hidden', () => {
    const card = renderIncidentCard(incident({ labels: { alertname: 'PostgresDown', ...manyLabels(249) } }), { ...opts, lang: 'en_us' });
    expectWithinLimits(card);
    const line = markdownTexts(card).find((t) => t.startsWith('**Labels:**'))!;
    expect(line.split(' · ')).toHaveLength(12);
    expect(line).toContain('(+238 more)');
    expect(line).toContain('alertname=PostgresDown'); // key labels come first
  });

  it('cuts a very long title, source and description', () => {
    const card = renderIncidentCard(
      incident({ title: 'T'.repeat(100_000), source: 'S'.repeat(10_000), description: 'D'.repeat(1_000_000) }),
      opts,
    );
    expectWithinLimits(card);
    const title = (card.header as { title: { content: string } }).title.content;
    expect(Array.from(title).length).toBeLessThanOrEqual('#42 '.length + 200);
    expect(title.endsWith('…')).toBe(true);
  });

  it('survives the worst case: every field huge, every character escaped, 3-byte characters', () => {
    const nasty = '<[*中'.repeat(5_000);
    const card = renderIncidentCard(
      incident({
        title: nasty,
        source: nasty,
        ackedBy: nasty,
        ackedAt: BASE_OPTS.now! - 1,
        labels: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`${nasty.slice(0, 200)}${i}`, nasty])),
        description: nasty,
        links: Array.from({ length: 500 }, (_, i) => ({ title: nasty, url: `https://x.example/${i}` })),
      }),
      opts,
    );
    expectWithinLimits(card);
  });

  it('bounds long incident lists, and says how many more there are', () => {
    const items = Array.from({ length: 5_000 }, (_, i) => incident({ number: i + 1, title: '<'.repeat(500) }));
    const card = renderIncidentListCard(items, { ...opts, scope: 'group' });
    expectWithinLimits(card);
    expect(JSON.stringify(card)).toMatch(/and \d+ more|另有 \d+ 个/);
  });

  it('bounds welcome and subscription cards', () => {
    expectWithinLimits(renderWelcomeCard({ chatName: 'x'.repeat(10_000), sources: Array.from({ length: 5_000 }, (_, i) => `source-${i}`) }, opts));
    const subscriptions = Array.from({ length: 2_000 }, (_, i) => ({
      source: `s${i}`.repeat(50),
      minSeverity: 'warning',
      labels: manyLabels(100, '<'.repeat(100)),
    }));
    expectWithinLimits(renderSubscriptionCard({ chatName: 'SRE', subscriptions, changed: '*'.repeat(10_000) }, opts));
  });
});

describe('validateCard', () => {
  const good = { schema: '2.0', config: { update_multi: true }, body: { elements: [{ tag: 'markdown', content: 'x' }] } };

  it('accepts a minimal 2.0 card', () => {
    expect(validateCard(good)).toEqual({ ok: true, errors: [], bytes: JSON.stringify(good).length, components: 1 });
  });

  it('refuses 1.0 shapes and wrong schema', () => {
    expect(validateCard({ ...good, schema: '1.0' }).errors).toContain('schema must be "2.0"');
    expect(validateCard({ schema: '2.0', elements: [] }).ok).toBe(false);
    const action = { ...good, body: { elements: [{ tag: 'action', actions: [] }] } };
    expect(validateCard(action).errors.join()).toMatch(/\$\.body\.elements\[0\].*action/);
    expect(validateCard({ ...good, config: { update_multi: false } }).ok).toBe(false);
    expect(validateCard(null).ok).toBe(false);
  });

  it('refuses cards over 30 KB or 200 components', () => {
    const big = { ...good, body: { elements: [{ tag: 'markdown', content: 'x'.repeat(MAX_CARD_BYTES) }] } };
    expect(validateCard(big).errors.join()).toMatch(/bytes/);
    const many = { ...good, body: { elements: Array.from({ length: 100 }, () => ({ tag: 'div', text: { tag: 'plain_text', content: 'x' } })) } };
    expect(countComponents(many)).toBe(200);
    expect(validateCard(many).ok).toBe(true);
    many.body.elements.push({ tag: 'div', text: { tag: 'plain_text', content: 'x' } });
    expect(validateCard(many).errors.join()).toMatch(/202 components/);
  });
});

describe('the tally localize takes', () => {
  it('counts the components validateCard counts and bounds the bytes of every sample card', () => {
    const templates = new CardTemplates();
    let cards = 0;
    for (const lang of ['both', 'en_us', 'zh_cn'] as const) {
      for (const s of SAMPLES) {
        const spy = Object.create(templates) as CardTemplates;
        let tally: CardTally | undefined;
        spy.renderTallied = (name, context) => {
          const r = templates.renderTallied(name, context);
          tally = r.tally;
          return r;
        };
        const c = s.render({ templates: spy, lang, now: SAMPLE_NOW });
        const check = validateCard(c);
        expect(tally!.components, s.caption).toBe(check.components);
        expect(tally!.bound, s.caption).toBeGreaterThanOrEqual(check.bytes);
        cards++;
      }
    }
    expect(cards).toBeGreaterThan(20);
  });
});

/** What renderFitted decides for a card: localize it, tallying, and judge by the tally. */
function passesQuickly(card: unknown): boolean {
  const tally = newTally();
  const localized = card !== null && typeof card === 'object' ? localize(card, 'both', tally) : card;
  return fitsByTally(localized, tally);
}

describe('fitsByTally, with the tally localize takes', () => {
  const card = (content: string, extra: object[] = []) => ({
    schema: '2.0',
    config: { update_multi: true },
    body: { elements: [{ tag: 'markdown', content }, ...extra] },
  });

  it('agrees with validateCard on every size around the limit and on every structural mistake', () => {
    // Control characters serialize to six bytes apiece (\u001f), CJK to three, emoji to four per pair.
    for (const unit of ['x', '\u001f', '严', '😀', '"']) {
      for (const bytes of [100, 4_000, 5_000, 9_000, 15_000, 29_900, 30_000, 30_100, 60_000]) {
        const one = Buffer.byteLength(JSON.stringify(unit)) - 2;
        const c = card(unit.repeat(Math.floor(bytes / one)));
        expect(passesQuickly(c), `${JSON.stringify(unit)} × ${bytes} bytes`).toBe(validateCard(c).ok);
      }
    }
    const good = card('x');
    const bad: unknown[] = [
      null, [], 'card', { ...good, schema: '1.0' }, { schema: '2.0', elements: [] }, { ...good, config: { update_multi: false } },
      { ...good, elements: [] }, card('x', [{ tag: 'action', actions: [] }]),
      card('x', Array.from({ length: 200 }, () => ({ tag: 'hr' }))),
    ];
    for (const c of bad) {
      expect(validateCard(c).ok).toBe(false);
      expect(passesQuickly(c)).toBe(false);
    }
    expect(passesQuickly(card('x', Array.from({ length: 199 }, () => ({ tag: 'hr' }))))).toBe(true);
  });
});

describe('truncate', () => {
  it('never splits a surrogate pair', () => {
    expect(truncate('😀😀😀', 2)).toBe('😀…');
    expect(truncate('abc', 3)).toBe('abc');
  });
});
