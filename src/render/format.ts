// Times on cards: absolute times in the configured zone ("2026-03-01 10:02 UTC") and relative
// ones in the reader's language ("5 min ago" / "5 分钟前"). Pure functions of (ms, now, zone).

export type TextLang = 'en_us' | 'zh_cn';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Returns `zone` if Intl knows it, else 'UTC' (a bad config must not break every card). */
export function checkTimeZone(zone: string | undefined): string {
  if (!zone) return 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    return 'UTC';
  }
}

// Building an Intl.DateTimeFormat costs far more than using one, and a card formats several
// times: one formatter per zone (a handful at most) keeps rendering off the click path's budget.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'shortOffset',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

// formatToParts costs microseconds, and a card shows the same few minutes again and again: the
// text depends only on the zone and the minute (zone offsets are whole minutes), so recent ones are kept.
const recentTimes = new Map<string, string>();

/** `2026-03-01 10:02 UTC`, or `… GMT+8` for other zones. */
export function formatTime(ms: number, timeZone: string): string {
  if (!Number.isFinite(ms)) return '';
  const key = `${timeZone} ${Math.floor(ms / MINUTE)}`;
  let text = recentTimes.get(key);
  if (text === undefined) {
    text = formatMinute(ms, timeZone);
    if (recentTimes.size >= 1_000) recentTimes.delete(recentTimes.keys().next().value!);
    recentTimes.set(key, text);
  }
  return text;
}

function formatMinute(ms: number, timeZone: string): string {
  const parts = formatterFor(timeZone).formatToParts(ms);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const zone = timeZone === 'UTC' ? 'UTC' : get('timeZoneName');
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${zone}`;
}

/** The wall-clock time alone, "10:02" (the day is the card's own; issue 25's "seen 10:02"). */
export function formatClock(ms: number, timeZone: string): string {
  if (!Number.isFinite(ms)) return '';
  const parts = formatterFor(timeZone).formatToParts(ms);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('hour')}:${get('minute')}`;
}

/** A span as people say it: `45 s`, `5 min`, `2 h 5 min`, `3 d` / `45 秒`, `5 分钟`, … */
export function formatSpan(ms: number, lang: TextLang): string {
  const zh = lang === 'zh_cn';
  const abs = Math.max(0, Math.abs(ms));
  if (abs < MINUTE) return zh ? `${Math.floor(abs / 1000)} 秒` : `${Math.floor(abs / 1000)} s`;
  if (abs < HOUR) {
    const m = Math.floor(abs / MINUTE);
    return zh ? `${m} 分钟` : `${m} min`;
  }
  if (abs < 2 * DAY) {
    const h = Math.floor(abs / HOUR);
    const m = Math.floor((abs % HOUR) / MINUTE);
    if (zh) return m ? `${h} 小时 ${m} 分钟` : `${h} 小时`;
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(abs / DAY);
  return zh ? `${d} 天` : `${d} d`;
}

/** `5 min ago` / `5 分钟前`; `just now` / `刚刚` under a minute. */
export function formatAgo(ms: number, now: number, lang: TextLang): string {
  const diff = now - ms;
  if (diff < MINUTE) return lang === 'zh_cn' ? '刚刚' : 'just now';
  return lang === 'zh_cn' ? `${formatSpan(diff, lang)}前` : `${formatSpan(diff, lang)} ago`;
}

/** `in 25 min` / `25 分钟后`; `now` / `即将` when already due. */
export function formatUntil(ms: number, now: number, lang: TextLang): string {
  const diff = ms - now;
  if (diff < MINUTE) return lang === 'zh_cn' ? '即将' : 'now';
  return lang === 'zh_cn' ? `${formatSpan(diff, lang)}后` : `in ${formatSpan(diff, lang)}`;
}
