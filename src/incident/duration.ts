import { HarkError } from '../errors.ts';

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export const MIN_SNOOZE_MS = 60_000;
export const MAX_SNOOZE_MS = 7 * 86_400_000;

/**
 * Parses "30m", "2h", "1d", "1h30m", "90s" into milliseconds, or null when it is not a duration.
 * Units must appear largest first, each once, so "30m1h" is rejected as a likely typo.
 */
export function parseDuration(text: string): number | null {
  const s = text.trim().toLowerCase();
  if (!/^(\d+[wdhms])+$/.test(s)) return null;
  let total = 0;
  let lastRank = Infinity;
  for (const [, n, unit] of s.matchAll(/(\d+)([wdhms])/g)) {
    const rank = UNIT_MS[unit];
    if (rank >= lastRank) return null;
    lastRank = rank;
    total += Number(n) * rank;
  }
  return Number.isSafeInteger(total) ? total : null;
}

/** A snooze duration: parsed and bounded to 1 minute … 7 days, with an error that says so. */
export function parseSnoozeDuration(text: unknown, what = 'snooze'): number {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new HarkError('invalid', 'duration: required, e.g. "30m", "2h", "1d" or "1h30m"');
  }
  const ms = parseDuration(text);
  if (ms === null) {
    throw new HarkError('invalid', `duration: "${text}" is not a duration; use e.g. "30m", "2h", "1d" or "1h30m"`);
  }
  if (ms < MIN_SNOOZE_MS || ms > MAX_SNOOZE_MS) {
    throw new HarkError('invalid', `duration: ${text} is out of range; ${what} for between 1m and 7d`);
  }
  return ms;
}

/** "1h30m" for 5,400,000 ms: the inverse of parseDuration, for messages. */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('') || '0s';
}
