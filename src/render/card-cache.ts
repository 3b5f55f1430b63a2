// Rendered cards kept so that the copies of one incident's card (one per group and person it went
// to, and the clicked copy's answer) share one render instead of one each.
//
// A cached card must never be wrong, so the key is everything a render reads, except the clock:
// - the template set (one cache per CardTemplates instance) and the template's name;
// - every render option but `now` (language, time zone, and whatever option is added later);
// - the whole input data as JSON (for an incident: the incident at one version, its waiting
//   escalation step, its web URL; a field added to the view joins the key by itself).
// The clock enters a card only through the context's `ago()` and `until()` ("5 min ago", "in
// 25 min"): a render records each call and its text, and a later lookup reuses the card only when
// every one of those texts is still the same at the new `now`. A template whose expressions read
// `now` or json-e's `fromNow` directly is never cached (see templates.ts `readsClock`).
import type { Card } from './types.ts';

/** One call of a clock-dependent helper during a render, and the text it gave. */
export interface ClockCall {
  fn: 'ago' | 'until';
  ms: number;
  to: 'en_us' | 'zh_cn';
  text: string;
}

interface Entry {
  card: Card;
  calls: ClockCall[];
}

/** Freezes a card all the way down: every holder of a cached card shares the one object. */
function deepFreeze<T>(node: T): T {
  if (node !== null && typeof node === 'object' && !Object.isFrozen(node)) {
    Object.freeze(node);
    for (const k of Object.keys(node)) deepFreeze((node as Record<string, unknown>)[k]);
  }
  return node;
}

/** A bounded cache of rendered cards, least recently used out first. */
export class CardCache {
  private readonly entries = new Map<string, Entry>();
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cached card for `key` if every clock text it showed is still the same (`stillSays`). */
  get(key: string, stillSays: (call: ClockCall) => boolean): Card | undefined {
    const entry = this.entries.get(key);
    if (!entry || !entry.calls.every(stillSays)) {
      this.misses++;
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry.card;
  }

  /** Keeps `card` (frozen from now on) under `key`, with the clock calls its render made. */
  set(key: string, card: Card, calls: ClockCall[]): Card {
    this.entries.delete(key);
    this.entries.set(key, { card: deepFreeze(card), calls });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return card;
  }
}
