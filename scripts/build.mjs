// `npm run build` (also run by `npm ci` through `prepare`): compiles src/ to dist/ with tsc, copies
// the files src/ reads at run time (web templates and CSS), and stamps dist/ so bin/hark.js can tell
// whether it is older than the sources.
//
// Everything is written to a temporary folder first and swapped in with two renames at the end, so
// a `hark` started while a build runs finds either the previous complete dist/ or the new one, never
// a half-written tree (a failed build leaves the previous dist/ as it was).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
if (!fs.existsSync(tsc)) {
  // `npm ci --omit=dev`: no compiler, and no tsx to run the sources either.
  console.warn('hark build: typescript is not installed (npm ci --omit=dev?); dist/ is left as it is');
  process.exit(0);
}
const tmp = path.join(root, `.dist-build-${process.pid}`);
const old = path.join(root, `.dist-old-${process.pid}`);
fs.rmSync(tmp, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', tmp], { stdio: 'inherit' });
  for (const dir of ['web/templates', 'web/static']) {
    fs.cpSync(path.join(root, 'src', dir), path.join(tmp, dir), { recursive: true });
  }
  fs.writeFileSync(path.join(tmp, '.built'), `${new Date().toISOString()}\n`);
  if (fs.existsSync(dist)) fs.renameSync(dist, old);
  fs.renameSync(tmp, dist);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(old, { recursive: true, force: true });
}
