// The rendered-card cache: copies of one incident's card share one render, and a cached card is
// never different from a fresh render (the clock texts, the escalation step, the language and
// zone all count).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CardTemplates, DEFAULT_CARDS_DIR, renderIncidentCard, type Lang } from '../../src/render/index.ts';
import { BASE_OPTS, incident, markdownTexts, MIN, NOW, STATES } from './fixtures.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A `cards` dir holding a copy of the shipped incident template, with `edit` applied to its text. */
function incidentTemplateDir(edit: (text: string) => string): string {
  const root = mkdtempSync(path.join(tmpdir(), 'hark-cache-'));
  dirs.push(root);
  const dir = path.join(root, 'cards');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'incident.json'), edit(readFileSync(path.join(DEFAULT_CARDS_DIR, 'incident.json'), 'utf8')));
  return dir;
}

const startedLine = (card: unknown) => markdownTexts(card).find((t) => t.startsWith('**Started:**'));

describe('rendered incident cards are cached', () => {
  it('the copies of one incident share one render', () => {
    const templates = new CardTemplates();
    const view = STATES.acknowledged;
    const first = renderIncidentCard(view, { ...BASE_OPTS, templates });
    // Another copy, a few seconds later ("5 min ago", "2 min ago" still), from a view loaded again.
    const second = renderIncidentCard(structuredClone(view), { ...BASE_OPTS, now: NOW + 5_000, templates });
    expect(second).toBe(first);
    expect(templates.cache.hits).toBe(1);
    expect(templates.cache.misses).toBe(1);
  });

  it('a cached card is frozen, so no holder can change another holder\'s copy', () => {
    const templates = new CardTemplates();
    const card = renderIncidentCard(STATES.acknowledged, { ...BASE_OPTS, templates });
    expect(() => {
      (card.header as Record<string, unknown>).template = 'red';
    }).toThrow(TypeError);
  });

  it('renders again when an "ago" text changes with the clock', () => {
    const templates = new CardTemplates();
    const view = STATES['triggered-critical'];
    const before = renderIncidentCard(view, { ...BASE_OPTS, templates });
    const after = renderIncidentCard(view, { ...BASE_OPTS, now: NOW + MIN, templates });
    expect(startedLine(before)).toContain('(5 min ago)');
    expect(startedLine(after)).toContain('(6 min ago)');
  });

  it('renders again when the next escalation moves, though the incident did not change', () => {
    const templates = new CardTemplates();
    const a = renderIncidentCard(incident({ nextEscalation: { level: 2, at: NOW + 5 * MIN } }), { ...BASE_OPTS, templates });
    const b = renderIncidentCard(incident({ nextEscalation: { level: 3, at: NOW + 5 * MIN } }), { ...BASE_OPTS, templates });
    const c = renderIncidentCard(incident({ nextEscalation: null }), { ...BASE_OPTS, templates });
    const escalation = (card: unknown) => markdownTexts(card).find((t) => t.startsWith('**Next escalation:**'));
    expect(escalation(a)).toContain('level 2');
    expect(escalation(b)).toContain('level 3');
    expect(escalation(c)).toBeUndefined();
  });

  it('keeps languages and time zones apart', () => {
    const templates = new CardTemplates();
    const view = STATES['triggered-critical'];
    const en = renderIncidentCard(view, { ...BASE_OPTS, lang: 'en_us', templates });
    const zh = renderIncidentCard(view, { ...BASE_OPTS, lang: 'zh_cn', templates });
    const shanghai = renderIncidentCard(view, { ...BASE_OPTS, lang: 'en_us', timeZone: 'Asia/Shanghai', templates });
    expect(startedLine(en)).toContain('2026-03-01 10:02 UTC');
    expect(markdownTexts(zh).some((t) => t.startsWith('**开始时间**'))).toBe(true);
    expect(startedLine(shanghai)).toContain('2026-03-01 18:02 GMT+8');
  });

  it('every cached card equals a fresh render, over states, languages and a moving clock', () => {
    const cached = new CardTemplates();
    const fresh = new CardTemplates(DEFAULT_CARDS_DIR, { cacheSize: 0 });
    let compared = 0;
    // Seconds to days after NOW: "just now" → "1 min ago", "in 25 min" → "now", and so on.
    const moments = [0, 1_000, 29_000, 31_000, 59_999, 60_000, 61_000, 24 * MIN, 25 * MIN, 26 * MIN, 2 * 60 * MIN, 3 * 86_400_000];
    for (const at of moments) {
      for (const lang of ['both', 'en_us', 'zh_cn'] as Lang[]) {
        for (const view of Object.values(STATES)) {
          const opts = { ...BASE_OPTS, now: NOW + at, lang };
          expect(renderIncidentCard(view, { ...opts, templates: cached })).toStrictEqual(renderIncidentCard(view, { ...opts, templates: fresh }));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(200);
    expect(cached.cache.hits).toBeGreaterThan(compared / 4);
    expect(fresh.cache.hits).toBe(0);
  });

  it('holds at most its capacity, dropping the least recently used', () => {
    const templates = new CardTemplates(DEFAULT_CARDS_DIR, { cacheSize: 3 });
    const views = [1, 2, 3, 4].map((number) => incident({ number }));
    for (const v of views.slice(0, 3)) renderIncidentCard(v, { ...BASE_OPTS, templates });
    renderIncidentCard(views[0], { ...BASE_OPTS, templates }); // #1 used again: #2 is now the oldest
    renderIncidentCard(views[3], { ...BASE_OPTS, templates });
    expect(templates.cache.size).toBe(3);
    const hits = templates.cache.hits;
    renderIncidentCard(views[0], { ...BASE_OPTS, templates });
    expect(templates.cache.hits).toBe(hits + 1);
    renderIncidentCard(views[1], { ...BASE_OPTS, templates });
    expect(templates.cache.hits).toBe(hits + 1);
  });

  it('a template that reads the clock itself is not cached', () => {
    const dir = incidentTemplateDir((t) => t.replace('**Started:** ${time(incident.startedAt)}', '**Started:** ${time(incident.startedAt)} [${now}]'));
    const templates = new CardTemplates(dir);
    expect(templates.cacheable('incident')).toBe(false);
    const view = STATES['triggered-critical'];
    const a = renderIncidentCard(view, { ...BASE_OPTS, templates });
    const b = renderIncidentCard(view, { ...BASE_OPTS, now: NOW + 1_000, templates });
    expect(startedLine(a)).toContain(`[${NOW}]`);
    expect(startedLine(b)).toContain(`[${NOW + 1_000}]`);
    expect(new CardTemplates().cacheable('incident')).toBe(true);
  });
});
