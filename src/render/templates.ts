// Loads the card templates (`cards/*.json`, Lark card JSON 2.0 with json-e operators) once, checks
// them, and renders them with json-e (https://json-e.js.org/operators.html: `$eval`, `$if`/`then`/
// `else`, `$let`/`in`, `$map`/`each(x)`, `$flatten`, `$switch`, `${…}` interpolation).
//
// json-e renders data structures, never text, so the output is always valid JSON, and values from
// the context are never evaluated again: a label value of `${secret}` or a label named `$eval`
// is just a string. Escaping of that text for markdown is the context's job (see context.ts).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jsone from 'json-e';
import { CardCache } from './card-cache.ts';
import { localize, newTally, type CardTally } from './localize.ts';
import type { Card, Lang } from './types.ts';

/** A template that cannot be used, named by file and JSON path: `cards/incident.json: $.body.elements[3]: …`. */
export class TemplateError extends Error {
  readonly file: string;
  readonly jsonPath: string;
  constructor(file: string, jsonPath: string, detail: string) {
    super(`${file}: ${jsonPath}: ${detail}`);
    this.name = 'TemplateError';
    this.file = file;
    this.jsonPath = jsonPath;
  }
}

/** The `cards/` directory at the repository root, found from this file so any cwd works. */
export const DEFAULT_CARDS_DIR = fileURLToPath(new URL('../../cards/', import.meta.url));

const OPERATORS = new Set([
  '$eval', '$json', '$if', '$flatten', '$flattenDeep', '$fromNow', '$let', '$map', '$reduce',
  '$find', '$match', '$switch', '$merge', '$mergeDeep', '$reverse', '$sort',
]);

interface JsoneError extends Error {
  location?: string[];
}

function isJsoneError(e: unknown): e is JsoneError {
  return e instanceof Error && Array.isArray((e as JsoneError).location);
}

/** Returns the json-e syntax error of an expression, or null (unknown names are fine here). */
function syntaxError(expr: string): string | null {
  try {
    jsone({ $eval: expr }, {});
  } catch (e) {
    if (e instanceof Error && e.name === 'SyntaxError') return e.message;
    // json-e's parser throws a TypeError, not a SyntaxError, when an expression ends too early
    // (`a +`, `a[b.c`, `a ==`); without this the mistake only surfaced at render time, at `$`.
    if (e instanceof TypeError) return 'the expression ends too early (a missing operand or bracket?)';
  }
  return null;
}

/** The `${…}` expressions of a string (json-e strings cannot contain escaped quotes). */
function interpolations(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while ((i = s.indexOf('${', i)) !== -1) {
    if (i > 0 && s[i - 1] === '$') {
      i += 2; // `$${` is an escaped literal `${`
      continue;
    }
    let depth = 0;
    let quote: string | null = null;
    let j = i + 2;
    for (; j < s.length; j++) {
      const c = s[j];
      if (quote) {
        if (c === quote) quote = null;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '{') depth++;
      else if (c === '}') {
        if (depth === 0) break;
        depth--;
      }
    }
    out.push(s.slice(i + 2, j));
    i = j + 1;
  }
  return out;
}

/** Static checks: unknown `$operators` and json-e syntax errors, with the JSON path of each. */
function checkTemplate(node: unknown, at: string, fail: (at: string, detail: string) => never): void {
  if (typeof node === 'string') {
    for (const expr of interpolations(node)) {
      const err = syntaxError(expr);
      if (err) fail(at, `json-e syntax error in \${${expr}}: ${err}`);
    }
    return;
  }
  if (Array.isArray(node)) {
    node.forEach((v, i) => checkTemplate(v, `${at}[${i}]`, fail));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    const child = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`;
    if (/^\$[a-zA-Z]+$/.test(key) && !OPERATORS.has(key)) fail(child, `unknown json-e operator ${key}`);
    if (key === '$eval' || key === '$if') {
      if (typeof value !== 'string') fail(child, `${key} needs a string expression`);
      const err = syntaxError(value as string);
      if (err) fail(child, `json-e syntax error: ${err}`);
    } else if (key === '$switch' && value && typeof value === 'object') {
      for (const cond of Object.keys(value)) {
        const err = cond === '$default' ? null : syntaxError(cond);
        if (err) fail(`${child}[${JSON.stringify(cond)}]`, `json-e syntax error: ${err}`);
      }
    } else if (/^each\(.*\)$/.test(key) && !/^each\([A-Za-z_]\w*(,\s*[A-Za-z_]\w*)?\)$/.test(key)) {
      fail(child, `bad $map clause ${key}; use each(x) or each(x, i)`);
    }
    checkTemplate(value, child, fail);
  }
}

/** An expression that reads the clock itself rather than through the context's `ago`/`until`. */
const CLOCK_WORDS = /\b(now|fromNow)\b/;

/**
 * True when an expression of the template may read the clock directly (`now`, json-e's `fromNow`
 * or `$fromNow`): such a template's cards cannot be cached (card-cache.ts). Errs on the side of
 * true: a string literal "now" inside an expression counts too.
 */
function readsClock(node: unknown): boolean {
  if (typeof node === 'string') return interpolations(node).some((e) => CLOCK_WORDS.test(e));
  if (Array.isArray(node)) return node.some(readsClock);
  if (node === null || typeof node !== 'object') return false;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$fromNow') return true;
    if ((key === '$eval' || key === '$if') && typeof value === 'string' && CLOCK_WORDS.test(value)) return true;
    if (!key.startsWith('$') && CLOCK_WORDS.test(key)) return true; // $switch/$match conditions, by(x), interpolated keys
    if (readsClock(value)) return true;
  }
  return false;
}

export class CardTemplates {
  readonly dir: string;
  private readonly templates = new Map<string, { file: string; template: Record<string, unknown>; cacheable: boolean }>();
  /** Rendered cards of these templates (see card-cache.ts); templates do not change once loaded. */
  readonly cache: CardCache;

  /**
   * Reads and checks every `*.json` in `dir` now; throws TemplateError for the first broken one.
   * `cacheSize`: how many rendered cards to keep (default 500, about 2.5 MB; 0 keeps none).
   */
  constructor(dir: string = DEFAULT_CARDS_DIR, options: { cacheSize?: number } = {}) {
    this.dir = dir;
    this.cache = new CardCache(options.cacheSize ?? 500);
    const shown = path.basename(path.resolve(dir));
    for (const entry of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const file = `${shown}/${entry}`;
      const fail = (at: string, detail: string): never => {
        throw new TemplateError(file, at, detail);
      };
      let template: unknown;
      try {
        template = JSON.parse(readFileSync(path.join(dir, entry), 'utf8'));
      } catch (e) {
        fail('$', `invalid JSON: ${(e as Error).message}`);
      }
      if (template === null || typeof template !== 'object' || Array.isArray(template)) {
        fail('$', 'a card template must be a JSON object');
      }
      checkTemplate(template, '$', fail);
      const t = template as Record<string, unknown>;
      this.templates.set(entry.slice(0, -'.json'.length), { file, template: t, cacheable: !readsClock(t) });
    }
  }

  names(): string[] {
    return [...this.templates.keys()];
  }

  has(name: string): boolean {
    return this.templates.has(name);
  }

  /** False when template `name` reads the clock other than through `ago`/`until`, or is missing. */
  cacheable(name: string): boolean {
    return this.templates.get(name)?.cacheable ?? false;
  }

  /**
   * Renders template `name` with json-e's public `jsone(template, context)`, then localizes it for
   * `context.lang` (default 'both'; see localize.ts). json-e errors (including a card that would
   * carry an uncalled function) become TemplateError with the file and the JSON path json-e reports.
   */
  render(name: string, context: Record<string, unknown>): Card {
    return this.renderTallied(name, context).card;
  }

  /** render(), and the tally localize took of the card (components, size bound) for the caller's checks. */
  renderTallied(name: string, context: Record<string, unknown>): { card: Card; tally: CardTally } {
    const entry = this.templates.get(name);
    if (!entry) throw new TemplateError(`${path.basename(path.resolve(this.dir))}/${name}.json`, '$', 'no such template');
    let out: unknown;
    try {
      out = jsone(entry.template, context);
    } catch (e) {
      throw this.templateError(entry.file, e);
    }
    if (out === null || typeof out !== 'object' || Array.isArray(out)) {
      throw new TemplateError(entry.file, '$', 'the template did not render to an object');
    }
    const tally = newTally();
    const card = localize(out as Card, (context.lang as Lang | undefined) ?? 'both', tally);
    return { card, tally };
  }

  /** json-e errors become TemplateError with the file and the JSON path json-e reports. */
  private templateError(file: string, e: unknown): TemplateError {
    if (isJsoneError(e)) return new TemplateError(file, `$${(e.location ?? []).join('')}`, `json-e error: ${e.message}`);
    return new TemplateError(file, '$', `render failed: ${(e as Error).message}`);
  }
}

let defaults: CardTemplates | undefined;

/** The templates in DEFAULT_CARDS_DIR, loaded on first use and then cached. */
export function defaultTemplates(): CardTemplates {
  defaults ??= new CardTemplates(DEFAULT_CARDS_DIR);
  return defaults;
}

/**
 * HARK_CARDS_DIR: the templates in `dir` replace the shipped ones for this process. They are read
 * and checked now, and must include every template the shipped cards/ has, so a broken or partial
 * copy stops start-up instead of failing on the first card sent.
 */
export function useCardsDir(dir: string): CardTemplates {
  const custom = new CardTemplates(dir);
  const missing = new CardTemplates(DEFAULT_CARDS_DIR).names().filter((n) => !custom.has(n));
  if (missing.length) {
    throw new TemplateError(path.basename(path.resolve(dir)), '$', `missing ${missing.map((n) => `${n}.json`).join(', ')}: copy the whole cards/ folder and edit the copy`);
  }
  defaults = custom;
  return custom;
}
