import { sql, type Compilable, type CompiledQuery, type Kysely, type QueryResult, type RawBuilder } from 'kysely';
import type { DB } from './schema.ts';

// Prepared queries: build a kysely query once, run it many times with other values.
//
// Building and compiling a kysely query (its operation-node tree, the visitors, `freeze`, the
// reference parsers, the compiler) costs about as much CPU as SQLite takes to run a short query,
// and on the hot path of a card click the SQL text is the same every time: only the values change.
// A PreparedQuery builds its query once per database handle, with a unique sentinel string in
// place of each named parameter, compiles it, remembers at which positions of
// `compiled.parameters` each sentinel sits, and from then on hands kysely's executor the same
// CompiledQuery with the real values put in those positions (`db.executeQuery(compiledQuery)`),
// skipping the builder and the compiler. Drivers, transactions and result handling are kysely's
// as usual; kysely's result types are kept (`rows` / `first` are typed by the built query).
//
// Why not the npm package `kysely-params`, which does the same: it declares kysely ^0.24 as a hard
// dependency (so a second, older kysely would be installed beside ours) and is unmaintained for
// 0.28. This file is the small part of it we need.
//
// Rules for the `build` function (a mistake in them throws at the first compile, naming the query
// and the parameter, so it fails loudly in tests rather than running a wrong statement):
// - Use each parameter as a plain value in the query (`where('x', '=', p.x)`, `set({ x: p.x })`,
//   `values({ x: p.x })`, `${p.x}` in a `sql` template). Values that kysely turns into SQL text are
//   not parameters: `where('x', 'is', null)`, `sql.lit`, `sql.raw`, `sql.ref`, identifiers. A
//   sentinel that lands in the SQL text, is missing from the parameters (e.g. it was used in a JS
//   condition or turned into a number), or was combined into another value (`patch:${p.id}`:
//   compute such values outside and pass them as parameters of their own) is refused.
// - Each parameter must appear exactly `uses` times (`param<T>(uses)`, default 1). Kysely makes
//   every occurrence a parameter of its own (`$2`, `$3` on PostgreSQL), and all get the value.
// - Values are single values: strings, numbers, bigints, booleans, null, Buffers. `undefined`
//   (kysely would have left the column out) and arrays (an `in` list has one parameter per item)
//   are refused at execute time.
// - The SQL must not depend on the values: no `if (p.x)` in `build`. Where a query has shapes
//   (e.g. FOR UPDATE or not, which columns an UPDATE writes), make one PreparedQuery per shape.
//
// The compiled statement is cached per handle's dialect adapter (one per Kysely instance; its
// transactions share it), because PostgreSQL and SQLite compile to different SQL ($1 vs ?). A
// handle with plugins (e.g. `withSchema`) is run through kysely's builder every time instead,
// since plugins may rewrite the query or keep per-query state.

declare const valueType: unique symbol;

/** A named parameter of a prepared query, of type T, used `uses` times in the query. */
export interface Param<T> {
  readonly uses: number;
  /** Type only: never set. */
  readonly [valueType]?: T;
}

/** Declares a parameter of type T that the query uses `uses` times (default once). */
export function param<T>(uses = 1): Param<T> {
  if (!Number.isInteger(uses) || uses < 1) throw new Error(`param(): uses must be a positive integer (got ${uses})`);
  return { uses };
}

/** The values object of a parameter spec: `{ id: param<number>() }` → `{ id: number }`. */
export type ParamValues<S> = { readonly [K in keyof S]: S[K] extends Param<infer T> ? T : never };

interface Template {
  readonly compiled: CompiledQuery;
  /** Positions in compiled.parameters that take a value, and the name of that value. */
  readonly slots: readonly number[];
  readonly names: readonly string[];
}

let compiles = 0;

export class PreparedQuery<P extends Record<string, unknown>, O> {
  private readonly byAdapter = new WeakMap<object, Template>();

  constructor(
    /** Shown in error messages. */
    readonly name: string,
    private readonly params: { readonly [K in keyof P]: Param<P[K]> },
    private readonly build: (db: Kysely<DB>, p: P) => Compilable<O>,
  ) {}

  /**
   * The compiled query with `values` in place, as `build(db, values).compile()` would give it.
   * Compiles on the first call for `db`'s dialect adapter.
   */
  compile(db: Kysely<DB>, values: P): CompiledQuery<O> {
    const executor = db.getExecutor();
    if (executor.plugins.length > 0) return this.build(db, values).compile();
    let t = this.byAdapter.get(executor.adapter);
    if (!t) {
      t = this.prepare(db);
      this.byAdapter.set(executor.adapter, t);
    }
    const parameters = t.compiled.parameters.slice();
    const { slots, names } = t;
    for (let i = 0; i < slots.length; i++) {
      const v = values[names[i]];
      if (v === undefined || Array.isArray(v)) {
        throw new Error(`prepared query "${this.name}": parameter "${names[i]}" is ${v === undefined ? 'undefined' : 'an array'}; pass a single value (null for none)`);
      }
      parameters[slots[i]] = v;
    }
    return { query: t.compiled.query, queryId: t.compiled.queryId, sql: t.compiled.sql, parameters } as CompiledQuery<O>;
  }

  /** Runs the query in `db` (a Kysely or a Transaction): kysely's QueryResult. */
  execute(db: Kysely<DB>, values: P): Promise<QueryResult<O>> {
    return db.executeQuery(this.compile(db, values));
  }

  /** The rows (like `.execute()` of a select). */
  async rows(db: Kysely<DB>, values: P): Promise<O[]> {
    return (await this.execute(db, values)).rows;
  }

  /** The first row or undefined (like `.executeTakeFirst()` of a select). */
  async first(db: Kysely<DB>, values: P): Promise<O | undefined> {
    return (await this.execute(db, values)).rows[0];
  }

  /** Rows inserted, updated or deleted (like `Number(numUpdatedRows)` of `.executeTakeFirst()`). */
  async affectedRows(db: Kysely<DB>, values: P): Promise<number> {
    return Number((await this.execute(db, values)).numAffectedRows ?? 0n);
  }

  /** Builds with sentinels, compiles, and finds each parameter's positions. Throws on a misuse. */
  private prepare(db: Kysely<DB>): Template {
    const tag = `\u0000prepared#${++compiles}.${Math.random().toString(36).slice(2)}:`;
    const sentinels: Record<string, string> = {};
    for (const name of Object.keys(this.params)) sentinels[name] = `${tag}${name}\u0000`;
    const compiled = this.build(db, sentinels as unknown as P).compile();
    const fail = (why: string): never => {
      throw new Error(`prepared query "${this.name}": ${why}\n  sql: ${compiled.sql.replaceAll(tag, ':')}`);
    };
    if (compiled.sql.includes(tag)) fail('a parameter was written into the SQL text (sql.lit/sql.raw/identifier?); use it as a value');

    const byValue = new Map(Object.entries(sentinels).map(([name, s]) => [s, name]));
    const found = new Map<string, number>();
    const slots: number[] = [];
    const names: string[] = [];
    compiled.parameters.forEach((v, i) => {
      if (typeof v !== 'string' || !v.includes(tag)) return;
      const name = byValue.get(v);
      if (name === undefined) fail(`parameter ${JSON.stringify(v.replaceAll(tag, ':'))} was combined into another value; compute it outside and pass it as a parameter of its own`);
      slots.push(i);
      names.push(name!);
      found.set(name!, (found.get(name!) ?? 0) + 1);
    });
    for (const [name, spec] of Object.entries(this.params) as [string, Param<unknown>][]) {
      const n = found.get(name) ?? 0;
      if (n !== spec.uses) {
        fail(
          n === 0
            ? `parameter "${name}" does not appear among the query's parameters (used in a JS condition, 'is' null, or converted?)`
            : `parameter "${name}" appears ${n} times, expected ${spec.uses} (declare param<T>(${n}) if that is meant)`,
        );
      }
    }
    return { compiled, slots, names };
  }
}

/**
 * A query built once and run with other values. `params` names the values and their types
 * (`{ id: param<number>() }`); `build` builds the query from them (see the rules above).
 *
 *     const memberByOpenId = prepare('member by open_id', { openId: param<string>() }, (db, p) =>
 *       db.selectFrom('members').selectAll().where('open_id', '=', p.openId));
 *     const row = await memberByOpenId.first(db, { openId });
 */
export function prepare<S extends Record<string, Param<any>>, O>(
  name: string,
  params: S,
  build: (db: Kysely<DB>, p: ParamValues<S>) => Compilable<O>,
): PreparedQuery<ParamValues<S>, O> {
  return new PreparedQuery<ParamValues<S>, O>(name, params as any, build);
}

/**
 * A constant LIMIT written into the SQL text: `.limit(fixedLimit(1))` gives `limit 1`, where
 * `.limit(1)` gives `limit ?` with 1 bound. With SQLite (3.53, through better-sqlite3 12) a bound
 * LIMIT costs about a compile of the statement on every run: `select * from incidents where
 * source_id = ? and group_key = ? order by number desc limit ?` took 15–30 µs a run on this
 * project's 2-core machine, the same with `limit 1` 1–6 µs (a bound `offset ?` costs nothing extra).
 * SQLite looks at a bound LIMIT's value when it plans, so a new binding sends it back to the planner.
 * Limits that vary (page sizes) stay bound: a literal would make a statement per value.
 */
export function fixedLimit(n: number): RawBuilder<number> {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`fixedLimit(): a limit is a non-negative integer (got ${n})`);
  return sql.lit(n);
}
