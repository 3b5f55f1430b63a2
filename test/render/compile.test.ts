import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import jsone from 'json-e';
import { describe, expect, it } from 'vitest';
import { INCIDENT_STATES, SAMPLE_NOW, SAMPLES, sampleIncident } from '../../src/preview/samples.ts';
import { compileTemplate, generatedSource } from '../../src/render/compile.ts';
import { CardTemplates, DEFAULT_CARDS_DIR, renderIncidentCard, type Lang } from '../../src/render/index.ts';

// The compiled renderer must be json-e, only faster: every card and every rule of json-e it
// handles, rendered both ways, gives the same output, or both fail with json-e's error.

type Outcome = { value: unknown } | { error: string };

function outcome(f: () => unknown): Outcome {
  try {
    return { value: f() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Renders both ways; `gaveUp` says whether the compiled render handed over to json-e. */
function bothWays(template: unknown, context: Record<string, unknown>, generate = true): { compiled: Outcome; jsone: Outcome; gaveUp: boolean } {
  let gaveUp = false;
  const compiled = compileTemplate(template, () => (gaveUp = true), { generate });
  if (!compiled) throw new Error('expected a compiled template');
  return {
    compiled: outcome(() => compiled(context)),
    jsone: outcome(() => jsone(template as Record<string, unknown>, context)),
    gaveUp,
  };
}

/** Keeps every (template, context) pair the card renderers pass, so each can be rendered both ways. */
class RecordingTemplates extends CardTemplates {
  readonly seen: { name: string; context: Record<string, unknown> }[] = [];
  override renderTallied(name: string, context: Record<string, unknown>) {
    this.seen.push({ name, context });
    return super.renderTallied(name, context);
  }
}

const cardTemplate = (name: string): unknown => JSON.parse(readFileSync(path.join(DEFAULT_CARDS_DIR, `${name}.json`), 'utf8'));

describe('compiled json-e templates', () => {
  it('every card in cards/ is on the fast path', () => {
    const templates = new CardTemplates();
    for (const name of templates.names()) expect(compileTemplate(cardTemplate(name)), name).not.toBeNull();
  });

  it('every card in cards/ is compiled to generated code', () => {
    for (const name of new CardTemplates().names()) expect(generatedSource(cardTemplate(name)), name).not.toBeNull();
  });

  it('renders every card sample, in every language, exactly as json-e does', () => {
    const rec = new RecordingTemplates();
    for (const lang of ['both', 'en_us', 'zh_cn'] as Lang[]) {
      for (const s of SAMPLES) s.render({ templates: rec, lang, now: SAMPLE_NOW });
      for (const { view } of Object.values(INCIDENT_STATES)) {
        // Later moments too: "ago" and "until" texts change with the clock.
        for (const later of [0, 59_000, 3 * 3_600_000, 9 * 86_400_000]) renderIncidentCard(view, { templates: rec, lang, now: SAMPLE_NOW + later });
      }
    }
    // Incidents with nothing optional, with more labels than fit, and with every optional part.
    const odd = [
      sampleIncident({ labels: {}, links: [], description: null, nextEscalation: null, startedAt: null as unknown as number }),
      sampleIncident({ labels: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, `v${i}`])) }),
      sampleIncident({ status: 'resolved', resolvedBy: null, resolvedAt: SAMPLE_NOW, webUrl: null as unknown as string }),
      sampleIncident({ title: '${secret} $eval {"$if": "true"} <at id=all></at>', labels: { $eval: 'x', '${k}': '${v}' } }),
    ];
    for (const view of odd) renderIncidentCard(view, { templates: rec, now: SAMPLE_NOW });

    expect(rec.seen.length).toBeGreaterThan(100);
    for (const { name, context } of rec.seen) {
      for (const generate of [true, false]) {
        const r = bothWays(cardTemplate(name), context, generate);
        expect(r.compiled, name).toStrictEqual(r.jsone);
        expect('value' in r.compiled, `${name} rendered`).toBe(true);
        expect(r.gaveUp, `${name} stayed on the fast path`).toBe(false);
      }
    }
  });

  const ctx = { a: 1, s: 'x', arr: [1, 2, 3], obj: { k: 'v', j: 'w' }, nil: null, t: true, f: (x: number) => x + 1, deep: { list: [{ n: 1 }, { n: 2 }] } };
  const cases: [string, unknown][] = [
    ['interpolation', { text: '${a} and ${s}, ${nil}|${t}|${f(1)} ${arr[1]} ${deep.list[0].n}' }],
    ['escaped interpolation', { text: '$${a} and $$${a}' }],
    ['interpolated and escaped keys', { 'k-${s}': 1, $$eval: 2, $: 3 }],
    ['a reserved key', { $reserved: 1 }],
    ['$if without a branch deletes the value', { x: { $if: 'false', then: 1 }, y: [1, { $if: 'false', then: 2 }, 3] }],
    ['$if with both branches', [{ $if: 'a == 1', then: 'yes', else: 'no' }, { $if: 'a == 2', then: 'yes', else: 'no' }]],
    ['$if deleting the whole template', { $if: 'false', then: 1 }],
    ['$if with a property json-e lets through', { $if: 'a', then: 1, athena: 2 }],
    ['$if with $then', { $if: 'a', $then: 1 }],
    ['$if on an unknown name', { $if: 'nope', then: 1 }],
    ['$let', { $let: { b: { $eval: 'a + 1' }, c: '${s}!' }, in: { sum: '${b}', c: { $eval: 'c' } } }],
    ['$let without in', { $let: { b: 1 } }],
    ['$let with a bad name', { $let: { '1b': 1 }, in: 1 }],
    ['$let shadowing a builtin', { $let: { len: 5 }, in: { $eval: 'len' } }],
    ['$map over an array', { $map: { $eval: 'arr' }, 'each(x)': { $eval: 'x * 2' } }],
    ['$map with an index', { $map: ['p', 'q'], 'each(x, i)': '${x}-${i}' }],
    ['$map over an object', { $map: { $eval: 'obj' }, 'each(y)': { '${y.key}': '${y.val}!' } }],
    ['$map over an object with keys', { $map: { $eval: 'obj' }, 'each(v, k)': { '${k}': '${v}?' } }],
    ['$map dropping items', { $map: [1, 2, 3], 'each(x)': { $if: 'x != 2', then: { n: { $eval: 'x' } } } }],
    ['$map over a number', { $map: { $eval: 'a' }, 'each(x)': 1 }],
    ['$map with a bad each', { $map: [1], 'each(1x)': 1 }],
    ['$flatten', { $flatten: [[1, 2], [3], 4, [[5]]] }],
    ['$flatten of a non-array', { $flatten: { $eval: 'a' } }],
    ['$switch', [{ $switch: { 'a == 1': 'one', 'a == 2': 'two', $default: 'other' } }, { $switch: { 'a == 5': 1, $default: 'd' } }]],
    ['$switch with two true cases', { $switch: { 'a == 1': 1, t: 2 } }],
    ['$switch with none true', { x: { $switch: { false: 1 } } }],
    ['builtins and now', { n: { $eval: 'len(arr)' }, d: { $eval: 'defined("a")' }, u: { $eval: 'uppercase(s)' }, now: { $eval: 'now' } }],
    ['defined() sees every built-in', { a: { $eval: 'defined("lowercase")' }, b: { $eval: 'defined("nope")' }, c: { $eval: 'defined("s")' } }],
    ['dotted paths', { a: '${obj.k}', b: { $eval: 'deep.list' }, c: { $if: 'obj.j', then: '${obj.j}' } }],
    ['a path to a missing property', { $eval: 'obj.missing' }],
    ['a path into an array', { $eval: 'arr.length' }],
    ['a path into null', { text: '${nil.x}' }],
    ['an uncalled function', { $eval: 'f' }],
    ['an object interpolated', { text: '${obj}' }],
    ['an unknown name', { text: '${unknown}' }],
    ['a syntax error', { $eval: 'a +' }],
    ['a syntax error in a string', 'x ${a +} y'],
    ['a syntax error in a branch not taken', { $if: 'true', then: 1, else: { $eval: 'a +' } }],
    ['a syntax error in a branch taken', { $if: 'false', then: 1, else: { $eval: 'a +' } }],
    ['two operators', { $eval: 'a', $if: 'true' }],
    // The expression language, operator by operator (json-e/src/interpreter.js).
    ['arithmetic and precedence', { $eval: '[a + 2 * 3, (a + 2) * 3, 7 / 2, 10 - a - 1, 2 ** 3 ** 2, -a, +a, s + "y"]' }],
    ['division by zero', { $eval: 'a / 0' }],
    ['adding a string to a number', { $eval: 'a + s' }],
    ['minus on a string', { $eval: '-s' }],
    ['subtracting strings', { $eval: 's - s' }],
    ['comparisons', { $eval: '[a < 2, a >= 1, s > "w", "b" <= "a", a == 1, a != 1, nil == null, arr == [1, 2, 3], obj == {j: "w", k: "v"}, obj == {k: "v"}, f == f]' }],
    ['comparing a number with a string', { $eval: 'a < s' }],
    ['not and truthiness', { $eval: '[!a, !nil, ![], !{}, !"", !0, !!arr, !!obj, !!f]' }],
    ['and / or short-circuit past unknown names', { $eval: '[t || nope, nil && nope, a && s, nil || 0]' }],
    ['or reaching an unknown name', { $eval: 'nil || nope' }],
    ['in', { $eval: '[1 in arr, 5 in arr, "k" in obj, "q" in obj, "x" in s, "x" in "abc", [1] in [[1], 2]]' }],
    ['in with a number on an object', { $eval: '1 in obj' }],
    ['in with a number on a string', { $eval: '1 in s' }],
    ['in on a number', { $eval: '1 in a' }],
    ['indexes and slices', { $eval: '[arr[0], arr[-1], arr[1:], arr[:-1], arr[-2:], arr[5:], arr[2:1], "hello"[1:3], "hello"[-1], "héllo😀x"[1:6], "héllo"[1]]' }],
    ['an index out of bounds', { $eval: 'arr[3]' }],
    ['an index that is not an integer', { $eval: 'arr[1.5]' }],
    ['a slice with non-integers', { $eval: 'arr[0.5:2]' }],
    ['object keys by index', { $eval: '[obj["k"], obj["missing"], deep["list"][1]["n"]]' }],
    ['an object indexed by a number', { $eval: 'obj[1]' }],
    ['indexing a number', { $eval: 'a[0]' }],
    ['list and object literals', { $eval: '{x: [a, s, [nil]], "y z": {t: t}, w: []}' }],
    ['function calls', { $eval: '[str(a), join(["p", "q"], "-"), split("a,b", ","), range(0, 3), typeof(obj), typeof(f), lowercase("AB"), number("4"), fromNow("1 hour"), f(a + 1)]' }],
    ['a builtin given a wrong argument', { $eval: 'len(a)' }],
    ['calling what is not a function', { $eval: 'a(1)' }],
    ['defined() inside $let and $map sees their names', { $let: { q: 1 }, in: { $map: [1], 'each(x)': { $eval: '[defined("q"), defined("x"), defined("a"), defined("zz")]' } } }],
    ['nested scopes shadow and restore', { $let: { a: 10 }, in: [{ $map: [1, 2], 'each(a)': { $eval: 'a' } }, { $eval: 'a' }] }],
    ['a $let value naming __proto__', { $let: { __proto__: 1 }, in: { $eval: '__proto__' } }],
    // What the code generator treats on its own (or leaves to the closures).
    ['$let of a computed object', { $let: { $eval: 'obj' }, in: '${k}${j}' }],
    ['$let with a deleted value falls back to the outer name', { $let: { a: { $if: 'false', then: 2 }, b: 3 }, in: { $eval: '[a, b]' } }],
    ['$let binding now', { $let: { now: '2020-01-01T00:00:00.000Z' }, in: { $eval: 'fromNow("1 day")' } }],
    ['$map binding now', { $map: ['2020-01-01T00:00:00.000Z'], 'each(now)': { $eval: 'fromNow("1 day")' } }],
    ['$let values see the outer names only', { $let: { a: 5 }, in: { $let: { a: 7, b: { $eval: 'a' } }, in: { $eval: '[a, b]' } } }],
    ['$map with the same name twice', { $map: { $eval: 'obj' }, 'each(v, v)': '${v}' }],
    ['$map over an empty object', { $map: {}, 'each(v)': 1 }],
    ['$map items that are not objects, over an object', { $map: { $eval: 'obj' }, 'each(v)': 1 }],
    ['object keys that are not plain', JSON.parse('{"__proto__": 1, "a\\"b": 2, "c\'d\\\\": 3, "</script>": {"$if": "false", "then": 1}, "1": 4, "constructor": {"$if": "t", "then": 5}, "__proto__": {"q": 1}}')],
    ['a __proto__ key kept after a deleted one', JSON.parse('{"x": {"$if": "false", "then": 1}, "__proto__": {"y": 1}}')],
    ['a $let value naming __proto__ (parsed)', JSON.parse('{"$let": {"__proto__": 1}, "in": {"$eval": "__proto__"}}')],
    ['an expression object naming __proto__', { $eval: '{__proto__: 1, a: 2}' }],
    ['numbers json-e keeps', [...(JSON.parse('[-0, 1e400, -1e400]') as number[]), 0.1, 1e21, { $eval: '1e3' }, { $eval: '99999999999999999999999' }]],
    ['names of the generated code are names like any other', { $eval: '[GU, T, C, B, MISSING, DEL, v_a_0, r_a]' }],
    ['$switch whose branches need statements', { $switch: { 'a == 1': { $map: [1, 2], 'each(x)': { $if: 'x == 2', then: 'y' } }, $default: 0 } }],
    ['$if whose branches need statements', [{ $if: 'a', then: { $let: { q: 1 }, in: { z: { $if: 'q == 2', then: 1 } } }, else: 2 }, { $if: '!a', then: 1 }]],
    ['a builtin marked by the context', { $eval: 'mine(1)' }],
  ];
  const generatorCtx = { GU: 'gu', T: 't', C: 'c', B: 'b', MISSING: 'm', DEL: 'd', v_a_0: 'v', r_a: 'r', mine: Object.assign(() => 1, { jsone_builtin: true }) };
  for (const [what, template] of cases) {
    for (const generate of [true, false]) {
      it(`${what}: the same as json-e${generate ? '' : ' (closures)'}`, () => {
        const r = bothWays(template, { ...ctx, ...generatorCtx, now: SAMPLE_NOW }, generate);
        expect(r.compiled).toStrictEqual(r.jsone);
        // Only what json-e refuses leaves the fast path.
        if (what !== 'a builtin marked by the context') expect(r.gaveUp).toBe('error' in r.jsone);
      });
    }
  }

  it('a context without now, or with names it does not own, is read as json-e reads it', () => {
    const template = { $eval: '[fromNow("0 seconds") != null, typeof(now), a]' };
    const inherited = Object.create({ a: 1 }) as Record<string, unknown>;
    const hidden = Object.defineProperty({ a: 1 }, 'now', { value: 'x', enumerable: false });
    for (const context of [{ a: 1 }, inherited, hidden]) {
      const r = bothWays(template, context);
      expect(r.compiled).toStrictEqual(r.jsone);
    }
  });

  it('template text reaches the generated code only as data', () => {
    const g = globalThis as { pwned?: number };
    const evil = '"); globalThis.pwned = 1; ("\\"); globalThis.pwned = 1; //*/ `${1}` \u2028\u2029 </script>';
    const template = { [evil.replace(/\$/g, '')]: evil, x: { $eval: `"${evil.replace(/"/g, '')}"` }, y: `\${s} ${evil.replace(/[$"]/g, '')}`, z: [{ $eval: `{'${evil.replace(/'/g, '')}': 1}` }] };
    expect(generatedSource(template)).not.toBeNull();
    const r = bothWays(template, { ...ctx, now: SAMPLE_NOW });
    expect(r.compiled).toStrictEqual(r.jsone);
    expect('value' in r.compiled).toBe(true);
    expect(g.pwned).toBeUndefined();
    // names the generator would have to splice in are checked, or left to the closures
    expect(generatedSource({ $let: { 'a-b': 1 }, in: 1 })).toBeNull();
    expect(generatedSource({ $let: { a: 1 }, in: { $eval: 'defined("a")' } })).toBeNull();
  });

  it('a context json-e refuses is refused the same way', () => {
    const r = bothWays({ x: 1 }, { 'a-b': 1 });
    expect(r.jsone).toHaveProperty('error');
    expect(r.compiled).toStrictEqual(r.jsone);
  });

  it('a process that forbids code generation renders every card with the closures, the same', () => {
    const script = `
      import { renderIncidentCard } from './src/render/index.ts';
      import { sampleIncident, SAMPLE_NOW } from './src/preview/samples.ts';
      process.stdout.write(JSON.stringify(renderIncidentCard(sampleIncident(), { lang: 'both', now: SAMPLE_NOW })));`;
    const out = execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual(renderIncidentCard(sampleIncident(), { lang: 'both', now: SAMPLE_NOW }));
  });

  it('templates with operators it does not compile are left to json-e', () => {
    expect(compileTemplate({ x: { $reverse: [1, 2] } })).toBeNull();
    expect(compileTemplate({ $let: { a: 1 }, in: { $sort: [2, 1] } })).toBeNull();
  });
});
