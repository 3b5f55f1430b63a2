// Exactly-once handling of Lark deliveries. Lark delivers at least once and retries after 15 s,
// 5 min, 1 h and 6 h (docs/lark-notes.md §1.10, §0.10), and the SDK does no dedup, so every event is claimed
// in SharedState (Redis across replicas and restarts, memory otherwise) before it is handled, and
// its answer is stored under the same key so a redelivery answers the same without acting again.
import type { SharedState } from '../state/index.ts';

/** Longer than Lark's whole retry schedule (15 s + 5 min + 1 h + 6 h ≈ 7 h 5 min). */
export const DEDUP_TTL_MS = 8 * 3_600_000 + 15 * 60_000;
/**
 * A claim in progress expires after this, so a replica that died mid-event does not block Lark's
 * next redelivery (5 min after the first retry) for eight hours.
 */
export const CLAIM_TTL_MS = 60_000;

type Stored<T> = { s: 'pending'; owner: string } | { s: 'done'; answer: T };

export type Claim<T> =
  /**
   * This call owns the key: do the work, then finish(answer) or abandon() on failure. `unguarded`:
   * the shared state failed or did not answer in time, so nothing was claimed (see claim()).
   */
  | { readonly first: true; readonly unguarded?: boolean; finish(answer: T): Promise<void>; abandon(): Promise<void> }
  /** Someone handled it already (answer) or is still handling it (answer undefined after waiting). */
  | { readonly first: false; readonly answer: T | undefined };

export interface DedupOptions {
  ttlMs?: number;
  claimTtlMs?: number;
  /** How often a duplicate polls for the first delivery's answer. */
  pollMs?: number;
  /** Longest wait for one shared-state call (a stalled Redis must not eat a click's 3 s). */
  opTimeoutMs?: number;
}

/** A stalled Redis answers nothing; past this a click or event goes on without its claim. */
export const DEDUP_OP_TIMEOUT_MS = 500;

export class Dedup {
  private readonly ttlMs: number;
  private readonly claimTtlMs: number;
  private readonly pollMs: number;
  private readonly opTimeoutMs: number;

  constructor(
    private readonly state: SharedState,
    opts: DedupOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? DEDUP_TTL_MS;
    this.claimTtlMs = opts.claimTtlMs ?? CLAIM_TTL_MS;
    this.pollMs = opts.pollMs ?? 20;
    this.opTimeoutMs = opts.opTimeoutMs ?? DEDUP_OP_TIMEOUT_MS;
  }

  /**
   * Claims `key` (setIfAbsent first, so two concurrent deliveries cannot both win). A duplicate
   * waits up to waitMs for the first one's stored answer: a click delivered twice while the first
   * is still running then gets the same toast and card.
   *
   * When the shared state fails or does not answer within opTimeoutMs (Redis down or stalled), the
   * claim is `unguarded`: the caller goes on without de-duplication rather than fail, and what the
   * database records (incident transitions, command outcomes) keeps a repeat harmless.
   */
  async claim<T>(key: string, waitMs: number): Promise<Claim<T>> {
    const k = `dedup:${key}`;
    const owner = Math.random().toString(36).slice(2);
    const pending: Stored<T> = { s: 'pending', owner };
    let won: boolean;
    try {
      won = await this.bounded(this.state.setIfAbsent(k, JSON.stringify(pending), this.claimTtlMs));
    } catch {
      return {
        first: true,
        unguarded: true,
        // Stored if the shared state is back by then, so a later duplicate finds the answer.
        finish: async (answer: T) => {
          await this.bounded(this.state.set(k, JSON.stringify({ s: 'done', answer } satisfies Stored<T>), this.ttlMs));
        },
        abandon: async () => undefined,
      };
    }
    if (won) {
      return {
        first: true,
        finish: (answer: T) => this.bounded(this.state.set(k, JSON.stringify({ s: 'done', answer } satisfies Stored<T>), this.ttlMs)),
        abandon: async () => {
          // Only drop our own claim; a stored answer from a takeover stays.
          const cur = parse<T>(await this.bounded(this.state.get(k)));
          if (cur?.s === 'pending' && cur.owner === owner) await this.bounded(this.state.delete(k));
        },
      };
    }
    const deadline = Date.now() + waitMs;
    for (;;) {
      const cur = parse<T>(await this.bounded(this.state.get(k)).catch(() => PENDING));
      if (cur?.s === 'done') return { first: false, answer: cur.answer };
      if (cur === null) {
        // The first delivery abandoned its claim (it failed): this one may try again.
        return this.claim<T>(key, Math.max(0, deadline - Date.now()));
      }
      if (Date.now() >= deadline) return { first: false, answer: undefined };
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }

  /** The call's result, or a rejection once opTimeoutMs has passed without one. */
  private async bounded<R>(p: Promise<R>): Promise<R> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`shared state did not answer within ${this.opTimeoutMs} ms`)), this.opTimeoutMs);
    });
    try {
      return await Promise.race([p, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** What an unreadable claim counts as while waiting: still in progress. */
const PENDING = JSON.stringify({ s: 'pending', owner: '?' });

function parse<T>(raw: string | null): Stored<T> | null {
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as Stored<T>;
  } catch {
    return null;
  }
}
