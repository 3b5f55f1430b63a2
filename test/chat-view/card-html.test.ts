import { describe, expect, it } from 'vitest';
import { cardSummary, cardToHtml, decodeEntities, escapeHtml, markdownToHtml } from '../../src/card-html/card-html.ts';
import { renderIncidentCard } from '../../src/render/index.ts';
import { BASE_OPTS, callbackValues, incident, STATES } from '../render/fixtures.ts';

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Every tag name and every attribute name that appears in the HTML. */
function tagsAndAttrs(html: string): { tags: Set<string>; attrs: Set<string> } {
  const tags = new Set<string>();
  const attrs = new Set<string>();
  for (const m of html.matchAll(/<\/?([a-zA-Z][\w-]*)([^>]*)>/g)) {
    tags.add(m[1].toLowerCase());
    // Values are always double-quoted; an unescaped quote inside one would surface as a stray attribute.
    for (const a of m[2].matchAll(/\s*([^\s=]+)(?:="[^"]*")?/g)) attrs.add(a[1].toLowerCase());
  }
  return { tags, attrs };
}

const ALLOWED_TAGS = new Set(['div', 'span', 'strong', 'br', 'hr', 'button', 'a', 'details', 'summary']);
const ALLOWED_ATTRS = new Set(['class', 'data-template', 'title', 'type', 'data-lk-action', 'data-value', 'data-name',
  'data-confirm', 'disabled', 'href', 'target', 'rel', 'open']);

function expectOnlySafeMarkup(html: string): void {
  const { tags, attrs } = tagsAndAttrs(html);
  for (const t of tags) expect(ALLOWED_TAGS, `tag <${t}>`).toContain(t);
  for (const a of attrs) expect(ALLOWED_ATTRS, `attribute ${a}`).toContain(a);
  for (const m of html.matchAll(/href="([^"]*)"/g)) expect(unescape(m[1])).toMatch(/^https?:\/\//);
}

const hostile = '<script>alert(1)</script> "><img src=x onerror=alert(2)> <at id=all></at> **bold** [click](javascript:alert(3)) &#60;b&#62;';

describe('card HTML: escaping of untrusted text', () => {
  it('draws a rendered incident card with hostile alert text as literal text only', () => {
    const card = renderIncidentCard(incident({
      title: hostile,
      source: hostile,
      description: hostile,
      labels: { [hostile]: hostile },
      links: [{ title: hostile, url: 'javascript:alert(4)' }, { title: 'ok', url: 'https://example.com/"onmouseover="x' }],
    }), BASE_OPTS);
    for (const lang of ['en_us', 'zh_cn'] as const) {
      const html = cardToHtml(card, { lang });
      expectOnlySafeMarkup(html);
      expect(html).not.toMatch(/<script|<img/i); // as tags; the words themselves show as text
      // Shown, as text: the title in the header and the description.
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
      // Hark's markdown escapes (&#42;) stay literal: no bold, no link, no mention from alert text.
      expect(html).not.toContain('<strong>bold</strong>');
      expect(html).not.toContain('class="lk-at"');
    }
  });

  it('never lets a raw hostile card produce markup, attributes or links', () => {
    const card = {
      schema: '2.0',
      config: { summary: { content: hostile } },
      header: {
        title: { tag: 'plain_text', content: hostile },
        subtitle: { tag: 'plain_text', content: '"onmouseover="alert(1)' },
        template: 'red" onclick="alert(1)',
        text_tag_list: [{ tag: 'text_tag', text: { tag: 'plain_text', content: hostile }, color: 'x" onclick="y' }],
      },
      body: {
        elements: [
          { tag: 'markdown', content: hostile, text_size: '" onclick="x' },
          { tag: 'div', text: { tag: 'lark_md', content: hostile, lines: '"><script>' } },
          { tag: 'button', type: '"><script>', size: 'x', text: { tag: 'plain_text', content: hostile },
            confirm: { title: { tag: 'plain_text', content: hostile }, text: { tag: 'plain_text', content: hostile } },
            name: '"><script>', behaviors: [{ type: 'callback', value: { s: hostile } }] },
          { tag: 'button', text: { tag: 'plain_text', content: 'go' }, behaviors: [{ type: 'open_url', default_url: 'javascript:alert(1)' }] },
          { tag: 'collapsible_panel', header: { title: { tag: 'plain_text', content: hostile } }, elements: [{ tag: 'markdown', content: hostile }] },
          { tag: '<script>', content: hostile },
          { tag: 'column_set', columns: [{ tag: 'column', width: '"><b', elements: [{ tag: 'markdown', content: hostile }] }] },
        ],
      },
    };
    const html = cardToHtml(card);
    expectOnlySafeMarkup(html);
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('class="lk-head lk-head-default"');
    expect(html).toContain('[&lt;script&gt;]');
    // The callback value survives the attribute round trip exactly.
    const value = /data-value="([^"]*)"/.exec(html)![1];
    expect(JSON.parse(unescape(value))).toEqual({ s: hostile });
    expect(cardSummary(card)).toBe(hostile); // plain text; the page escapes it where it shows it
  });

  it('markdown: bold, line breaks, links as text; entities are literal characters', () => {
    expect(markdownToHtml('**Severity:** high\nnext')).toBe('<strong>Severity:</strong> high<br>next');
    expect(markdownToHtml('see [runbook](https://x.example/a?b=1&c=2)')).toBe(
      'see <span class="lk-md-link" title="https://x.example/a?b=1&amp;c=2">runbook</span>');
    expect(markdownToHtml('**[#42](http://h/42)** x')).toBe('<strong><span class="lk-md-link" title="http://h/42">#42</span></strong> x');
    expect(markdownToHtml('&#42;&#42;no&#42;&#42; &#60;at id=all&#62;&#60;/at&#62;')).toBe('**no** &lt;at id=all&gt;&lt;/at&gt;');
    expect(decodeEntities('&#x1F534; &amp;lt; &#0; &#xD800;')).toBe('🔴 &lt; &#0; &#xD800;');
    expect(escapeHtml(`<a href="x" title='y'>&`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;');
  });
});

describe('card HTML: the look', () => {
  const expected: Record<string, string> = {
    'triggered-critical': 'red',
    'triggered-warning': 'orange',
    'triggered-info': 'blue',
    acknowledged: 'wathet',
    'snoozed-triggered': 'grey',
    'snoozed-acknowledged': 'grey',
    'resolved-by-person': 'green',
    'resolved-automatically': 'green',
  };
  for (const [state, colour] of Object.entries(expected)) {
    it(`${state}: header colour ${colour} and buttons carry their callback values`, () => {
      const card = renderIncidentCard(STATES[state], BASE_OPTS);
      const html = cardToHtml(card);
      expect(html).toContain(`class="lk-head lk-head-${colour}" data-template="${colour}"`);
      const values = [...html.matchAll(/data-value="([^"]*)"/g)].map((m) => JSON.parse(unescape(m[1])));
      expect(values).toEqual(callbackValues(card));
      expect(values.length).toBeGreaterThan(0);
    });
  }

  it('button types and sizes become classes; open_url buttons are links; confirm text is carried', () => {
    const html = cardToHtml(renderIncidentCard(STATES['triggered-critical'], BASE_OPTS));
    expect(html).toMatch(/<button [^>]*class="lk-btn lk-btn-primary_filled lk-btn-medium"[^>]*>Acknowledge<\/button>/);
    expect(html).toMatch(/<button [^>]*class="lk-btn lk-btn-danger lk-btn-medium"[^>]*data-confirm="Resolve #42\?\n\nAlerts that fire again will open a new incident."[^>]*>Resolve<\/button>/);
    expect(html).toContain('<a class="lk-btn lk-btn-text lk-btn-medium" href="http://localhost:3000/h5/incidents/42" target="_blank" rel="noopener noreferrer">Open in Hark</a>');
    expect(html).toMatch(/<details class="lk-panel"><summary class="lk-panel-head">Snooze ▾<\/summary>/);
    expect(html).toContain('class="lk-hr"');
    expect(html).toContain('<span class="lk-tag lk-tag-red">Triggered</span>');
  });

  it('shows i18n_content in the chosen language, content otherwise', () => {
    const card = renderIncidentCard(STATES.acknowledged, BASE_OPTS);
    expect(cardToHtml(card, { lang: 'zh_cn' })).toContain('>认领人</strong>');
    expect(cardToHtml(card, { lang: 'zh_cn' })).toContain('>取消认领</button>');
    expect(cardToHtml(card, { lang: 'en_us' })).toContain('>Unacknowledge</button>');
    expect(cardSummary(card, 'zh_cn')).toBe('[严重 · 已认领] #42 Database primary down');
  });
});
