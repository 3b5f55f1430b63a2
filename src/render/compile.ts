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
// Scopes (`$let`, `$map` items) are chained instead of copied. On top of that, most templates (all
// of cards/) are turned into one generated JavaScript function (see "The code generator" below);
// the closures serve the rest.
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
function parseTree(source: string): Tree {
  const p = new Parser(tokenizer, source);
  const tree = p.parse();
  if (p.current_token !== null && p.current_token !== undefined) throw new GiveUp();
  collectNames(tree);
  return tree;
}

const parseAll = (source: string): Expr => compileExpr(parseTree(source));

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
      if (kind === '-') return (ctx) => neg(e(ctx));
      if (kind === '+') return (ctx) => pos(e(ctx));
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

// json-e's binary and unary operators (interpreter.js), shared by the closures and the generated code.
function dot(l: unknown, r: unknown): unknown {
  if (isObject(l) && Object.hasOwn(l as object, r as string)) return (l as Context)[r as string];
  throw new GiveUp();
}
function add(l: unknown, r: unknown): unknown {
  if ((isNumber(l) && isNumber(r)) || (isString(l) && isString(r))) return (l as number) + (r as number);
  throw new GiveUp();
}
function numbers(l: unknown, r: unknown): void {
  if (!isNumber(l) || !isNumber(r)) throw new GiveUp();
}
const sub = (l: unknown, r: unknown): number => (numbers(l, r), (l as number) - (r as number));
const mul = (l: unknown, r: unknown): number => (numbers(l, r), (l as number) * (r as number));
const pow = (l: unknown, r: unknown): number => (numbers(l, r), Math.pow(r as number, l as number)); // sic: json-e's operand order
function div(l: unknown, r: unknown): number {
  numbers(l, r);
  if (r == 0) throw new GiveUp(); // division by zero
  return (l as number) / (r as number);
}
function comparable(l: unknown, r: unknown): void {
  if (!((isNumber(l) && isNumber(r)) || (isString(l) && isString(r)))) throw new GiveUp();
}
const lt = (l: unknown, r: unknown): boolean => (comparable(l, r), (l as number) < (r as number));
const gt = (l: unknown, r: unknown): boolean => (comparable(l, r), (l as number) > (r as number));
const le = (l: unknown, r: unknown): boolean => (comparable(l, r), (l as number) <= (r as number));
const ge = (l: unknown, r: unknown): boolean => (comparable(l, r), (l as number) >= (r as number));
function inOp(l: unknown, r: unknown): boolean {
  if (isObject(r)) {
    if (!isString(l)) throw new GiveUp();
    r = Object.keys(r as object);
  } else if (isString(r)) {
    if (!isString(l)) throw new GiveUp();
    return r.indexOf(l) !== -1;
  } else if (!Array.isArray(r)) throw new GiveUp();
  return (r as unknown[]).some((x) => isEqual(l, x));
}
function neg(v: unknown): number {
  if (!isNumber(v)) throw new GiveUp();
  return -v;
}
function pos(v: unknown): number {
  if (!isNumber(v)) throw new GiveUp();
  return +v;
}

const BINOPS: Record<string, (l: unknown, r: unknown) => unknown> = {
  '.': dot, '==': isEqual, '!=': (l, r) => !isEqual(l, r), '+': add, '-': sub, '*': mul, '/': div, '**': pow,
  '<': lt, '>': gt, '<=': le, '>=': ge, in: inOp,
};

function compileBinOp(op: string, left: Expr, right: Expr): Expr {
  if (op === '||') return (ctx) => isTruthy(left(ctx)) || isTruthy(right(ctx));
  if (op === '&&') return (ctx) => isTruthy(left(ctx)) && isTruthy(right(ctx));
  const f = Object.hasOwn(BINOPS, op) ? BINOPS[op] : null;
  return f ? (ctx) => f(left(ctx), right(ctx)) : giveUp;
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

/**
 * `${…}` interpolation, split at load into literal text and parsed expression trees; null when an
 * expression has a syntax error (json-e reports it if the string is reached).
 */
function splitInterpolation(s: string): (string | Tree)[] | null {
  const parts: (string | Tree)[] = [];
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
        return null;
      }
      if (!next || next.kind !== '}') return null;
      collectNames(tree);
      parts.push(tree);
      rest = rest.slice(offset + 2 + next.start + 1);
    } else {
      parts.push('${');
      rest = rest.slice(offset + 3);
    }
  }
  if (rest) parts.push(rest);
  return parts;
}

/** json-e's rendering of one interpolated value. */
function interpolated(v: unknown): string {
  if (v !== null && typeof v === 'object') throw new GiveUp(); // json-e: "produced an array or object"
  return v === null ? '' : (v as { toString(): string }).toString();
}

/** `${…}` interpolation, split at load into literal text and parsed expressions. */
function compileString(s: string): Node {
  if (!s.includes('${')) return () => s;
  const split = splitInterpolation(s);
  if (!split) return giveUp;
  const parts = split.map((part) => (typeof part === 'string' ? part : compileExpr(part)));
  return (ctx) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : interpolated(part(ctx));
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
      setKey(out, typeof e.key === 'string' ? e.key : (e.key(ctx) as string), v);
    }
    return out;
  };
}

class Unsupported extends Error {
  constructor(readonly operator: string) {
    super(`json-e operator ${operator} is not compiled`);
  }
}

// Output steps both compilers take (json-e's rules; the generated code calls them as helpers).

/** Sets an output key; `__proto__` as a property of its own, not the prototype. */
function setKey(o: Context, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/** A `$map` over an object: each item's object is merged into the result. */
function mergeInto(merged: Context, r: unknown): void {
  if (!isObject(r)) throw new GiveUp();
  for (const k of Object.keys(r as object)) Object.defineProperty(merged, k, { value: (r as Context)[k], writable: true, enumerable: true, configurable: true });
}

/** `$flatten`: one level. */
function flattenOnce(v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new GiveUp();
  return v.reduce((a: unknown[], b: unknown) => a.concat(b), []);
}

/** A `$switch`'s conditions (sorted, as json-e tries them) and whether it has a `$default`. */
function switchCases(t: Context): { cases: Context; conditions: string[]; hasDefault: boolean } | null {
  if (!onlyAllowed(t, ['\\$switch']) || !isObject(t.$switch)) return null;
  const cases = t.$switch as Context;
  return { cases, conditions: Object.keys(cases).filter((k) => k !== '$default').sort(), hasDefault: Object.hasOwn(cases, '$default') };
}

/** A `$map`'s `each(x)` / `each(x, i)` clause as json-e accepts it, or null (json-e refuses the template). */
function mapClause(t: Context): { eachKey: string; x: string; i: string | undefined } | null {
  const keys = Object.keys(t);
  const eachKey = keys.find((k) => k !== '$map');
  const m = eachKey ? /^each\(([a-zA-Z_][a-zA-Z0-9_]*)(,\s*([a-zA-Z_][a-zA-Z0-9_]*))?\)$/.exec(eachKey) : null;
  if (!onlyAllowed(t, ['\\$map', EACH_RE]) || keys.length !== 2 || !m) return null;
  return { eachKey: eachKey!, x: m[1], i: m[3] };
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
      const clause = mapClause(t);
      if (!clause) return giveUp;
      const { eachKey, x, i } = clause;
      const value = compileNode(t.$map);
      const each = compileNode(t[eachKey]);
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
          if (r !== DELETE) mergeInto(merged, r);
        }
        return merged;
      };
    }
    case '$flatten': {
      if (!onlyAllowed(t, ['\\$flatten'])) return giveUp;
      const value = compileNode(t.$flatten);
      return (ctx) => flattenOnce(value(ctx));
    }
    case '$switch': {
      const sw = switchCases(t);
      if (!sw) return giveUp;
      const conds = sw.conditions.map((k) => ({ test: parseAll(k), body: compileNode(sw.cases[k]) }));
      const fallback = sw.hasDefault ? compileNode(sw.cases.$default) : null;
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

// ---------------------------------------------------------------------------------------------
// The code generator: the fast path's fast path. The closures above call one another through
// every node, so each call site sees many different closures and V8 cannot inline any of them;
// after a few idle milliseconds (between card clicks) that costs several times the warm render.
// Here a template becomes ONE JavaScript function (`new Function`) that builds the output with
// object and array literals, keeps `$let` and `$map` names in local variables resolved at load,
// reads every other name once from the context, and evaluates expressions as JavaScript calling
// the same json-e helpers as the closures. Whatever it does not cover (`defined()`, a `$let` that
// is not a literal object of plain names, a reserved or interpolated key, a name bound to `now`)
// throws NotGenerated at load and the closures serve the template.
//
// Template text reaches the generated source only as JSON.stringify'd strings and as names checked
// against IDENT and prefixed (`v_`, `r_`), so no template can add code of its own; helpers come in
// as the factory's parameters, never as globals.

class NotGenerated extends Error {}

/** What the generated code calls; the factory's parameter names. */
const HELPERS = {
  GU: (): never => {
    throw new GiveUp();
  },
  MISSING: Symbol('missing'),
  DEL: DELETE,
  T: isTruthy,
  EQ: isEqual,
  ...Object.fromEntries(Object.entries({ DOT: '.', NE: '!=', ADD: '+', SUB: '-', MUL: '*', DIV: '/', POW: '**', LT: '<', GT: '>', LE: '<=', GE: '>=', IN: 'in' }).map(([k, op]) => [k, BINOPS[op]])),
  NEG: neg,
  POS: pos,
  S: interpolated,
  INDEX: (v: unknown, l: unknown): unknown => valueAccess(v, false, l, null),
  SLICE: (v: unknown, l: unknown, r: unknown): unknown => valueAccess(v, true, l, r),
  CALL: (b: Context, f: unknown, ...args: unknown[]): unknown => {
    if (!isFunction(f)) throw new GiveUp();
    if (!Object.hasOwn(f, 'jsone_builtin')) return f(...args);
    if (readsContext(f)) throw new GiveUp(); // json-e renders it, with its whole context
    return f(b, ...args);
  },
  ARR: (items: unknown[]): unknown[] => {
    const out: unknown[] = [];
    for (const v of items) if (v !== DELETE) out.push(v);
    return out;
  },
  SETKEY: setKey,
  MERGE: mergeInto,
  FLAT: flattenOnce,
  ISARR: Array.isArray,
  ISOBJ: isObject,
  KEYS: Object.keys,
  HAS: Object.hasOwn,
  HASE: (o: object, k: string): boolean => Object.prototype.propertyIsEnumerable.call(o, k),
  FROMNOW: fromNow,
  BI: BUILTINS,
};

/** A generated node: its JavaScript expression, and whether it may give json-e's delete marker. */
interface Gen {
  code: string;
  del: boolean;
}
/** Names bound by `$let` and `$map`, to the locals that hold them. */
type Env = ReadonlyMap<string, string>;

const LITERAL_KINDS = new Set(['number', 'string', 'null', 'true', 'false']);

class CodeGen {
  private n = 0;
  /** Names read from the context (not bound by `$let` or `$map`). */
  readonly roots = new Set<string>();
  calls = false;

  tmp(): string {
    return `t_${this.n++}`;
  }

  local(name: string): string {
    if (!IDENT.test(name) || name === 'now') throw new NotGenerated();
    return `v_${name}_${this.n++}`;
  }

  /** A JavaScript literal for a number (JSON gives no NaN, but may give -0 or Infinity). */
  num(v: number): string {
    if (Number.isFinite(v) && !Object.is(v, -0)) return `(${String(v)})`;
    return Object.is(v, -0) ? '(-0)' : v > 0 ? '(1/0)' : v < 0 ? '(-1/0)' : '(0/0)';
  }

  /** An expression's truthiness; comparisons, `!`, `&&` and `||` give booleans already. */
  truthy(tree: unknown, env: Env): string {
    const node = tree as AstNode | undefined;
    const code = this.expr(tree, env);
    const kind = node?.token?.kind;
    const boolean = (node?.constructorName === 'UnaryOp' && kind === '!')
      || (node?.constructorName === 'BinOp' && ['||', '&&', '==', '!=', '<', '>', '<=', '>=', 'in'].includes(kind!));
    return boolean ? code : `T(${code})`;
  }

  lookup(name: string, env: Env): string {
    const local = env.get(name);
    if (local !== undefined) return local;
    if (!IDENT.test(name)) throw new NotGenerated();
    this.roots.add(name);
    return name !== 'now' && !Object.hasOwn(BUILTINS, name) ? `(r_${name} === MISSING ? GU() : r_${name})` : `r_${name}`;
  }

  expr(tree: unknown, env: Env): string {
    const node = tree as AstNode | undefined;
    if (!node || typeof node !== 'object') return 'GU()';
    const kind = node.token?.kind;
    switch (node.constructorName) {
      case 'ASTNode': {
        const v = node.token.value;
        if (kind === 'number') return this.num(+v);
        if (kind === 'null' || kind === 'true' || kind === 'false') return kind;
        if (kind === 'string') return JSON.stringify(v.slice(1, -1));
        if (kind === 'identifier') return JSON.stringify(v);
        return '(void 0)';
      }
      case 'ContextValue':
        return this.lookup(node.token.value, env);
      case 'UnaryOp': {
        const e = kind === '!' ? '' : this.expr(node.expr, env);
        return kind === '!' ? `(!${this.truthy(node.expr, env)})` : kind === '-' ? `NEG(${e})` : kind === '+' ? `POS(${e})` : 'GU()';
      }
      case 'BinOp': {
        if (kind === '||' || kind === '&&') return `(${this.truthy(node.left, env)} ${kind} ${this.truthy(node.right, env)})`;
        const l = this.expr(node.left, env);
        const r = this.expr(node.right, env);
        if (kind === '==' || kind === '!=') {
          // json-e's deep equality is identity when either side is a literal number, string, boolean or null
          const lit = (n: AstNode | undefined) => n?.constructorName === 'ASTNode' && LITERAL_KINDS.has(n.token?.kind);
          if (lit(node.left) || lit(node.right)) return `(${l} ${kind}= ${r})`;
          return kind === '==' ? `EQ(${l}, ${r})` : `NE(${l}, ${r})`;
        }
        const helper = { '.': 'DOT', '+': 'ADD', '-': 'SUB', '*': 'MUL', '/': 'DIV', '**': 'POW', '<': 'LT', '>': 'GT', '<=': 'LE', '>=': 'GE', in: 'IN' }[kind];
        return helper && Object.hasOwn(BINOPS, kind) ? `${helper}(${l}, ${r})` : 'GU()';
      }
      case 'List':
        return node.list?.[0] === undefined ? '[]' : `[${node.list.map((e) => this.expr(e, env)).join(', ')}]`;
      case 'ValueAccess': {
        const arr = this.expr(node.arr, env);
        const left = node.left ? this.expr(node.left, env) : '0';
        if (!node.isInterval) return `INDEX(${arr}, ${left})`;
        return `SLICE(${arr}, ${left}, ${node.right ? this.expr(node.right, env) : 'null'})`;
      }
      case 'FunctionCall': {
        this.calls = true;
        const args = [this.expr(node.name, env), ...(node.args ?? []).map((a) => this.expr(a, env))];
        return `CALL(B, ${args.join(', ')})`;
      }
      case 'Object': {
        const obj = node.obj ?? {};
        return `{${Object.keys(obj).map((k) => `${this.key(k)}: ${this.expr(obj[k], env)}`).join(', ')}}`;
      }
    }
    return 'GU()';
  }

  /** An object literal's key: `__proto__` computed, so that it is a property and not the prototype. */
  key(k: string): string {
    return k === '__proto__' ? `[${JSON.stringify(k)}]` : JSON.stringify(k);
  }

  /** The expression for template node `t`; statements it needs first go to `block`. */
  node(t: unknown, env: Env, block: string[]): Gen {
    if (typeof t === 'string') return { code: t.includes('${') ? this.interp(t, env) : JSON.stringify(t), del: false };
    if (typeof t === 'number') return { code: this.num(t), del: false };
    if (t === null || typeof t === 'boolean') return { code: String(t), del: false };
    if (typeof t !== 'object') throw new NotGenerated();
    if (Array.isArray(t)) {
      const items = t.map((x) => this.node(x, env, block));
      const list = `[${items.map((i) => i.code).join(', ')}]`;
      return { code: items.some((i) => i.del) ? `ARR(${list})` : list, del: false };
    }
    const template = t as Context;
    const ops = JSONE_OPERATORS.filter((op) => Object.hasOwn(template, op));
    if (ops.length > 1) return { code: 'GU()', del: false };
    if (ops.length === 1) {
      if (!COMPILED.has(ops[0])) throw new NotGenerated();
      try {
        return this.operator(ops[0], template, env, block);
      } catch (err) {
        if (err instanceof NotGenerated) throw err;
        return { code: 'GU()', del: false }; // a syntax error: json-e reports it if it is reached
      }
    }
    const entries: { key: string; value: Gen }[] = [];
    for (const [key, value] of Object.entries(template)) {
      if (key.includes('${') && !key.startsWith('$$')) throw new NotGenerated();
      if (!key.startsWith('$$') && /^\$[a-zA-Z][a-zA-Z0-9]*$/.test(key)) throw new NotGenerated();
      entries.push({ key: key.startsWith('$$') ? key.slice(1) : key, value: this.node(value, env, block) });
    }
    // Literal keys up to the first value that may be deleted; then one statement per key.
    let cut = entries.findIndex((e) => e.value.del);
    if (cut === -1) cut = entries.length;
    const literal = `{${entries.slice(0, cut).map((e) => `${this.key(e.key)}: ${e.value.code}`).join(', ')}}`;
    if (cut === entries.length) return { code: literal, del: false };
    const o = this.tmp();
    block.push(`const ${o} = ${literal};`);
    for (const e of entries.slice(cut)) {
      const set = (v: string) => (e.key === '__proto__' ? `SETKEY(${o}, ${JSON.stringify(e.key)}, ${v});` : `${o}[${JSON.stringify(e.key)}] = ${v};`);
      if (!e.value.del) {
        block.push(set(e.value.code));
        continue;
      }
      const v = this.tmp();
      block.push(`const ${v} = ${e.value.code};`, `if (${v} !== DEL) ${set(v)}`);
    }
    return { code: o, del: false };
  }

  interp(s: string, env: Env): string {
    const parts = splitInterpolation(s);
    if (!parts) return 'GU()';
    return `(${parts.map((p) => (typeof p === 'string' ? JSON.stringify(p) : `S(${this.expr(p, env)})`)).join(' + ')})`;
  }

  /** A branch (`$if`, `$switch`) whose statements run only when it is taken. */
  branch(t: unknown, env: Env): { stmts: string[]; gen: Gen } {
    const stmts: string[] = [];
    return { stmts, gen: this.node(t, env, stmts) };
  }

  operator(op: string, t: Context, env: Env, block: string[]): Gen {
    const gu = { code: 'GU()', del: false };
    switch (op) {
      case '$eval':
        if (!onlyAllowed(t, ['\\$eval']) || typeof t.$eval !== 'string') return gu;
        return { code: this.expr(parseTree(t.$eval), env), del: false };
      case '$if': {
        if (!onlyAllowed(t, ['\\$if', 'then', 'else']) || typeof t.$if !== 'string' || Object.hasOwn(t, '$then')) return gu;
        const cond = this.truthy(parseTree(t.$if), env);
        const none = { stmts: [], gen: { code: 'DEL', del: true } };
        const then = Object.hasOwn(t, 'then') ? this.branch(t.then, env) : none;
        const otherwise = Object.hasOwn(t, 'else') ? this.branch(t.else, env) : none;
        const del = then.gen.del || otherwise.gen.del;
        if (!then.stmts.length && !otherwise.stmts.length) return { code: `(${cond} ? ${then.gen.code} : ${otherwise.gen.code})`, del };
        const r = this.tmp();
        block.push(`let ${r};`, `if (${cond}) {`, ...then.stmts, `${r} = ${then.gen.code};`, '} else {', ...otherwise.stmts, `${r} = ${otherwise.gen.code};`, '}');
        return { code: r, del };
      }
      case '$let': {
        if (!onlyAllowed(t, ['\\$let', 'in']) || !isObject(t.$let) || t.in === undefined || t.in === null) return gu;
        const vars = t.$let as Context;
        const inner = new Map(env);
        const bound: [string, string][] = [];
        for (const k of Object.keys(vars)) {
          const v = this.node(vars[k], env, block);
          if (v.del) throw new NotGenerated();
          const local = this.local(k);
          block.push(`const ${local} = ${v.code};`);
          bound.push([k, local]);
        }
        for (const [k, local] of bound) inner.set(k, local);
        return this.node(t.in, inner, block);
      }
      case '$map': {
        const clause = mapClause(t);
        if (!clause) return gu;
        const { eachKey, x, i } = clause;
        const value = this.node(t.$map, env, block);
        const [src, isArr, ks, out, j, n, k] = [this.tmp(), this.tmp(), this.tmp(), this.tmp(), this.tmp(), this.tmp(), this.tmp()];
        const vx = this.local(x);
        const vi = i !== undefined ? this.local(i) : null;
        const inner = new Map(env);
        inner.set(x, vx);
        if (vi && i !== undefined) inner.set(i, vi);
        const body: string[] = [];
        const each = this.node(t[eachKey], inner, body);
        const r = this.tmp();
        block.push(
          `const ${src} = ${value.code};`,
          `const ${isArr} = ISARR(${src});`,
          `if (!${isArr} && !ISOBJ(${src})) GU();`,
          `const ${ks} = ${isArr} ? null : KEYS(${src});`,
          `const ${out} = ${isArr} ? [] : {};`,
          `for (let ${j} = 0, ${n} = ${isArr} ? ${src}.length : ${ks}.length; ${j} < ${n}; ${j}++) {`,
          `let ${vx}${vi ? `, ${vi}` : ''};`,
          `if (${isArr}) {`,
          `if (!(${j} in ${src})) continue;`, // forEach skips holes
          `${vx} = ${src}[${j}];`,
          vi ? `${vi} = ${j};` : '',
          '} else {',
          `const ${k} = ${ks}[${j}];`,
          vi ? `${vx} = ${src}[${k}]; ${vi} = ${k};` : `${vx} = {key: ${k}, val: ${src}[${k}]};`,
          '}',
          ...body,
          `const ${r} = ${each.code};`,
          each.del ? `if (${r} === DEL) continue;` : '',
          `if (${isArr}) ${out}.push(${r}); else MERGE(${out}, ${r});`,
          '}',
        );
        return { code: out, del: false };
      }
      case '$flatten':
        if (!onlyAllowed(t, ['\\$flatten'])) return gu;
        return { code: `FLAT(${this.node(t.$flatten, env, block).code})`, del: false };
      case '$switch': {
        const sw = switchCases(t);
        if (!sw) return gu;
        const conds = sw.conditions.map((c) => ({ test: this.truthy(parseTree(c), env), body: this.branch(sw.cases[c], env) }));
        const fallback = sw.hasDefault ? this.branch(sw.cases.$default, env) : null;
        const [r, hits] = [this.tmp(), this.tmp()];
        block.push(`let ${r} = DEL, ${hits} = 0;`);
        for (const c of conds) block.push(`if (${c.test}) {`, ...c.body.stmts, `${r} = ${c.body.gen.code};`, `${hits}++;`, '}');
        block.push(`if (${hits} > 1) GU();`);
        if (fallback) block.push(`if (${hits} === 0) {`, ...fallback.stmts, `${r} = ${fallback.gen.code};`, '}');
        return { code: r, del: !fallback || fallback.gen.del || conds.some((c) => c.body.gen.del) };
      }
    }
    throw new NotGenerated();
  }
}

/**
 * The generated function's source: given the context, the rendered template (DELETE for none).
 * Throws NotGenerated for what only the closures cover.
 */
function generateSource(template: unknown): string {
  const g = new CodeGen();
  const block: string[] = [];
  const root = g.node(template, new Map(), block);
  const prelude: string[] = [];
  const roots = [...g.roots];
  if (g.calls && !roots.includes('now')) roots.push('now');
  for (const name of roots) {
    const key = JSON.stringify(name);
    // the context's own enumerable names (json-e copies it with Object.assign), over json-e's default `now` and its built-ins
    const fallback = name === 'now' ? `HAS(C, ${key}) ? MISSING : FROMNOW("0 seconds")` : Object.hasOwn(BUILTINS, name) ? `BI[${key}]` : 'MISSING';
    prelude.push(`const r_${name} = HASE(C, ${key}) ? C[${key}] : ${fallback};`);
  }
  // json-e's built-ins read at most `now` from their context
  if (g.calls) prelude.push('const B = {now: r_now === MISSING ? void 0 : r_now};');
  return [...prelude, ...block, `return ${root.code};`].filter((l) => l !== '').join('\n');
}

/** The generated render function, or null when the template is left to the closures. */
function generate(template: unknown): ((context: Context) => unknown) | null {
  let source: string;
  try {
    source = generateSource(template);
  } catch (err) {
    if (err instanceof NotGenerated) return null;
    throw err;
  }
  const names = Object.keys(HELPERS);
  let factory: (...helpers: unknown[]) => (context: Context) => unknown;
  try {
    // The source holds template text only as JSON.stringify'd literals and IDENT-checked, prefixed names.
    factory = new Function(...names, `'use strict';\nreturn function render(C) {\n${source}\n};`) as typeof factory;
  } catch (err) {
    // node --disallow-code-generation-from-strings: the closures serve every template.
    if (err instanceof EvalError) return null;
    throw err;
  }
  return factory(...names.map((n) => (HELPERS as Record<string, unknown>)[n]));
}

/** For tests and debugging: the generated source for a template, or null when the closures serve it. */
export function generatedSource(template: unknown): string | null {
  names = new Set();
  try {
    compileNode(template);
    return names.has('defined') ? null : generateSource(template);
  } catch (err) {
    if (err instanceof NotGenerated || err instanceof Unsupported) return null;
    throw err;
  }
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
  opts: { leaveFunctions?: boolean; /** false: closures only, no generated code (tests) */ generate?: boolean } = {},
): CompiledTemplate | null {
  let root: Node;
  names = new Set();
  try {
    root = compileNode(template);
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
  const generated = opts.generate === false || names.has('defined') ? null : generate(template);
  const builtins = names.has('defined') ? BUILTINS : Object.fromEntries([...names].filter((n) => Object.hasOwn(BUILTINS, n)).map((n) => [n, BUILTINS[n]]));
  return (context) => {
    try {
      if (!isObject(context) || !Object.keys(context).every((k) => IDENT.test(k))) throw new GiveUp();
      // json-e's default `now`, unless the context brings its own (ours always does).
      const out = generated ? generated(context) : root(mergeContext(builtins, Object.hasOwn(context, 'now') ? {} : { now: fromNow('0 seconds') }, context));
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
