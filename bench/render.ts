import { sampleIncident } from '../src/preview/samples.ts';
import { CardTemplates, DEFAULT_CARDS_DIR, renderIncidentCard } from '../src/render/index.ts';
import type { Benchmark, BenchOptions, Figures } from './types.ts';

// render_card_us: one incident card rendered with json-e (a cache miss: a new incident version),
// localized and checked, as a click's answer renders it. render_card_cached_us: another copy of
// the same version (what each further group's copy costs, src/render/card-cache.ts).
// render_card_stringify_us, the baseline: JSON.stringify of the same card, which every send and
// patch does anyway. The three take turns in rounds so that a noisy machine slows them alike.

const ROUNDS = 5;
const VIEWS = 200;

/** Microseconds per call of `f`, running it for about `ms`. */
function perCall(f: (i: number) => unknown, ms: number): number {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let k = 0; k < 20; k++) f(n++);
    now = performance.now();
  }
  return ((now - start) / n) * 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export const renderBenchmark: Benchmark = {
  name: 'render',
  description: 'incident card: a json-e render, a cached copy, and JSON.stringify of the card (baseline)',
  async run(opts: BenchOptions): Promise<Figures> {
    const views = Array.from({ length: VIEWS }, (_, i) => sampleIncident({ number: i + 1 }));
    const now = Date.now();
    const fresh = new CardTemplates(DEFAULT_CARDS_DIR, { cacheSize: 0 });
    const cached = new CardTemplates(DEFAULT_CARDS_DIR);
    const cards = views.map((v) => renderIncidentCard(v, { lang: 'both', now, templates: cached }));
    const phases: Record<string, (i: number) => unknown> = {
      render: (i) => renderIncidentCard(views[i % VIEWS], { lang: 'both', now, templates: fresh }),
      cached: (i) => renderIncidentCard(views[i % VIEWS], { lang: 'both', now, templates: cached }),
      stringify: (i) => JSON.stringify(cards[i % VIEWS]),
    };
    const times: Record<string, number[]> = { render: [], cached: [], stringify: [] };
    const ms = (opts.seconds * 1000) / ROUNDS / 3;
    for (let r = 0; r < ROUNDS; r++) for (const k of Object.keys(phases)) times[k].push(perCall(phases[k], ms));
    const f = {
      render_card_us: median(times.render),
      render_card_cached_us: median(times.cached),
      render_card_stringify_us: median(times.stringify),
    };
    const x = (a: number) => `${(a / f.render_card_stringify_us).toFixed(1)}×`;
    opts.log(
      `  json-e render ${f.render_card_us.toFixed(0)} µs (${x(f.render_card_us)} a stringify), ` +
        `cached copy ${f.render_card_cached_us.toFixed(1)} µs (${x(f.render_card_cached_us)}), stringify ${f.render_card_stringify_us.toFixed(1)} µs`,
    );
    return f;
  },
};
