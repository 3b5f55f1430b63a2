// json-e templates, compiled once: the same language and the same results as json-e, in a
// fraction of the time.
//
// json-e (https://json-e.js.org) interprets a template afresh on every render: it tokenizes and
// parses every `${…}`, `$eval` and `$if` expression again, tests each object against all sixteen
// operators, copies the whole context (some fifty built-in functions) for every `$let` and every
// `$map` item, and defines each output key with Object.defineProperty. The incident card has about
// a hundred expressions, so one render took ~0.5 ms, the largest single cost of answering a card
// click (issue #5 benchmark). Here the template is walked once at load: expressions are parsed once
// with json-e's own parser and evaluated with json-e's own interpreter and built-in functions; only
// the walk over the template is ours.
//
// Anything this fast path does not cover, or any error at all, is handed to json-e itself:
// - a template using an operator other than $eval, $if, $let, $map, $flatten and $switch, or two
//   operators in one object, is rendered by json-e every time (`compileTemplate` returns null);
// - a node json-e would reject (a syntax error, an unknown property beside an operator, a reserved
//   `$key`) compiles to a node that gives up when reached;
// - when a render gives up or throws, the whole template is rendered again by json-e, so errors
//   (and their JSON paths) are json-e's own.
// test/render/compile.test.ts renders every card in every sample state, and templates made to hit
// each rule above, both ways and requires the same output.
import { createRequire } from 'node:module';
import jsone from 'json-e';

const require = createRequire(import.meta.url);

/** json-e's expression AST; opaque here. */
type Tree = object;
type Context = Record<string, unknown>;

interface JsoneToken {
  kind: string;
  start: number;
}
interface JsoneParser {
  current_token: JsoneToken | null;
  parse(): Tree;
}

// json-e's own modules (the package has no `exports` map, so its files are public to require).
const { Parser } = require('json-e/src/parser.js') as { Parser: new (tokenizer: unknown, source: string) => JsoneParser };
const Tokenizer = require('json-e/src/tokenizer.js') as new (options: unknown) => unknown;
const { Interpreter } = require('json-e/src/interpreter.js') as { Interpreter: new (context: Context) => { interpret(tree: Tree): unknown } };
const addBuiltins = require('json-e/src/builtins.js') as (context: Context) => Context;
const fromNow = require('json-e/src/from-now.js') as (span: string, reference?: unknown) => string;
const { isTruthy, isObject, mergeContext } = require('json-e/src/type-utils.js') as {
  isTruthy(v: unknown): boolean;
  isObject(v: unknown): boolean;
  mergeContext(...sources: object[]): Context;
};

// The expression tokens, as json-e's index.js configures its tokenizer (the json-e language spec).
const tokenizer = new Tokenizer({
  ignore: '\\s+',
  patterns: {
    number: '[0-9]+(?:\\.[0-9]+)?',
    identifier: '[a-zA-Z_][a-zA-Z_0-9]*',
    string: '\'[^\']*\'|"[^"]*"',
    true: 'true(?![a-zA-Z_0-9])',
    false: 'false(?![a-zA-Z_0-9])',
    in: 'in(?![a-zA-Z_0-9])',
    null: 'null(?![a-zA-Z_0-9])',
  },
  tokens: [
    '**', ...'+-*/[].(){}:,'.split(''),
    '>=', '<=', '<', '>', '==', '!=', '!', '&&', '||',
    'true', 'false', 'in', 'null', 'number',
    'identifier', 'string',
  ],
});

/** json-e's built-in functions take the context as an argument, so one set serves every render. */
const BUILTINS = addBuiltins({});

/**
 * The names the template's expressions look up, collected while compiling. Copying the context is
 * most of json-e's cost beside parsing (once per render and once per `$let` and `$map` item), so a
 * render's context carries only the built-ins the template names, unless it calls `defined()`, which
 * can ask for any name. A name is only ever read through the expressions, so the result is the same.
 */
let names = new Set<string>();

function collectNames(tree: unknown): void {
  if (tree === null || typeof tree !== 'object') return;
  const node = tree as { constructorName?: string; token?: { value?: unknown } };
  if (node.constructorName === 'ContextValue' && typeof node.token?.value === 'string') names.add(node.token.value);
  for (const v of Object.values(tree)) if (v !== null && typeof v === 'object' && v !== node.token) collectNames(v);
}

/** What json-e calls its delete marker: an `$if` without a branch, dropped from arrays and objects. */
const DELETE = Symbol('delete');
/** Thrown to hand the render to json-e. */
class GiveUp extends Error {}

type Node = (ctx: Context) => unknown;

/** Operators json-e knows (any of these keys makes an object an operator). */
const JSONE_OPERATORS = [
  '$eval', '$flatten', '$flattenDeep', '$fromNow', '$if', '$json', '$let', '$map', '$match', '$switch',
  '$merge', '$mergeDeep', '$reverse', '$sort', '$reduce', '$find',
];
const COMPILED = new Set(['$eval', '$if', '$let', '$map', '$flatten', '$switch']);
const EACH_RE = 'each\\(([a-zA-Z_][a-zA-Z0-9_]*)(,\\s*([a-zA-Z_][a-zA-Z0-9_]*))?\\)';
const IDENT = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const giveUp: Node = () => {
  throw new GiveUp();
};

/** Parses a whole expression; throws on a syntax error (the caller gives up). */
function parseAll(source: string): Expr {
  const p = new Parser(tokenizer, source);
  const tree = p.parse();
  if (p.current_token !== null && p.current_token !== undefined) throw new GiveUp();
  collectNames(tree);
  return compileExpr(tree);
}

type Expr = (ctx: Context) => unknown;

/**
 * An expression as a function of the context. A plain name or dotted path (`incident.plain.title`,
 * most of a card's expressions) is read directly, by json-e's rules for `.`: each step needs an
 * object with that own property; anything else gives up, and json-e reports it. Every other
 * expression runs in json-e's interpreter.
 */
function compileExpr(tree: Tree): Expr {
  const path = dottedPath(tree);
  if (!path) return (ctx) => new Interpreter(ctx).interpret(tree);
  const [root, ...keys] = path;
  return (ctx) => {
    if (!Object.hasOwn(ctx, root)) throw new GiveUp();
    let v = ctx[root];
    for (const k of keys) {
      if (!isObject(v) || !Object.hasOwn(v as object, k)) throw new GiveUp();
      v = (v as Context)[k];
    }
    return v;
  };
}

function dottedPath(tree: unknown): string[] | null {
  const node = tree as { constructorName?: string; token?: { kind?: string; value?: unknown }; left?: unknown; right?: unknown };
  if (node.constructorName === 'ContextValue' && typeof node.token?.value === 'string') return [node.token.value];
  if (node.constructorName === 'BinOp' && node.token?.kind === '.') {
    const right = node.right as { constructorName?: string; token?: { kind?: string; value?: unknown } };
    if (right?.constructorName !== 'ASTNode' || right.token?.kind !== 'identifier' || typeof right.token.value !== 'string') return null;
    const left = dottedPath(node.left);
    return left ? [...left, right.token.value] : null;
  }
  return null;
}

/** `${…}` interpolation, split at load into literal text and parsed expressions. */
function compileString(s: string): Node {
  if (!s.includes('${')) return () => s;
  const parts: (string | Expr)[] = [];
  let rest = s;
  let offset: number;
  while ((offset = rest.search(/\$?\$\{/)) !== -1) {
    if (offset > 0) parts.push(rest.slice(0, offset));
    if (rest[offset + 1] !== '$') {
      let tree: Tree;
      let next: JsoneToken | null;
      try {
        const p = new Parser(tokenizer, rest.slice(offset + 2));
        tree = p.parse();
        next = p.current_token;
      } catch {
        return giveUp; // a syntax error: json-e reports it if the string is reached
      }
      if (!next || next.kind !== '}') return giveUp;
      collectNames(tree);
      parts.push(compileExpr(tree));
      rest = rest.slice(offset + 2 + next.start + 1);
    } else {
      parts.push('${');
      rest = rest.slice(offset + 3);
    }
  }
  if (rest) parts.push(rest);
  return (ctx) => {
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      const v = part(ctx);
      if (v !== null && typeof v === 'object') throw new GiveUp(); // json-e: "produced an array or object"
      if (v !== null) out += (v as { toString(): string }).toString();
    }
    return out;
  };
}

/** json-e's check of an operator's properties, with its own (unanchored) pattern. */
function onlyAllowed(template: Context, allowed: string[]): boolean {
  const combined = new RegExp(`${allowed.join('|')}$`);
  return Object.keys(template).every((k) => combined.test(k));
}

function compileNode(t: unknown): Node {
  if (typeof t === 'string') return compileString(t);
  if (t === null || typeof t !== 'object') return () => t;
  if (Array.isArray(t)) {
    const items = t.map(compileNode);
    return (ctx) => {
      const out: unknown[] = [];
      for (const item of items) {
        const v = item(ctx);
        if (v !== DELETE) out.push(v);
      }
      return out;
    };
  }
  const template = t as Context;
  const ops = JSONE_OPERATORS.filter((op) => Object.hasOwn(template, op));
  if (ops.length > 1) return giveUp;
  if (ops.length === 1) {
    if (!COMPILED.has(ops[0])) throw new Unsupported(ops[0]);
    try {
      return compileOperator(ops[0], template);
    } catch (err) {
      if (err instanceof Unsupported) throw err;
      return giveUp; // a syntax error in an expression: json-e reports it if it is reached
    }
  }
  const entries: { key: string | Node; value: Node }[] = [];
  for (const [key, value] of Object.entries(template)) {
    let k: string | Node;
    if (key.startsWith('$$')) k = key.slice(1);
    else if (/^\$[a-zA-Z][a-zA-Z0-9]*$/.test(key)) k = giveUp; // reserved; json-e fails when it is kept
    else k = key.includes('${') ? compileString(key) : key;
    entries.push({ key: k, value: compileNode(value) });
  }
  return (ctx) => {
    const out: Context = {};
    for (const e of entries) {
      const v = e.value(ctx);
      if (v === DELETE) continue;
      const key = typeof e.key === 'string' ? e.key : (e.key(ctx) as string);
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, writable: true, enumerable: true, configurable: true });
      else out[key] = v;
    }
    return out;
  };
}

class Unsupported extends Error {
  constructor(readonly operator: string) {
    super(`json-e operator ${operator} is not compiled`);
  }
}

function compileOperator(op: string, t: Context): Node {
  switch (op) {
    case '$eval': {
      if (!onlyAllowed(t, ['\\$eval']) || typeof t.$eval !== 'string') return giveUp;
      const expr = parseAll(t.$eval);
      return (ctx) => expr(ctx);
    }
    case '$if': {
      if (!onlyAllowed(t, ['\\$if', 'then', 'else']) || typeof t.$if !== 'string' || Object.hasOwn(t, '$then')) return giveUp;
      const cond = parseAll(t.$if);
      const then = Object.hasOwn(t, 'then') ? compileNode(t.then) : null;
      const otherwise = Object.hasOwn(t, 'else') ? compileNode(t.else) : null;
      return (ctx) => {
        const branch = isTruthy(cond(ctx)) ? then : otherwise;
        return branch ? branch(ctx) : DELETE;
      };
    }
    case '$let': {
      if (!onlyAllowed(t, ['\\$let', 'in']) || !isObject(t.$let) || t.in === undefined || t.in === null) return giveUp;
      const vars = compileNode(t.$let);
      const body = compileNode(t.in);
      return (ctx) => {
        const values = vars(ctx);
        if (!isObject(values)) throw new GiveUp();
        for (const k of Object.keys(values as object)) if (!IDENT.test(k)) throw new GiveUp();
        return body(mergeContext(ctx, values as object));
      };
    }
    case '$map': {
      const keys = Object.keys(t);
      const eachKey = keys.find((k) => k !== '$map');
      const m = eachKey ? /^each\(([a-zA-Z_][a-zA-Z0-9_]*)(,\s*([a-zA-Z_][a-zA-Z0-9_]*))?\)$/.exec(eachKey) : null;
      if (!onlyAllowed(t, ['\\$map', EACH_RE]) || keys.length !== 2 || !m) return giveUp;
      const [x, i] = [m[1], m[3]];
      const value = compileNode(t.$map);
      const each = compileNode(t[eachKey!]);
      return (ctx) => {
        const v = value(ctx);
        if (Array.isArray(v)) {
          const out: unknown[] = [];
          v.forEach((item, idx) => {
            const r = each(mergeContext(ctx, i !== undefined ? { [x]: item, [i]: idx } : { [x]: item }));
            if (r !== DELETE) out.push(r);
          });
          return out;
        }
        if (!isObject(v)) throw new GiveUp();
        const merged: Context = {};
        for (const key of Object.keys(v as object)) {
          const val = (v as Context)[key];
          const r = each(mergeContext(ctx, i !== undefined ? { [x]: val, [i]: key } : { [x]: { key, val } }));
          if (r === DELETE) continue;
          if (!isObject(r)) throw new GiveUp();
          for (const k of Object.keys(r as object)) Object.defineProperty(merged, k, { value: (r as Context)[k], writable: true, enumerable: true, configurable: true });
        }
        return merged;
      };
    }
    case '$flatten': {
      if (!onlyAllowed(t, ['\\$flatten'])) return giveUp;
      const value = compileNode(t.$flatten);
      return (ctx) => {
        const v = value(ctx);
        if (!Array.isArray(v)) throw new GiveUp();
        return v.reduce((a: unknown[], b: unknown) => a.concat(b), []);
      };
    }
    case '$switch': {
      if (!onlyAllowed(t, ['\\$switch']) || !isObject(t.$switch)) return giveUp;
      const cases = t.$switch as Context;
      const conds = Object.keys(cases)
        .filter((k) => k !== '$default')
        .sort()
        .map((k) => ({ test: parseAll(k), body: compileNode(cases[k]) }));
      const fallback = Object.hasOwn(cases, '$default') ? compileNode(cases.$default) : null;
      return (ctx) => {
        const hits: unknown[] = [];
        for (const c of conds) if (isTruthy(c.test(ctx))) hits.push(c.body(ctx));
        if (hits.length > 1) throw new GiveUp();
        if (hits.length === 0 && fallback) hits.push(fallback(ctx));
        return hits.length ? hits[0] : DELETE;
      };
    }
  }
  throw new Unsupported(op);
}

function containsFunctions(v: unknown): boolean {
  if (typeof v === 'function') return true;
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (const x of v) if (containsFunctions(x)) return true;
    return false;
  }
  for (const k in v) if (Object.hasOwn(v, k) && containsFunctions((v as Context)[k])) return true;
  return false;
}

export type CompiledTemplate = (context: Context) => unknown;

/**
 * Compiles a json-e template. The returned function gives what `jsone(template, context)` gives,
 * and throws what it throws. Returns null when the template uses an operator this module does not
 * compile; render those with json-e. `onGiveUp` is told when a render leaves the fast path (tests).
 */
export function compileTemplate(template: unknown, onGiveUp?: (err: unknown) => void): CompiledTemplate | null {
  let root: Node;
  names = new Set();
  try {
    root = compileNode(template);
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
  const builtins = names.has('defined') ? BUILTINS : Object.fromEntries([...names].filter((n) => Object.hasOwn(BUILTINS, n)).map((n) => [n, BUILTINS[n]]));
  return (context) => {
    try {
      if (!isObject(context) || !Object.keys(context).every((k) => IDENT.test(k))) throw new GiveUp();
      // json-e's default `now`, unless the context brings its own (ours always does).
      const ctx = mergeContext(builtins, Object.hasOwn(context, 'now') ? {} : { now: fromNow('0 seconds') }, context);
      const out = root(ctx);
      if (out === DELETE) return null;
      if (containsFunctions(out)) throw new GiveUp();
      return out;
    } catch (err) {
      // Out of the fast path: json-e renders it, or throws its own error with its JSON path.
      onGiveUp?.(err);
      return jsone(template as Record<string, unknown>, context);
    }
  };
}
