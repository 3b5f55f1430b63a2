// Module hooks for `npm run bench` (registered by bench/run.ts): every import of a file under src/
// resolves to its compiled twin under dist/, so the benchmarks measure the JavaScript Hark ships
// and runs (bin/hark.js runs dist/), not tsx's on-the-fly compilation of the sources. The test
// helpers the benchmarks build their rigs with stay TypeScript; only what they import from src/
// is swapped, all of it, so no module is loaded twice.
let src = '';
let dist = '';

export function initialize(data) {
  src = data.src;
  dist = data.dist;
}

export async function resolve(specifier, context, nextResolve) {
  const r = await nextResolve(specifier, context);
  if (r.url.startsWith(src) && r.url.endsWith('.ts')) return { ...r, url: `${dist}${r.url.slice(src.length, -3)}.js`, format: 'module' };
  return r;
}
