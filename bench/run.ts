import fs from 'node:fs';
import { benchmarks } from './benchmarks.ts';
import type { Figures } from './types.ts';

// `npm run bench [-- --json FILE] [--only NAME] [--seconds N]`: runs the suite, prints a table,
// and with --json writes every figure into one JSON object so runs can be compared.

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const jsonFile = flag('json');
  const only = flag('only');
  const seconds = Number(flag('seconds') ?? 5);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const all: Figures = {};
  const rows: [string, string, string][] = [];
  for (const b of benchmarks.filter((x) => !only || x.name === only)) {
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
