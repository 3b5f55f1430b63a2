// The one condition wait of the test suite (and the benchmarks' rigs): poll with a deadline, never
// a fixed sleep. A check that throws counts as not yet, and its last error is reported on timeout.

/** Polls `check` until it returns a truthy value or the deadline passes (default 10 s). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  opts: { timeout?: number; interval?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeout ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${opts.message ?? check.toString().slice(0, 120)}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.interval ?? 25));
  }
}
