import { describe, expect, it } from 'vitest';
import { cardToHtml } from '../../src/card-html/card-html.ts';
import { renderIncidentCard } from '../../src/render/index.ts';
import { incident } from '../render/fixtures.ts';

// The chat view draws the incident card's custom silence duration as a real input whose Enter
// sends the callback (with input_value), as Lark's client does.
describe('chat view: a standalone input on a card', () => {
  it('is an input carrying its callback value and placeholder', () => {
    const html = cardToHtml(renderIncidentCard(incident({ silenceable: true }), { lang: 'both' }), { lang: 'en_us' });
    const input = /<input [^>]*>/.exec(html)?.[0] ?? '';
    expect(input).toContain('class="lk-input"');
    expect(input).toContain('data-lk-input="callback"');
    expect(input).toContain('placeholder="Custom, e.g. 2h30m or 3d, then Enter"');
    expect(input).toContain(`data-value="${JSON.stringify({ v: 1, op: 'silence', incident: 42 }).replace(/"/g, '&quot;')}"`);
    expect(html).not.toContain('[input]');
  });
});
