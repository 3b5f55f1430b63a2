import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { previewCards } from '../../src/preview/cards-preview.ts';
import { folderCycles, folderGraph } from './imports.ts';

// The line held by tools (issue 23 item 8), beside the lint rules of eslint.config.js.

describe('the import graph of src/', () => {
  it('has no cycle between folders, and store/ imports no feature', () => {
    const graph = folderGraph();
    const features = ['bot', 'delivery', 'escalation', 'paging', 'schedule', 'warroom', 'alertmanager', 'maintenance', 'ingest', 'auth', 'web', 'timers', 'http', 'lark'];
    expect([...(graph.get('store')?.keys() ?? [])].filter((f) => features.includes(f))).toEqual([]);
    expect(folderCycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const graph = new Map([
      ['escalation', new Map([['schedule', ['escalation/escalator.ts']]])],
      ['schedule', new Map([['escalation', ['schedule/bot-port.ts']]])],
    ]);
    expect(folderCycles(graph)).toEqual([['escalation', 'schedule', 'escalation']]);
  });
});

describe('the card gallery (docs/cards/)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-gallery-'));
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('is what `hark cards preview` draws from cards/*.json today', async () => {
    await previewCards({ out, png: false, log: () => undefined });
    const html = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.html')).sort();
    expect(html('docs/cards'), 'run `npx hark cards preview` and commit docs/cards/').toEqual(html(out));
    // index.html links the PNGs when Chromium drew them: compared by name only.
    for (const f of html(out).filter((x) => x !== 'index.html')) {
      expect(fs.readFileSync(path.join('docs/cards', f), 'utf8'), `docs/cards/${f} is stale: run \`npx hark cards preview\``).toBe(fs.readFileSync(path.join(out, f), 'utf8'));
    }
  });
});
