// Long computations (a schedule's shifts over two months, a calendar feed of a thousand events)
// written once as generators: each `yield` marks a point where the work may pause. runNow runs
// them straight through (small answers: who is on call now); runSliced hands the event loop back
// every few milliseconds, so a feed being computed never holds up /healthz or a card click
// (issue 29, item 9).

/** Work done a piece at a time; each `yield` is a point where the caller may let other work run. */
export type Steps<T> = Generator<void, T, void>;

/** How long runSliced works before it lets the event loop run (timers, sockets, other requests). */
export const SLICE_MS = 8;

export function runNow<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export async function runSliced<T>(steps: Steps<T>, sliceMs = SLICE_MS): Promise<T> {
  let until = performance.now() + sliceMs;
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() >= until) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      until = performance.now() + sliceMs;
    }
  }
}
