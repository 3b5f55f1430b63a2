import type { EventHandler } from '../src/bot/events.ts';
import { startBotRig, type BotRig } from '../test/bot/helpers.ts';
import type { Benchmark, BenchOptions, Figures } from './types.ts';

// click_rtt_p50_ms / click_rtt_p99_ms: CLICKERS people press Ack / Unack on their own incident's
// card as fast as answers come back: emulator POST /__emulator/click → long connection → SDK →
// dispatcher → bot (dedup in shared state, member lookup, the transition on real SQLite with its
// outbox row, the refreshed card rendered) → callback answer. click_baseline_p50_ms: the same path
// with a handler that does nothing, in the same run; the ratio is what Hark's work costs.
// Goal (issue 5): p50 within 2× the baseline, p99 under 1 s.

const CLICKERS = 100;

// Lark's per-chat and per-app limits would make setting up 100 cards take a minute; they are not
// what this measures, so the emulator and delivery are opened wide.
const WIDE_OPEN = {
  emulator: { appPerSecond: 100_000, appPerMinute: 10_000_000, chatPerSecond: 100_000, userPerSecond: 100_000, messagePatchPerSecond: 100_000 },
  delivery: { appPerSecond: 5_000, appPerMinute: 1_000_000, chatPerSecond: 5_000, userPerSecond: 5_000, messagePerSecond: 5_000, stormPerMinute: 1_000_000 },
};

const doNothing: EventHandler = { handle: async () => undefined };

interface Setup {
  rig: BotRig;
  clickers: { openId: string; incident: number; messageId: string }[];
}

async function setUp(handler?: EventHandler): Promise<Setup> {
  const rig = await startBotRig({ ...WIDE_OPEN, handler });
  const people = await Promise.all(Array.from({ length: CLICKERS }, (_, i) => rig.person(`Clicker${i}`, 'responder')));
  const chat = await rig.group('bench-clicks', people);
  const clickers: Setup['clickers'] = [];
  for (let i = 0; i < CLICKERS; i++) {
    const incident = await rig.fire(`BenchClick${i}`);
    clickers.push({ openId: people[i], incident, messageId: '' });
  }
  for (const c of clickers) c.messageId = await rig.cardIn(chat, c.incident);
  await rig.settled();
  return { rig, clickers };
}

/** Every clicker toggles ack/unack on its own incident until the deadline; returns each round trip in ms. */
async function clickLoad(s: Setup, seconds: number): Promise<number[]> {
  const rtts: number[] = [];
  const one = async (c: Setup['clickers'][number], op: 'ack' | 'unack') => {
    const t0 = performance.now();
    const answer = await s.rig.click(c.messageId, c.openId, { v: 1, op, incident: c.incident });
    const ms = performance.now() - t0;
    if (answer && answer.toast?.type === 'error') throw new Error(`click refused: ${JSON.stringify(answer.toast)}`);
    return ms;
  };
  // Warm-up: one round each, not recorded (JIT, SQLite page cache, SDK token).
  await Promise.all(s.clickers.map(async (c) => {
    await one(c, 'ack');
    await one(c, 'unack');
  }));
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    s.clickers.map(async (c) => {
      for (let k = 0; performance.now() < deadline; k++) rtts.push(await one(c, k % 2 === 0 ? 'ack' : 'unack'));
    }),
  );
  return rtts;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))];

async function run(kind: 'bot' | 'baseline', opts: BenchOptions): Promise<number[]> {
  const s = await setUp(kind === 'baseline' ? doNothing : undefined);
  try {
    const rtts = (await clickLoad(s, opts.seconds)).sort((a, b) => a - b);
    opts.log(
      `  ${kind}: ${rtts.length} clicks by ${CLICKERS} clickers in ${opts.seconds}s; ` +
        `p50 ${pct(rtts, 0.5).toFixed(1)} ms, p99 ${pct(rtts, 0.99).toFixed(1)} ms, max ${rtts[rtts.length - 1].toFixed(1)} ms`,
    );
    return rtts;
  } finally {
    await s.rig.close();
  }
}

export const clickBenchmark: Benchmark = {
  name: 'click',
  description: `card click → callback answer, ${CLICKERS} concurrent clickers on different incidents, real SQLite`,
  async run(opts: BenchOptions): Promise<Figures> {
    const baseline = await run('baseline', opts);
    const bot = await run('bot', opts);
    const figures = {
      click_rtt_p50_ms: pct(bot, 0.5),
      click_rtt_p99_ms: pct(bot, 0.99),
      click_baseline_p50_ms: pct(baseline, 0.5),
    };
    opts.log(`  p50 ratio to baseline: ${(figures.click_rtt_p50_ms / figures.click_baseline_p50_ms).toFixed(2)}× (goal ≤ 2×); p99 goal < 1000 ms`);
    return figures;
  },
};
