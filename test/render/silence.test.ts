// The incident card's Alertmanager silence (issue 16): "Silence ▾" with 1 h / 4 h / 24 h and a
// custom duration, "Silenced until … by …", and Unsilence; absent where Hark cannot silence.
import { describe, expect, it } from 'vitest';
import { renderIncidentCard, validateCard } from '../../src/render/index.ts';
import { BASE_OPTS, collect, incident, LANGS, markdownTexts, MIN, NOW } from './fixtures.ts';

describe.each(LANGS)('silence on the incident card (%s)', (lang) => {
  const opts = { ...BASE_OPTS, lang };
  // Buttons and the custom-duration input (Enter sends its callback with input_value).
  const silenceValues = (card: unknown) =>
    collect(card, (n) => n.tag === 'button' || n.tag === 'input')
      .flatMap((b) => ((b.behaviors as { type: string; value: any }[]) ?? []).filter((x) => x.type === 'callback').map((x) => x.value))
      .filter((v) => v.op === 'silence' || v.op === 'unsilence');

  it('offers 1 h, 4 h, 24 h and a custom duration when the source has an Alertmanager', () => {
    const card = renderIncidentCard(incident({ silenceable: true }), opts);
    expect(validateCard(card)).toMatchObject({ ok: true, errors: [] });
    expect(silenceValues(card)).toEqual([
      { v: 1, op: 'silence', incident: 42, duration: '1h' },
      { v: 1, op: 'silence', incident: 42, duration: '4h' },
      { v: 1, op: 'silence', incident: 42, duration: '24h' },
      { v: 1, op: 'silence', incident: 42 },
    ]);
    const inputs = collect(card, (n) => n.tag === 'input');
    expect(inputs).toHaveLength(1);
    expect(JSON.stringify(inputs[0])).toMatch(/2h30m/);
    expect(JSON.stringify(card)).toMatch(lang === 'zh_cn' ? /静默 ▾/ : /Silence ▾/);
  });

  it('shows who silenced it until when, and offers Unsilence, also once resolved', () => {
    const silence = { until: Date.UTC(2026, 2, 1, 14, 0, 0), by: 'Alice Wang' };
    for (const view of [incident({ silenceable: true, silence }), incident({ silenceable: true, silence, status: 'resolved', resolvedAt: NOW - MIN })]) {
      const card = renderIncidentCard(view, opts);
      expect(validateCard(card)).toMatchObject({ ok: true, errors: [] });
      const texts = markdownTexts(card).join('\n');
      if (lang !== 'zh_cn') expect(texts).toMatch(/Silenced until\*\* (2026-03-01 )?14:00 UTC by Alice Wang/);
      if (lang !== 'en_us') expect(texts).toMatch(/已静默至\*\* (2026-03-01 )?14:00 UTC，操作人 Alice Wang/);
      expect(silenceValues(card)[0]).toEqual({ v: 1, op: 'unsilence', incident: 42 });
    }
  });

  it('says nothing once the silence is gone (its end timer removes it), and offers none where Hark cannot silence', () => {
    const ended = renderIncidentCard(incident({ silenceable: true, silence: null }), opts);
    expect(markdownTexts(ended).join('\n')).not.toMatch(/Silenced|已静默/);
    expect(silenceValues(ended).map((v) => v.op)).not.toContain('unsilence');
    for (const view of [incident(), incident({ silenceable: false }), incident({ silenceable: true, status: 'resolved', resolvedAt: NOW - MIN })]) {
      expect(silenceValues(renderIncidentCard(view, opts))).toEqual([]);
    }
  });
});
