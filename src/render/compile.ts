// json-e templates, compiled once: the same language and the same results as json-e, in a
// fraction of the time.
//
// json-e (https://json-e.js.org) interprets a template afresh on every render: it tokenizes and
// parses every `${…}`, `$eval` and `$if` expression again, tests each object against all sixteen
// operators, copies the whole context (some fifty built-in functions) for every `$let` and every
// `$map` item, and defines each output key with Object.defineProperty. The incident card has about
// a hundred expressions, so one render took ~0.5 ms, the largest single cost of answering a card
// click (issue #5 benchmark). Here the template is walked once at load, and its expressions are
// parsed once with json-e's own parser and turned into closures that follow json-e's interpreter
// (json-e/src/interpreter.js) node by node; json-e's built-in functions are called as they are.
// Scopes (`$let`, `$map` items) are chained instead of copied.
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

/** json-e's AST node classes (json-e/src/AST.js), as far as compiling needs them. */
interface AstNode {
  constructorName: string;
  token: { kind: string; value: string };
  left?: AstNode;
  right?: AstNode;
  expr?: AstNode;
  name?: AstNode;
  args?: AstNode[];
  list?: AstNode[];
  arr?: AstNode;
  isInterval?: boolean;
  obj?: Record<string, AstNode>;
}

const isNumber = (v: unknown): v is number => typeof v === 'number';
const isString = (v: unknown): v is string => typeof v === 'string';
const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isFunction = (v: unknown): v is (...args: unknown[]) => unknown => v instanceof Function;

/** json-e's equality (interpreter.js `isEqual`): deep for arrays and objects, identity for functions. */
function isEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) if (!isEqual(a[i], b[i])) return false;
    return true;
  }
  if (isFunction(a)) return a === b;
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a as object).sort();
    if (!isEqual(keys, Object.keys(b as object).sort())) return false;
    for (const k of keys) if (!isEqual((a as Context)[k], (b as Context)[k])) return false;
    return true;
  }
  return a === b;
}

/**
 * The context json-e would have built at this point. Ours is a chain (each `$let` and `$map` item
 * adds a link instead of copying everything), so the few built-ins that read their context
 * (`defined`) get it flattened, as json-e's `mergeContext` would have made it.
 */
function flatten(ctx: Context): Context {
  const chain: Context[] = [];
  for (let c: Context | null = ctx; c !== null; c = Object.getPrototypeOf(c) as Context | null) chain.unshift(c);
  return Object.assign(Object.create(null) as Context, ...chain);
}

/** A scope for `$let` / `$map`: the new names on top of the enclosing scope, as json-e's mergeContext would give. */
function scope(parent: Context, names: Context): Context {
  const s = Object.create(parent) as Context;
  for (const k of Object.keys(names)) s[k] = names[k];
  return s;
}

/**
 * An expression as a function of the context, with json-e's semantics (json-e/src/interpreter.js,
 * node by node). Wherever json-e would throw (a missing name, a type mismatch, an index out of
 * bounds), this gives up instead, and json-e renders the template and reports its own error.
 */
function compileExpr(tree: Tree): Expr {
  const node = tree as AstNode | undefined;
  if (!node || typeof node !== 'object') return giveUp; // a tree cut short (`a +`): json-e fails when it is reached
  const kind = node.token?.kind;
  switch (node.constructorName) {
    case 'ASTNode': {
      const t = node.token;
      const v = kind === 'number' ? +t.value : kind === 'null' ? null : kind === 'string' ? t.value.slice(1, -1)
        : kind === 'true' ? true : kind === 'false' ? false : kind === 'identifier' ? t.value : undefined;
      return () => v;
    }
    case 'ContextValue': {
      const name = node.token.value;
      // Scopes are null-prototype chains, so `in` sees exactly the names json-e's merged context has.
      return (ctx) => {
        if (name in ctx) return ctx[name];
        throw new GiveUp();
      };
    }
    case 'UnaryOp': {
      const e = compileExpr(node.expr!);
      if (kind === '!') return (ctx) => !isTruthy(e(ctx));
      if (kind === '+' || kind === '-') {
        const neg = kind === '-';
        return (ctx) => {
          const v = e(ctx);
          if (!isNumber(v)) throw new GiveUp();
          return neg ? -v : +v;
        };
      }
      return giveUp;
    }
    case 'BinOp':
      return compileBinOp(kind, compileExpr(node.left!), compileExpr(node.right!));
    case 'List': {
      // json-e makes an empty list when the first item is missing
      const items = node.list?.[0] === undefined ? [] : node.list.map(compileExpr);
      return (ctx) => items.map((item) => item(ctx));
    }
    case 'ValueAccess': {
      const arr = compileExpr(node.arr!);
      const left = node.left ? compileExpr(node.left) : () => 0;
      const right = node.right ? compileExpr(node.right) : () => null;
      const interval = !!node.isInterval;
      return (ctx) => valueAccess(arr(ctx), interval, left(ctx), right(ctx));
    }
    case 'FunctionCall': {
      const name = compileExpr(node.name!);
      const args = (node.args ?? []).map(compileExpr);
      return (ctx) => {
        const fn = name(ctx);
        if (!isFunction(fn)) throw new GiveUp();
        const values = args.map((a) => a(ctx));
        if (Object.hasOwn(fn, 'jsone_builtin')) values.unshift(readsContext(fn) ? flatten(ctx) : ctx);
        return fn(...values);
      };
    }
    case 'Object': {
      const entries = Object.keys(node.obj ?? {}).map((k) => [k, compileExpr(node.obj![k])] as const);
      return (ctx) => {
        const out: Context = {};
        for (const [k, v] of entries) Object.defineProperty(out, k, { value: v(ctx), writable: true, enumerable: true, configurable: true });
        return out;
      };
    }
  }
  return giveUp;
}

/**
 * json-e's built-ins other than `defined` read at most `now` from their context, which a scope
 * chain serves as is; `defined` (and any other function marked as a built-in) gets it flattened.
 */
const CHAIN_SAFE_BUILTINS = new Set(Object.entries(BUILTINS).filter(([n]) => n !== 'defined').map(([, f]) => f));
const readsContext = (fn: object): boolean => !CHAIN_SAFE_BUILTINS.has(fn);

function compileBinOp(op: string, left: Expr, right: Expr): Expr {
  switch (op) {
    case '||':
      return (ctx) => isTruthy(left(ctx)) || isTruthy(right(ctx));
    case '&&':
      return (ctx) => isTruthy(left(ctx)) && isTruthy(right(ctx));
    case '.':
      return (ctx) => {
        const l = left(ctx);
        const r = right(ctx) as string;
        if (isObject(l) && Object.hasOwn(l as object, r)) return (l as Context)[r];
        throw new GiveUp();
      };
    case '==':
      return (ctx) => isEqual(left(ctx), right(ctx));
    case '!=':
      return (ctx) => !isEqual(left(ctx), right(ctx));
    case '+':
      return (ctx) => {
        const l = left(ctx);
        const r = right(ctx);
        if ((isNumber(l) && isNumber(r)) || (isString(l) && isString(r))) return (l as number) + (r as number);
        throw new GiveUp();
      };
    case '-':
    case '*':
    case '/':
    case '**':
      return (ctx) => {
        const l = left(ctx);
        const r = right(ctx);
        if (!isNumber(l) || !isNumber(r)) throw new GiveUp();
        if (op === '-') return l - r;
        if (op === '*') return l * r;
        if (op === '**') return Math.pow(r, l); // sic: json-e's operand order
        if (r == 0) throw new GiveUp(); // division by zero
        return l / r;
      };
    case '<':
    case '>':
    case '<=':
    case '>=':
      return (ctx) => {
        const l = left(ctx);
        const r = right(ctx);
        if (!((isNumber(l) && isNumber(r)) || (isString(l) && isString(r)))) throw new GiveUp();
        return op === '<' ? l < r : op === '>' ? l > r : op === '<=' ? l <= r : l >= r;
      };
    case 'in':
      return (ctx) => {
        const l = left(ctx);
        let r = right(ctx);
        if (isObject(r)) {
          if (!isString(l)) throw new GiveUp();
          r = Object.keys(r as object);
        } else if (isString(r)) {
          if (!isString(l)) throw new GiveUp();
          return r.indexOf(l) !== -1;
        } else if (!Array.isArray(r)) throw new GiveUp();
        return (r as unknown[]).some((x) => isEqual(l, x));
      };
  }
  return giveUp;
}

/** json-e's `a[i]`, `a[i:j]` and `o[key]` (interpreter.js visit_ValueAccess). */
function valueAccess(value: unknown, interval: boolean, left: unknown, right: unknown): unknown {
  const sliceOrIndex = (v: unknown[] | string, l: unknown, r: unknown): unknown => {
    let lo = l as number;
    let hi = r as number | null;
    if (lo < 0) lo = Math.max(0, v.length + lo);
    if (interval) {
      hi = hi === null ? v.length : hi;
      if (hi < 0) hi = Math.max(0, v.length + hi);
      if (lo > hi) lo = hi;
      if (!isInteger(lo) || !isInteger(hi)) throw new GiveUp();
      return v.slice(lo, hi);
    }
    if (!isInteger(lo) || lo >= v.length) throw new GiveUp();
    return v[lo];
  };
  if (Array.isArray(value)) return sliceOrIndex(value, left, right);
  if (isString(value)) {
    // eslint-disable-next-line no-control-regex
    if (/^[\x00-\x7F]*$/.test(value)) return sliceOrIndex(value, left, right);
    const res = sliceOrIndex([...value], left, right);
    return Array.isArray(res) ? res.join('') : res;
  }
  if (!isObject(value) || !isString(left)) throw new GiveUp();
  return Object.hasOwn(value as object, left) ? (value as Context)[left] : null;
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
        return body(scope(ctx, values as Context));
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
            const r = each(scope(ctx, i !== undefined ? { [x]: item, [i]: idx } : { [x]: item }));
            if (r !== DELETE) out.push(r);
          });
          return out;
        }
        if (!isObject(v)) throw new GiveUp();
        const merged: Context = {};
        for (const key of Object.keys(v as object)) {
          const val = (v as Context)[key];
          const r = each(scope(ctx, i !== undefined ? { [x]: val, [i]: key } : { [x]: { key, val } }));
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
export function compileTemplate(
  template: unknown,
  onGiveUp?: (err: unknown) => void,
  /**
   * leaveFunctions: the output is not searched for functions, which json-e refuses to leave in a
   * render ("uncalled functions"): the caller promises to do it in a walk of its own (templates.ts
   * does it while localizing) and to render with json-e for the error when it finds one.
   */
  opts: { leaveFunctions?: boolean } = {},
): CompiledTemplate | null {
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
      if (!opts.leaveFunctions && containsFunctions(out)) throw new GiveUp();
      return out;
    } catch (err) {
      // Out of the fast path: json-e renders it, or throws its own error with its JSON path.
      onGiveUp?.(err);
      return jsone(template as Record<string, unknown>, context);
    }
  };
}
