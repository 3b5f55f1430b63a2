// The scale benchmark's fill, run as a process of its own (bench/scale.ts starts it): the generated
// rows and the large statements would otherwise stay in the measured process's heap, and its RSS at
// size would count them. argv: a JSON {url, schema?, world, first, count, batch}; stdout: one line
// per progress step, then {"seconds": N}.
import { openStore } from '../src/store/db.ts';
import { appendHistory } from '../src/store/history-repo.ts';
import { historyBatch, type HistoryWorld } from './scale-history.ts';

const job = JSON.parse(process.argv[2]) as { url: string; schema?: string; world: HistoryWorld; first: number; count: number; batch: number };
const store = openStore(job.url, job.schema ? { schema: job.schema } : {});
const started = performance.now();
for (let k = 0; k < job.count; k += job.batch) {
  const n = Math.min(job.batch, job.count - k);
  await appendHistory(store.db, historyBatch(job.world, job.first + k, k, n));
  if ((k / job.batch) % 40 === 0) process.stdout.write(`${k} of ${job.count} incidents written (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
}
await store.close();
process.stdout.write(`${JSON.stringify({ seconds: (performance.now() - started) / 1000 })}\n`);
