// Text from alerts, chats and people is hostile until proven otherwise: it must not become a
// mention (`<at id=all>` pages a whole group), a link, markdown formatting, or json-e code.
import { describe, expect, it } from 'vitest';
import {
  md,
  plain,
  renderIncidentCard,
  renderIncidentListCard,
  renderLinkCard,
  renderStormCard,
  renderSubscriptionCard,
  renderWelcomeCard,
  safeUrl,
  validateCard,
  type Card,
} from '../../src/render/index.ts';
import { allTexts, BASE_OPTS, incident, LANGS, markdownTexts, NOW } from './fixtures.ts';

const EVIL = [
  '<at id=all></at>',
  '<at user_id="ou_x"></at>',
  '<AT ID=ALL></AT>',
  '[x](http://evil)',
  '**bold**',
  '</font><font color=red>',
  '{{x}}',
  '${lang}',
  '$${lang}',
  '<a href="http://evil">y</a>',
  '<link url="http://evil">z</link>',
  '# heading',
  '> quote',
  '`code`',
  ':OK:',
  '&#60;at id=all&#62;',
  'http://evil.example/path',
].join(' ');

const OUR_LINK = /\]\(http:\/\/localhost:3000\/h5\/incidents\/\d+\)/g;

function expectHarmless(card: Card): void {
  expect(validateCard(card).ok).toBe(true);
  for (const text of markdownTexts(card)) {
    expect(text).not.toMatch(/<\/?at\b/i);
    expect(text).not.toMatch(/<\/?(a|link|font)\b/i);
    // the only markdown links are Hark's own incident links
    expect(text.replace(OUR_LINK, '')).not.toMatch(/\]\(/);
    expect(text).not.toContain('**bold**');
    expect(text).not.toContain('`code`');
    expect(text).not.toMatch(/(^|\n)\s*(#|>)/);
    expect(text).not.toContain('http://evil');
  }
  for (const text of allTexts(card)) {
    expect(text).not.toMatch(/<\/?at\b/i); // plain_text too (defence in depth)
    expect(text).not.toContain('both'); // `${lang}` was not evaluated against the context
  }
}

const hostile = incident({
  title: `Disk full ${EVIL}`,
  source: `prom ${EVIL}`,
  labels: { alertname: `A ${EVIL}`, [`$eval`]: '${lang}', [`k ${EVIL}`]: '{"$eval": "lang"}', instance: '[x](http://evil)' },
  ackedBy: `Eve ${EVIL}`,
  ackedAt: NOW - 60_000,
  resolvedBy: `Mallory ${EVIL}`,
  description: `Line one\n${EVIL}\n<at id=all></at>`,
  links: [{ title: `Runbook ${EVIL}`, url: 'https://wiki.example.com/rb' }],
});

describe.each(LANGS)('hostile text renders harmless (%s)', (lang) => {
  const opts = { ...BASE_OPTS, lang };

  it.each([
    ['triggered', hostile],
    ['acknowledged', { ...hostile, status: 'acknowledged' as const }],
    ['resolved', { ...hostile, status: 'resolved' as const, resolvedAt: NOW }],
    ['snoozed', { ...hostile, snoozedUntil: NOW + 60_000 }],
  ])('incident card, %s', (_state, view) => {
    expectHarmless(renderIncidentCard(view, opts));
  });

  it('incident list', () => {
    expectHarmless(renderIncidentListCard([hostile, { ...hostile, number: 43 }], { ...opts, scope: 'group' }));
  });

  it('link, welcome, subscription and storm cards', () => {
    expectHarmless(renderLinkCard({ linkUrl: 'http://localhost:3000/h5', pendingAction: `ack 42 ${EVIL}` }, opts));
    expectHarmless(renderWelcomeCard({ chatName: `Ops ${EVIL}`, sources: [`s1 ${EVIL}`, 'prometheus'] }, opts));
    expectHarmless(
      renderSubscriptionCard(
        {
          chatName: `Ops ${EVIL}`,
          subscriptions: [{ source: `s ${EVIL}`, minSeverity: `<at id=all>`, labels: { [`k ${EVIL}`]: EVIL } }],
          changed: `Subscribed ${EVIL}`,
        },
        opts,
      ),
    );
    expectHarmless(
      renderStormCard({ source: `s ${EVIL}`, chatName: `Ops ${EVIL}`, collapsed: 3, waiting: 1, bySeverity: { critical: 1 }, since: NOW }, opts),
    );
  });
});

describe('json-e syntax in data is data', () => {
  it('shows label names and values that look like json-e literally', () => {
    const card = renderIncidentCard(
      incident({ labels: { $eval: '${lang}', $if: 'true', x: '{"$eval":"now"}' } }),
      { ...BASE_OPTS, lang: 'en_us' },
    );
    const labels = markdownTexts(card).find((t) => t.startsWith('**Labels:**'));
    expect(labels).toContain('&#36;eval=&#36;&#123;lang&#125;');
    expect(labels).toContain('&#36;if=true');
    expect(labels).toContain('x=&#123;&#34;&#36;eval&#34;&#58;&#34;now&#34;&#125;');
  });

  it('does not evaluate a title that is a json-e expression', () => {
    const card = renderIncidentCard(incident({ title: '${incident.number * 1000}' }), { ...BASE_OPTS, lang: 'en_us' });
    expect((card.header as { title: { content: string } }).title.content).toBe('#42 ${incident.number * 1000}');
  });
});

describe('md()', () => {
  it('escapes markdown and Lark tags as numeric entities', () => {
    expect(md('<at id=all></at>')).toBe('&#60;at id=all&#62;&#60;&#47;at&#62;');
    expect(md('[x](http://evil)')).toBe('&#91;x&#93;&#40;http&#58;&#47;&#47;evil&#41;');
    expect(md('**b** _i_ ~~s~~ `c`')).toBe('&#42;&#42;b&#42;&#42; &#95;i&#95; &#126;&#126;s&#126;&#126; &#96;c&#96;');
    expect(md('&#60;')).toBe('&#38;&#35;60;');
  });

  it('keeps text on one line and drops control and bidi characters', () => {
    expect(md('a\nb\r\nc\td')).toBe('a b c d');
    expect(md('x\u202Ey\u0007z')).toBe('xyz');
    expect(md(null)).toBe('');
    expect(md('中文 ok')).toBe('中文 ok');
  });
});

describe('plain()', () => {
  it('breaks Lark tags with a zero-width space and keeps other text as is', () => {
    expect(plain('<at id=all></at> a<b **x**')).toBe('<\u200bat id=all><\u200b/at> a<b **x**');
    expect(plain('one\ntwo')).toBe('one two');
    expect(plain('one\n\n\n\ntwo', { multiline: true })).toBe('one\n\ntwo');
  });
});

describe('safeUrl()', () => {
  it('keeps http(s) URLs and refuses the rest', () => {
    expect(safeUrl('https://wiki.example.com/a b')).toBe('https://wiki.example.com/a%20b');
    expect(safeUrl("https://x.example/a')(b")).toBe('https://x.example/a%27%29%28b');
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl('lark://x')).toBeNull();
    expect(safeUrl('/relative')).toBeNull();
    expect(safeUrl(42)).toBeNull();
  });
});
