import fs from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { describeIssue, formatPath } from '../incident/validate.ts';
import { configSchema, KINDS, windowName, type ConfigFile } from './schema.ts';

// Reading a configuration file, or a folder of them (*.yaml, *.yml, in name order: one config),
// keeping where every value came from, so that each problem names file:line:column, the field
// and the fix. YAML is read by the `yaml` package with a LineCounter; the shape is checked by
// configSchema (zod); problems that need the database (an unknown group, member or team) are
// located through the same `locate`.

export interface Position {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export interface ConfigProblem extends Position {
  /** The field, as a path in its own file: sources[0].escalation.levels[1].wait_minutes. */
  readonly field: string;
  readonly message: string;
}

export const formatProblem = (p: ConfigProblem): string => `${p.file}:${p.line}:${p.col}: ${p.field}: ${p.message}`;

/** A configuration that cannot be used; `problems` are in file and line order. */
export class ConfigFileError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigFileError';
  }
}

type Path = readonly (string | number)[];

interface Origin {
  readonly file: string;
  readonly doc: Document;
  readonly lines: LineCounter;
  /** The entry's index in its own file's list. */
  readonly index: number;
}

export interface LoadedConfig {
  readonly config: ConfigFile;
  readonly files: readonly string[];
  /** Where the value at this path of the merged config was written, and its path in that file. */
  locate(path: Path): Position & { field: string };
  /** A problem at this path of the merged config. */
  problem(path: Path, message: string): ConfigProblem;
}

/** Reads a file, or every *.yaml / *.yml file of a folder; throws ConfigFileError. */
export function loadConfigPath(target: string): LoadedConfig {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new ConfigFileError([{ file: target, line: 1, col: 1, field: '-f', message: 'no such file or folder; give the path of a YAML file or of a folder of them' }]);
  }
  const files = stat.isDirectory()
    ? fs.readdirSync(target).filter((f) => /\.ya?ml$/i.test(f)).sort().map((f) => path.join(target, f))
    : [target];
  if (files.length === 0) throw new ConfigFileError([{ file: target, line: 1, col: 1, field: '-f', message: 'the folder holds no *.yaml or *.yml file' }]);
  return loadConfigTexts(files.map((file) => ({ file, text: fs.readFileSync(file, 'utf8') })));
}

/** Reads configuration texts (one per file) as one configuration; throws ConfigFileError. */
export function loadConfigTexts(inputs: readonly { file: string; text: string }[]): LoadedConfig {
  const problems: ConfigProblem[] = [];
  const merged: Record<string, unknown[]> = {};
  const origins: Record<string, Origin[]> = {};
  let first: Omit<Origin, 'index'> | null = null;
  for (const { file, text } of inputs) {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    first ??= { file, doc, lines };
    if (doc.errors.length) {
      for (const e of doc.errors) {
        const at = lines.linePos(e.pos[0]);
        problems.push({ file, ...at, field: 'YAML', message: `${e.message.split('\n')[0]}; fix the YAML syntax here (indentation, a missing ":" or an unclosed quote or bracket)` });
      }
      continue;
    }
    const js: unknown = doc.toJS();
    if (js === null || js === undefined) continue;
    const here = (p: Path) => position({ file, doc, lines }, p, false);
    if (typeof js !== 'object' || Array.isArray(js)) {
      problems.push({ ...here([]), field: '(top)', message: `the file must be a mapping with the lists ${KINDS.join(', ')}` });
      continue;
    }
    for (const [key, value] of Object.entries(js as Record<string, unknown>)) {
      if (!(KINDS as readonly string[]).includes(key)) {
        problems.push({ ...position({ file, doc, lines }, [key], true), field: key, message: `is not a part of a configuration file; use ${KINDS.join(', ')}` });
      } else if (!Array.isArray(value)) {
        problems.push({ ...here([key]), field: key, message: `must be a list: write each entry on a line starting with "- "` });
      } else {
        (merged[key] ??= []).push(...value);
        (origins[key] ??= []).push(...value.map((_, index) => ({ file, doc, lines, index })));
      }
    }
  }

  const locate = (p: Path, key = false): Position & { field: string } => {
    const [kind, i, ...rest] = p;
    const o = typeof kind === 'string' && typeof i === 'number' ? origins[kind]?.[i] : undefined;
    if (o) {
      const local = [kind, o.index, ...rest];
      return { ...position(o, local, key), field: formatPath(local) };
    }
    return { ...(first ? position(first, p, key) : { file: inputs[0]?.file ?? 'config', line: 1, col: 1 }), field: formatPath(p) };
  };
  const problem = (p: Path, message: string): ConfigProblem => ({ ...locate(p), message });

  let config: ConfigFile | null = null;
  if (problems.length === 0) {
    const parsed = configSchema.safeParse(merged);
    if (parsed.success) config = parsed.data;
    else for (const issue of parsed.error.issues) problems.push(...problemsOf(issue, locate));
  }
  if (config) problems.push(...duplicates(config, problem));
  if (problems.length || !config) throw new ConfigFileError(sortProblems(problems));
  return { config, files: inputs.map((i) => i.file), locate: (p) => locate(p), problem };
}

function problemsOf(issue: z.ZodIssue, locate: (p: Path, key?: boolean) => Position & { field: string }): ConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => {
      const at = locate([...issue.path, k], true);
      return { ...at, message: `is not a field here; check its spelling (docs/hark.schema.json lists the fields, and editors complete them from it)` };
    });
  }
  if (issue.code === 'invalid_union') {
    // Name the alternative that went furthest rather than "invalid input".
    const inner = issue.unionErrors.flatMap((e) => e.issues);
    const deepest = inner.sort((a, b) => b.path.length - a.path.length)[0];
    if (deepest) return problemsOf(deepest, locate);
  }
  const at = locate(issue.path);
  const message = describeIssue(issue);
  return [{ ...at, message: message === 'is required' ? `is required here; add ${JSON.stringify(at.field.split('.').pop())}` : message }];
}

/** Names must be unique within each list, across every file of the folder. */
function duplicates(config: ConfigFile, problem: (p: Path, m: string) => ConfigProblem): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const kind of KINDS) {
    const seen = new Map<string, number>();
    const key = kind === 'members' ? 'email' : kind === 'maintenance' ? 'source' : 'name';
    (config[kind] as readonly Record<string, unknown>[]).forEach((entry, i) => {
      // A window is known by its source and reason: two windows of one source need two reasons.
      const name = kind === 'maintenance' ? windowName(String(entry.source), entry.reason as string | undefined) : String(entry[key]);
      const before = seen.get(name);
      if (before === undefined) seen.set(name, i);
      else {
        const at = problem([kind, before, key], '');
        out.push(problem([kind, i, key], `"${name}" is declared twice (first at ${at.file}:${at.line}:${at.col}); keep one entry${kind === 'maintenance' ? ', or give each window of the source its own reason' : ''}`));
      }
    });
  }
  return out;
}

/** The position of the node at `p` (or of its key), or of the nearest ancestor that exists. */
function position(o: Omit<Origin, 'index'>, p: Path, key: boolean): Position {
  for (let n = p.length; n >= 0; n--) {
    const sub = p.slice(0, n);
    let range: readonly number[] | undefined;
    if (key && n === p.length && n > 0) {
      const parent = o.doc.getIn(sub.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((it) => isScalar(it.key) && String(it.key.value) === String(sub[sub.length - 1]));
        range = (pair?.key as { range?: number[] } | undefined)?.range;
      }
    } else {
      const node = n === 0 ? o.doc.contents : o.doc.getIn(sub, true);
      range = (node as { range?: number[] } | null | undefined)?.range;
    }
    if (range) {
      const { line, col } = o.lines.linePos(range[0]);
      return { file: o.file, line, col };
    }
  }
  return { file: o.file, line: 1, col: 1 };
}

function sortProblems(list: ConfigProblem[]): ConfigProblem[] {
  return [...list].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}
