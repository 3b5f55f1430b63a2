// One Lark call, retried within a request for rate limits and passing faults; a refusal is final
// at once (p-retry rejects with the Lark error itself).
import pRetry, { AbortError } from 'p-retry';
import { classifyLarkError, type LarkApiError } from '../lark/client.ts';

export function retryingLark<T>(fn: () => Promise<T>, o: { retries: number; minMs: number }): Promise<T> {
  return pRetry(
    async () => {
      try {
        return await fn();
      } catch (err) {
        const e = classifyLarkError(err);
        if (e.kind === 'permanent') throw new AbortError(e);
        throw e;
      }
    },
    {
      retries: o.retries,
      minTimeout: o.minMs,
      maxTimeout: o.minMs * 8,
      onFailedAttempt: async (e) => {
        // Lark says how long to wait (x-ogw-ratelimit-reset): wait that, within reason.
        const wait = (e as unknown as LarkApiError).retryAfterMs;
        if (wait && e.retriesLeft > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 5_000)));
      },
    },
  );
}
