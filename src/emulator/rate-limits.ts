// Frequency control as Lark applies it (docs/lark-notes.md §2.0, §6): per app × API, 50/s and 1000/min
// → HTTP 429 + 99991400 with x-ogw-ratelimit-* headers; per chat, per user and per message
// 5/s → HTTP 400 + 230020. Sliding windows, so a burst can never exceed the limit in any second.

export class SlidingWindow {
  private readonly hits = new Map<string, number[]>();

  /** Records a hit unless `limit` hits already happened within `windowMs`.
   *  Returns 0 when allowed, otherwise the ms until a slot frees up. */
  take(key: string, limit: number, windowMs: number, now: number): number {
    let arr = this.hits.get(key);
    if (!arr) {
      arr = [];
      this.hits.set(key, arr);
    }
    let drop = 0;
    while (drop < arr.length && arr[drop] <= now - windowMs) drop++;
    if (drop) arr.splice(0, drop);
    if (arr.length >= limit) return Math.max(1, arr[arr.length - limit] + windowMs - now);
    arr.push(now);
    return 0;
  }

  /** Undo the last hit (a request rejected by a later, stricter check still counts at the
   *  gateway, so this is only used when a per-second check passes but per-minute fails). */
  undo(key: string): void {
    this.hits.get(key)?.pop();
  }

  reset(): void {
    this.hits.clear();
  }
}

export interface StatsSnapshot {
  messages_created: number;
  messages_patched: number;
  card_updates: number;
  http_429: number;
  code_230020: number;
  /** epoch second → messages created (send + reply) in that second. */
  created_per_second: Record<string, number>;
  patched_per_second: Record<string, number>;
  max_created_per_second: number;
  api_calls: Record<string, number>;
}

export class Stats {
  private s: StatsSnapshot = Stats.empty();

  static empty(): StatsSnapshot {
    return {
      messages_created: 0, messages_patched: 0, card_updates: 0, http_429: 0, code_230020: 0,
      created_per_second: {}, patched_per_second: {}, max_created_per_second: 0, api_calls: {},
    };
  }

  created(now: number): void {
    this.s.messages_created++;
    const k = String(Math.floor(now / 1000));
    const n = (this.s.created_per_second[k] ?? 0) + 1;
    this.s.created_per_second[k] = n;
    if (n > this.s.max_created_per_second) this.s.max_created_per_second = n;
  }

  patched(now: number): void {
    this.s.messages_patched++;
    const k = String(Math.floor(now / 1000));
    this.s.patched_per_second[k] = (this.s.patched_per_second[k] ?? 0) + 1;
  }

  cardUpdated(): void {
    this.s.card_updates++;
  }

  limited(kind: '429' | '230020'): void {
    if (kind === '429') this.s.http_429++;
    else this.s.code_230020++;
  }

  call(api: string): void {
    this.s.api_calls[api] = (this.s.api_calls[api] ?? 0) + 1;
  }

  snapshot(): StatsSnapshot {
    return structuredClone(this.s);
  }

  reset(): void {
    this.s = Stats.empty();
  }
}
