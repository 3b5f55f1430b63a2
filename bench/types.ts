/** One benchmark: a name for the table and the figures it measured, keyed as in README "Benchmarks". */
export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(opts: BenchOptions): Promise<Figures>;
}

export type Figures = Record<string, number>;

export interface BenchOptions {
  /** Rough seconds each timed phase runs. */
  readonly seconds: number;
  readonly log: (line: string) => void;
}
