import fs from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Figures } from './types.ts';

// `npm run bench [-- --json FILE] [--only NAME] [--seconds N] [--from-source]`: runs the suite,
// prints a table, and with --json writes every figure into one JSON object so runs can be compared.
// Hark's code is benchmarked as it ships: compiled, from dist/ (see shipped-hooks.mjs), when
// `npm run build` is newer than every file in src/ (the rule bin/hark.js follows); otherwise, or
// with --from-source, the TypeScript sources run through tsx, and the run says so.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function distIsFresh(): boolean {
  try {
    return fs.statSync(path.join(root, 'dist/.built')).mtimeMs >= newestMtime(path.join(root, 'src'));
  } catch {
    return false;
  }
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const jsonFile = flag('json');
  const only = flag('only')?.split(',');
  const seconds = Number(flag('seconds') ?? 5);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (process.argv.includes('--from-source')) {
    log('running Hark from its TypeScript sources (--from-source)');
  } else if (distIsFresh()) {
    const dir = (d: string) => pathToFileURL(path.join(root, d)).href + '/';
    register('./shipped-hooks.mjs', import.meta.url, { data: { src: dir('src'), dist: dir('dist') } });
    log('running Hark as built in dist/');
  } else {
    log('dist/ is missing or older than src/: running Hark from its TypeScript sources (run `npm run build` to measure what ships)');
  }
  const { benchmarks } = await import('./benchmarks.ts');
  const all: Figures = {};
  const rows: [string, string, string][] = [];
  for (const b of benchmarks.filter((x) => !only || only.includes(x.name))) {
    log(`▶ ${b.name}: ${b.description}`);
    const figures = await b.run({ seconds, log });
    for (const [key, value] of Object.entries(figures)) {
      all[key] = value;
      rows.push([b.name, key, Number.isInteger(value) ? String(value) : value.toFixed(2)]);
    }
  }
  const widths = [0, 1, 2].map((c) => Math.max(...[['bench', 'key', 'value'], ...rows].map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => (c === 2 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ');
  console.log(line(['bench', 'key', 'value']));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  if (jsonFile) {
    fs.writeFileSync(jsonFile, `${JSON.stringify(all, null, 2)}\n`);
    log(`figures written to ${jsonFile}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
