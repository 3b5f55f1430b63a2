/** The store failed (Redis unreachable, timed out, closed): not "the key is taken". */
export class SharedStateError extends Error {
  override readonly name = 'SharedStateError';
}

/** TTLs reach Redis as integer PX arguments; reject nonsense before it becomes "no expiry". */
export function checkTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
  }
  return Math.ceil(ttlMs);
}
