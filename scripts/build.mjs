// `npm run build` (also run by `npm ci` through `prepare`): compiles src/ to dist/ with tsc, copies
// the files src/ reads at run time (web templates and CSS), and stamps dist/ so bin/hark.js can tell
// whether it is older than the sources.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
if (!fs.existsSync(tsc)) {
  // `npm ci --omit=dev`: no compiler; `hark` then runs the sources through tsx.
  console.warn('hark build: typescript is not installed (npm ci --omit=dev?); hark will run src/ through tsx');
  process.exit(0);
}
fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
for (const dir of ['web/templates', 'web/static']) {
  fs.cpSync(path.join(root, 'src', dir), path.join(dist, dir), { recursive: true });
}
fs.writeFileSync(path.join(dist, '.built'), `${new Date().toISOString()}\n`);
