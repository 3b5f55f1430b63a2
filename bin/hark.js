#!/usr/bin/env -S node --max-semi-space-size=4
// (A 4 MB young generation instead of Node's 16 MB: an idle replica holds ~25 MB less; npm start,
// npm run demo and the Dockerfile pass the same flag.)
// `hark …`: runs dist/ (compiled by `npm run build`, which `npm ci` runs) when it is at least as new
// as every file in src/; otherwise the TypeScript sources through tsx, so an edit is never shadowed
// by a stale build. Compiled JS idles in about 70 MB less memory than tsx's on-the-fly compilation.
// HARK_FROM_SOURCE=1 forces the sources. tsx is a development dependency: an install without it (the
// container image: `npm prune --omit=dev`) always runs dist/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function distIsFresh() {
  if (process.env.HARK_FROM_SOURCE === '1') return false;
  try {
    return fs.statSync(path.join(root, 'dist/.built')).mtimeMs >= newestMtime(path.join(root, 'src'));
  } catch {
    return false;
  }
}

async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return null;
  }
}

let cli;
const tsx = distIsFresh() ? null : await loadTsx();
if (tsx) {
  tsx.register();
  cli = await import('../src/cli.ts');
} else if (fs.existsSync(path.join(root, 'dist/cli.js'))) {
  cli = await import('../dist/cli.js');
} else {
  process.stderr.write('hark: dist/ is not built and tsx is not installed: run `npm run build` (or `npm ci` with dev dependencies)\n');
  process.exit(2);
}
await cli.main(process.argv.slice(2));
