import type { Benchmark } from './types.ts';
import { clickBenchmark } from './click.ts';
import { ingestBenchmark } from './ingest.ts';
import { replicasBenchmark } from './replicas.ts';
import { deliveryBenchmark } from './delivery.ts';
import { renderBenchmark } from './render.ts';
import { pageStormBenchmark } from './paging.ts';
import { maintenanceStormBenchmark } from './maintenance.ts';
import { timerLagBenchmark } from './timers.ts';
import { scaleBenchmark } from './scale.ts';
import { configBenchmark } from './config.ts';
import { insightsBenchmark } from './insights.ts';

// The suite, in run order. Adding a benchmark is one line here (delivery, click, rss come later).
export const benchmarks: Benchmark[] = [
  ingestBenchmark,
  deliveryBenchmark,
  clickBenchmark,
  renderBenchmark,
  replicasBenchmark,
  pageStormBenchmark,
  maintenanceStormBenchmark,
  timerLagBenchmark,
  scaleBenchmark,
  configBenchmark,
  insightsBenchmark,
];
