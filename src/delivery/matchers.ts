import { RE2JS } from 're2js';
import { HarkError } from '../errors.ts';

// Label matchers of a chat subscription, in Prometheus/Alertmanager syntax so that people who write
// routes already know them. The API accepts the short object form for exact matches
// (`{"team":"pay"}`) or a list of matcher strings (`["team=pay", "env!=dev", "service=~api-.*"]`).
// Regexes are anchored (whole value) and are RE2, as in Alertmanager (Go's regexp): matching takes
// time linear in the label's length whatever the pattern, so no subscription can stall delivery the
// way a backtracking pattern such as (a+)+b does in JavaScript's RegExp. RE2 is re2js, a pure
// JavaScript port of RE2 (no native build). A pattern RE2 refuses (backreferences, lookaround) is
// refused at subscribe time, naming the problem.

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
}

const MATCHER_RE = /^\s*([a-zA-Z_][a-zA-Z0-9_.-]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;
const MAX_MATCHERS = 20;
const MAX_VALUE = 200;

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(["\\])/g, '$1');
  return v;
}

/** Compiled patterns, by source text; a subscription's few patterns are compiled once, not per alert. */
const compiled = new Map<string, RE2JS>();
const MAX_COMPILED = 1_000;

/** The anchored RE2 for a matcher value; throws RE2's syntax error for a pattern it refuses. */
function re2(value: string): RE2JS {
  let re = compiled.get(value);
  if (!re) {
    re = RE2JS.compile(`^(?:${value})$`);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(value, re);
  }
  return re;
}

function checkRegex(name: string, value: string): void {
  try {
    re2(value);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new HarkError(
      'invalid',
      `labels: the pattern for "${name}" is not a valid RE2 regular expression (${why}); Alertmanager's syntax has no backreferences or lookaround: ${value}`,
    );
  }
}

/** Whether the whole value matches; a stored pattern RE2 refuses (from before issue 19) matches nothing. */
function fullMatch(pattern: string, v: string): boolean {
  try {
    return re2(pattern).matches(v);
  } catch {
    return false;
  }
}

/** Parses the API's `labels` field into matchers; throws HarkError('invalid') naming the problem. */
export function parseMatchers(input: unknown): LabelMatcher[] {
  if (input === undefined || input === null) return [];
  let out: LabelMatcher[];
  if (Array.isArray(input)) {
    out = input.map((item, i) => {
      if (typeof item !== 'string') throw new HarkError('invalid', `labels[${i}] must be a string such as "team=pay"`);
      const m = MATCHER_RE.exec(item);
      if (!m) throw new HarkError('invalid', `labels[${i}] must look like name=value, name!=value, name=~regex or name!~regex`);
      return { name: m[1], op: m[2] as MatchOp, value: unquote(m[3]) };
    });
  } else if (typeof input === 'object') {
    out = Object.entries(input as Record<string, unknown>).map(([name, value]) => {
      if (typeof value !== 'string') throw new HarkError('invalid', `labels.${name} must be a string`);
      if (!/^[a-zA-Z_][a-zA-Z0-9_.-]*$/.test(name)) throw new HarkError('invalid', `labels: "${name}" is not a label name`);
      return { name, op: '=' as const, value };
    });
  } else {
    throw new HarkError('invalid', 'labels must be an object such as {"team":"pay"} or a list such as ["team=pay","env!=dev"]');
  }
  if (out.length > MAX_MATCHERS) throw new HarkError('invalid', `labels: at most ${MAX_MATCHERS} matchers`);
  for (const m of out) {
    if (m.value.length > MAX_VALUE) throw new HarkError('invalid', `labels: the value for "${m.name}" is longer than ${MAX_VALUE}`);
    if (m.op === '=~' || m.op === '!~') checkRegex(m.name, m.value);
  }
  return out;
}

/** A missing label matches like an empty value (Alertmanager semantics: `env!=dev` matches no `env`). */
export function matchesLabels(matchers: readonly LabelMatcher[], labels: Readonly<Record<string, string>>): boolean {
  for (const m of matchers) {
    const v = labels[m.name] ?? '';
    switch (m.op) {
      case '=':
        if (v !== m.value) return false;
        break;
      case '!=':
        if (v === m.value) return false;
        break;
      case '=~':
        if (!fullMatch(m.value, v)) return false;
        break;
      case '!~':
        if (fullMatch(m.value, v)) return false;
        break;
    }
  }
  return true;
}

/** The stored form (JSON text in subscriptions.labels). */
export function serializeMatchers(list: readonly LabelMatcher[]): string {
  return JSON.stringify(list);
}

/** Reads the stored form; also accepts the plain object form, should a row hold one. */
export function deserializeMatchers(text: string | null | undefined): LabelMatcher[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text);
    if (Array.isArray(v)) return v.filter((m) => m && typeof m.name === 'string' && typeof m.value === 'string');
    if (v && typeof v === 'object') return Object.entries(v).map(([name, value]) => ({ name, op: '=' as const, value: String(value) }));
  } catch {
    /* fall through: an unreadable row matches everything rather than dropping alerts */
  }
  return [];
}

/** For display and the API: the exact-only object form when possible, else matcher strings. */
export function displayMatchers(list: readonly LabelMatcher[]): Record<string, string> | string[] {
  if (list.every((m) => m.op === '=')) return Object.fromEntries(list.map((m) => [m.name, m.value]));
  return list.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`);
}
