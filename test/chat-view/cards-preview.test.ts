import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CardTemplates, DEFAULT_CARDS_DIR } from '../../src/render/index.ts';
import { CHROMIUM_PATH, renderSamples, runCardsCommand } from '../../src/preview/cards-preview.ts';
import { INCIDENT_STATES } from '../../src/preview/samples.ts';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-preview-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCardsCommand(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** A copy of cards/ in a directory named `cards`, with `edit` applied to one template. */
function brokenCards(file: string, edit: (s: string) => string): string {
  const dir = path.join(tmp(), 'cards');
  fs.cpSync(DEFAULT_CARDS_DIR, dir, { recursive: true });
  const p = path.join(dir, file);
  const before = fs.readFileSync(p, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  fs.writeFileSync(p, after);
  return dir;
}

describe('hark cards preview', () => {
  it('has sample data for every template in cards/ and every incident state', () => {
    const { samples, warnings } = renderSamples();
    expect(warnings).toEqual([]);
    expect(new Set(samples.map((s) => s.template))).toEqual(new Set(new CardTemplates(DEFAULT_CARDS_DIR).names()));
    expect(samples.filter((s) => s.template === 'incident').map((s) => s.state)).toEqual(Object.keys(INCIDENT_STATES));
    const templates = samples.filter((s) => s.template === 'incident').map((s) => (s.card.header as any).template);
    expect(templates).toEqual(['red', 'orange', 'blue', 'red', 'wathet', 'wathet', 'grey', 'green', 'green']);
  });

  it('writes one HTML page per card and an index with both languages', async () => {
    const out = tmp();
    const r = await run(['preview', '--out', out, '--no-png']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('no PNG screenshots: turned off with --no-png');
    const index = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    for (const s of renderSamples().samples) {
      expect(fs.existsSync(path.join(out, `${s.file}.html`)), s.file).toBe(true);
      expect(index).toContain(`id="${s.file}"`);
    }
    expect(index).toContain('>Acknowledge</button>');
    expect(index).toContain('>认领</button>');
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.png'))).toEqual([]);
  });

  it('stops on a template with a syntax error, naming the file and the JSON path, writing nothing', async () => {
    const cards = brokenCards('incident.json', (s) => s.replace('"$eval": "severityText[incident.severity].color"', '"$eval": "severityText[incident.severity.color"'));
    const out = path.join(tmp(), 'out');
    const r = await run(['preview', '--cards', cards, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('broken template cards/incident.json at $.in.header.template.then["$eval"]');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('stops on a template that fails while rendering, with the path json-e reports', async () => {
    const cards = brokenCards('storm.json', (s) => s.replace('${collapsed} more incidents', '${collapsed.nope.deeper} more incidents'));
    const r = await run(['preview', '--cards', cards, '--out', path.join(tmp(), 'out'), '--no-png']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('broken template cards/storm.json at $.config.summary["i18n_content"]["en_us"]');
    expect(r.err).toContain('json-e error: infix: . expects objects');
  });

  it('stops on invalid JSON and answers usage errors with 2', async () => {
    const cards = brokenCards('help.json', (s) => s.replace('"schema": "2.0",', '"schema": "2.0"'));
    const r = await run(['preview', '--cards', cards, '--out', path.join(tmp(), 'out')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('broken template cards/help.json at $');
    expect((await run(['preview', '--bogus'])).code).toBe(2);
    expect((await run(['render'])).code).toBe(2);
  });

  it.skipIf(!fs.existsSync(CHROMIUM_PATH))('takes 800 px wide PNG screenshots with Chromium', async () => {
    const out = tmp();
    const r = await run(['preview', '--out', out]);
    expect(r.code).toBe(0);
    const png = fs.readFileSync(path.join(out, 'incident-acknowledged.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(800); // IHDR width
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.png'))).toHaveLength(renderSamples().samples.length);
  });
});
