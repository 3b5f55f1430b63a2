import type { Benchmark } from './types.ts';
import { clickBenchmark } from './click.ts';
import { ingestBenchmark } from './ingest.ts';
import { replicasBenchmark } from './replicas.ts';

// The suite, in run order. Adding a benchmark is one line here (delivery, click, rss come later).
export const benchmarks: Benchmark[] = [
  ingestBenchmark,
  clickBenchmark,
  replicasBenchmark,
];
