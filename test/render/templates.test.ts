// Loading templates: the shipped ones load; a broken one is reported with its file and JSON path.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CardTemplates, DEFAULT_CARDS_DIR, renderHelpCard, renderIncidentCard, TemplateError } from '../../src/render/index.ts';
import { BASE_OPTS, markdownTexts, STATES } from './fixtures.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temp `cards` dir holding the given templates (objects are written as JSON, strings as is). */
function cardsDir(files: Record<string, unknown>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'hark-render-'));
  dirs.push(root);
  const dir = path.join(root, 'cards');
  mkdirSync(dir);
  for (const [name, body] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  }
  return dir;
}

const card = (elements: unknown[]) => ({ schema: '2.0', config: { update_multi: true }, body: { elements } });

function catchError(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return e as TemplateError;
  }
  throw new Error('expected a TemplateError');
}

describe('shipped templates', () => {
  it('all load from the repository cards/ directory', () => {
    const t = new CardTemplates(DEFAULT_CARDS_DIR);
    expect(t.names().sort()).toEqual(['ack-reminder', 'declare', 'handoff', 'help', 'incident', 'incident-list', 'insights-personal', 'insights-report', 'link', 'maintenance', 'oncall', 'storm', 'subscription', 'war-room-summary', 'welcome']);
  });
});

describe('broken templates', () => {
  it('invalid JSON names the file', () => {
    const dir = cardsDir({ 'incident.json': '{ "schema": "2.0", ' });
    const e = catchError(() => new CardTemplates(dir));
    expect(e.file).toBe('cards/incident.json');
    expect(e.jsonPath).toBe('$');
    expect(e.message).toMatch(/^cards\/incident\.json: \$: invalid JSON/);
  });

  it('a json-e syntax error is found at load time, with its JSON path', () => {
    const dir = cardsDir({
      'incident.json': card([{ tag: 'hr' }, { tag: 'markdown', content: 'ok' }, { tag: 'hr' }, { tag: 'markdown', content: { $eval: 'incident.(' } }]),
    });
    const e = catchError(() => new CardTemplates(dir));
    expect(e.message).toMatch(/^cards\/incident\.json: \$\.body\.elements\[3\]\.content\.\$eval|^cards\/incident\.json: \$\.body\.elements\[3\]\.content\["\$eval"\]/);
    expect(e.jsonPath).toContain('$.body.elements[3].content');
  });

  it('a bad interpolation and an unknown operator are found at load time', () => {
    const bad = cardsDir({ 'a.json': card([{ tag: 'markdown', content: 'x ${incident.} y' }]) });
    expect(catchError(() => new CardTemplates(bad)).jsonPath).toBe('$.body.elements[0].content');
    const unknown = cardsDir({ 'b.json': card([{ $evall: 'x' }]) });
    const e = catchError(() => new CardTemplates(unknown));
    expect(e.jsonPath).toBe('$.body.elements[0]["$evall"]');
    expect(e.message).toContain('unknown json-e operator');
  });

  it('a card left holding a function fails with json-e\'s own error', () => {
    // `md` is a helper of the context: $eval'd without a call it is a function, which json-e refuses.
    const dir = cardsDir({ 'help.json': card([{ tag: 'markdown', content: 'ok', extra: { $eval: 'md' } }]) });
    const e = catchError(() => renderHelpCard({ templates: new CardTemplates(dir) }));
    expect(e.file).toBe('cards/help.json');
    expect(e.message).toMatch(/^cards\/help\.json: \$: json-e error: .*uncalled functions/);
  });

  it('a render-time json-e error names the file and the JSON path json-e reports', () => {
    const dir = cardsDir({ 'help.json': card([{ tag: 'hr' }, { tag: 'markdown', content: { $eval: 'nosuch.thing' } }]) });
    const templates = new CardTemplates(dir);
    const e = catchError(() => renderHelpCard({ templates }));
    expect(e.file).toBe('cards/help.json');
    expect(e.jsonPath).toBe('$.body.elements[1].content');
    expect(e.message).toMatch(/^cards\/help\.json: \$\.body\.elements\[1\]\.content: json-e error/);
  });

  it('a template that renders a 1.0 card is refused', () => {
    const dir = cardsDir({ 'incident.json': card([{ tag: 'action', actions: [] }]) });
    const e = catchError(() => renderIncidentCard(STATES['triggered-critical'], { ...BASE_OPTS, templates: new CardTemplates(dir) }));
    expect(e.message).toMatch(/not a valid Lark card.*action/);
  });

  it('an unknown template name is an error', () => {
    const templates = new CardTemplates(cardsDir({}));
    expect(catchError(() => renderHelpCard({ templates })).file).toBe('cards/help.json');
  });
});

describe('safety net', () => {
  it('neutralizes a mention that a template author wrote into markdown', () => {
    const dir = cardsDir({
      'help.json': card([{ tag: 'markdown', i18n_content: { en_us: 'hi <at id=all></at>', zh_cn: '你好 <at user_id="ou_x"></at>' } }]),
    });
    const out = renderHelpCard({ templates: new CardTemplates(dir), lang: 'both' });
    for (const t of markdownTexts(out)) expect(t).not.toMatch(/<\/?at\b/);
    expect(markdownTexts(out)[0]).toBe('hi &#60;at id=all>&#60;/at>');
  });
});
