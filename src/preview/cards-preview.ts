// `hark cards preview [--out DIR] [--cards DIR] [--no-png]`: renders every template of cards/ in
// every state with sample data, draws them with the chat view's card drawing (card-html.ts) into
// HTML pages, and takes PNG screenshots with /usr/bin/chromium when it is there. A broken template
// stops it with the file and the JSON path (TemplateError) and exit code 1, before anything is
// written.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cardToHtml } from '../card-html/card-html.ts';
import { baseContext } from '../render/context.ts';
import { CardTemplates, DEFAULT_CARDS_DIR, TemplateError, type Card } from '../render/index.ts';
import { cardPage, indexPage, pngPage } from './pages.ts';
import { SAMPLE_NOW, SAMPLES } from './samples.ts';

export const DEFAULT_OUT_DIR = 'docs/cards';
export const CHROMIUM_PATH = '/usr/bin/chromium';

export interface PreviewOptions {
  out: string;
  cardsDir?: string;
  /** false: HTML only. Default: PNGs when Chromium is installed. */
  png?: boolean;
  chromiumPath?: string;
  log?: (line: string) => void;
}

export interface RenderedSample {
  template: string;
  state: string;
  caption: string;
  card: Card;
  file: string;
}

export interface PreviewResult {
  samples: RenderedSample[];
  written: string[];
  /** Why no PNGs were made, when none were. */
  pngSkipped: string | null;
  warnings: string[];
}

/** Renders every sample; throws TemplateError for a broken template. Pure apart from reading cards/. */
export function renderSamples(cardsDir: string = DEFAULT_CARDS_DIR): { samples: RenderedSample[]; warnings: string[] } {
  const templates = new CardTemplates(cardsDir);
  const opts = { lang: 'both' as const, now: SAMPLE_NOW, timeZone: 'UTC', templates };
  const names = new Set(templates.names());
  const warnings: string[] = [];
  const samples: RenderedSample[] = [];
  for (const s of SAMPLES) {
    if (!names.has(s.template)) {
      warnings.push(`${s.template}.json is missing from ${cardsDir}; its samples are skipped`);
      continue;
    }
    samples.push({ template: s.template, state: s.state, caption: s.caption, card: s.render(opts), file: `${s.template}-${s.state}` });
  }
  // A template Hark does not know yet (an operator's new file): drawn with the helpers only.
  for (const name of names) {
    if (SAMPLES.some((s) => s.template === name)) continue;
    try {
      const card = templates.render(name, baseContext(opts));
      samples.push({ template: name, state: 'default', caption: 'no sample data; rendered with the helpers only', card, file: `${name}-default` });
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      warnings.push(`${err.message} (no sample data for ${name}.json, so it may just need its context)`);
    }
  }
  return { samples, warnings };
}

async function screenshots(samples: RenderedSample[], out: string, chromiumPath: string): Promise<string[]> {
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new Error('playwright-core is not installed (a dev dependency)');
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-cards-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    // 640 CSS px at 1.25× → 800 px wide PNGs: sharp enough for a README, small in the repository.
    viewport: { width: 640, height: 400 },
    deviceScaleFactor: 1.25,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const written: string[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    for (const s of samples) {
      await page.setContent(pngPage(cardToHtml(s.card, { lang: 'en_us' })), { waitUntil: 'load' });
      const file = path.join(out, `${s.file}.png`);
      await page.locator('.shot').screenshot({ path: file });
      written.push(file);
    }
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  return written;
}

export async function previewCards(opts: PreviewOptions): Promise<PreviewResult> {
  const log = opts.log ?? (() => undefined);
  const cardsDir = opts.cardsDir ?? DEFAULT_CARDS_DIR;
  const { samples, warnings } = renderSamples(cardsDir);
  fs.mkdirSync(opts.out, { recursive: true });
  const chromiumPath = opts.chromiumPath ?? CHROMIUM_PATH;
  let pngSkipped: string | null = null;
  if (opts.png === false) pngSkipped = 'turned off with --no-png';
  else if (!fs.existsSync(chromiumPath)) pngSkipped = `${chromiumPath} is not installed`;

  const written: string[] = [];
  const write = (name: string, body: string) => {
    const file = path.join(opts.out, name);
    fs.writeFileSync(file, body);
    written.push(file);
  };
  for (const s of samples) {
    write(`${s.file}.html`, cardPage(s, { en: cardToHtml(s.card, { lang: 'en_us' }), zh: cardToHtml(s.card, { lang: 'zh_cn' }) }));
  }
  const shown = path.basename(path.resolve(cardsDir));
  write('index.html', indexPage(shown, samples.map((s) => ({
    ...s, en: cardToHtml(s.card, { lang: 'en_us' }), zh: cardToHtml(s.card, { lang: 'zh_cn' }), png: pngSkipped ? null : `${s.file}.png`,
  }))));
  log(`wrote ${samples.length} cards as HTML to ${opts.out}/ (open index.html)`);
  if (!pngSkipped) {
    try {
      const pngs = await screenshots(samples, opts.out, chromiumPath);
      written.push(...pngs);
      log(`wrote ${pngs.length} PNG screenshots with ${chromiumPath}`);
    } catch (err) {
      pngSkipped = `Chromium failed: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  if (pngSkipped) log(`no PNG screenshots: ${pngSkipped}`);
  for (const w of warnings) log(`warning: ${w}`);
  return { samples, written, pngSkipped, warnings };
}

const USAGE = `Usage: hark cards preview [--out DIR] [--cards DIR] [--no-png]

  Renders every card template in every state with sample data to HTML (DIR/index.html) and, when
  ${CHROMIUM_PATH} exists, PNG screenshots. --out defaults to ${DEFAULT_OUT_DIR}; --cards to the
  repository's cards/ directory (point it at your edited copies to check them).
`;

/** `hark cards …`: returns the exit code (0 ok, 1 broken template, 2 usage). */
export async function runCardsCommand(argv: string[], io: { out: (s: string) => void; err: (s: string) => void } = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
}): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'preview') {
    const help = sub === 'help' || sub === '--help' || sub === '-h';
    if (help) io.out(USAGE);
    else io.err(sub ? `hark cards: unknown subcommand "${sub}"\n\n${USAGE}` : USAGE);
    return help ? 0 : 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  const opts: PreviewOptions = { out: DEFAULT_OUT_DIR, log: (l) => io.out(`${l}\n`) };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = () => {
      const v = rest[++i];
      if (!v) throw new UsageError(`${a} needs a directory`);
      return v;
    };
    try {
      if (a === '--out') opts.out = value();
      else if (a.startsWith('--out=')) opts.out = a.slice(6);
      else if (a === '--cards') opts.cardsDir = value();
      else if (a.startsWith('--cards=')) opts.cardsDir = a.slice(8);
      else if (a === '--no-png') opts.png = false;
      else throw new UsageError(`unknown option ${a}`);
    } catch (err) {
      io.err(`hark cards preview: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
  }
  try {
    await previewCards(opts);
    return 0;
  } catch (err) {
    if (err instanceof TemplateError) {
      io.err(`hark cards preview: broken template ${err.file} at ${err.jsonPath}\n  ${escapeForTerminal(err.message)}\n`
        + `Fix ${err.file} (see cards/README.md); nothing was written.\n`);
      return 1;
    }
    throw err;
  }
}

class UsageError extends Error {}

/** Control characters from a template must not drive the terminal. */
function escapeForTerminal(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?');
}
