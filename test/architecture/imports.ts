import fs from 'node:fs';
import path from 'node:path';

// The import graph of src/ between folders (src/<folder>/…; a file directly in src/ is a node of its own).

const SRC = path.resolve(import.meta.dirname, '../../src');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** A folder of src/, or a file directly in src/ (errors.ts, log.ts, app.ts: each its own node). */
const folderOf = (file: string): string => {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? rel[0] : rel[0];
};

/** Folder → folders it imports at run time (`import type` is left out: it creates no cycle when running). */
export function folderGraph(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  const spec = /(?:^|\n)\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+['"](\.[^'"]+)['"]/g;
  for (const file of files(SRC)) {
    const from = folderOf(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(spec)) {
      const target = path.resolve(path.dirname(file), m[1]);
      if (!target.startsWith(SRC)) continue;
      const to = folderOf(target);
      if (to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      graph.set(from, edges);
      edges.set(to, [...(edges.get(to) ?? []), path.relative(SRC, file)]);
    }
  }
  return graph;
}

/** Every cycle between folders, each as its folders in order (the first repeated at the end). */
export function folderCycles(graph = folderGraph()): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const nodes = [...graph.keys()].sort();
  for (const start of nodes) {
    const walk = (node: string, trail: string[]) => {
      for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
        if (next === start) {
          const key = [...trail].sort().join('>');
          if (!seen.has(key)) {
            seen.add(key);
            cycles.push([...trail, start]);
          }
        } else if (!trail.includes(next) && next > start) walk(next, [...trail, next]);
      }
    };
    walk(start, [start]);
  }
  return cycles;
}
