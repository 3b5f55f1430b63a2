import { DateTime } from 'luxon';
import { renderFitted } from './cards.ts';
import { safeMd, safePlain } from './context.ts';
import { safeUrl } from './escape.ts';
import { shortDuration } from './insights.ts';
import type { Card, RenderOptions } from './types.ts';

// The personal "your week on call" card (cards/insights-personal.json, README "Insights"), sent
// privately with a team's weekly report to everyone its incidents paged that week: their pages,
// those in their sleep hours (in their own zone), their time on call in the team's schedules, their
// median time to acknowledge and the incidents they acknowledged and resolved.

export interface PersonalWeekView {
  team: string;
  /** The person's zone: the period and the sleep hours are on its wall clock. */
  timeZone: string;
  from: number;
  to: number;
  pages: number;
  nightPages: number;
  /** Sleep hours as HH:MM, e.g. 22:00 and 08:00. */
  sleepFrom: string;
  sleepTo: string;
  onCallMs: number;
  /** Median seconds from their page to their acknowledgement; null: they acknowledged nothing. */
  ackP50S: number | null;
  acked: number;
  resolved: number;
  /** The insights page for them (absolute URL), or null. */
  webUrl: string | null;
}

/** 98 h, 95 h 59 m, 45 m; 98 小时, 95 小时 59 分. */
export function onCallText(ms: number): { en_us: string; zh_cn: string } {
  const minutes = Math.round(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return { en_us: `${m} m`, zh_cn: `${m} 分钟` };
  return { en_us: m ? `${h} h ${m} m` : `${h} h`, zh_cn: m ? `${h} 小时 ${m} 分` : `${h} 小时` };
}

export function renderPersonalWeekCard(v: PersonalWeekView, opts: RenderOptions = {}): Card {
  const day = (ms: number, locale: string, fmt: string) => DateTime.fromMillis(ms, { zone: v.timeZone }).setLocale(locale).toFormat(fmt);
  const last = v.to - 1;
  return renderFitted('insights-personal', opts, (lim) => ({
    team: safeMd(v.team, lim.text),
    plainTeam: safePlain(v.team, lim.text),
    zone: safeMd(v.timeZone, lim.text),
    period: { en_us: `${day(v.from, 'en-GB', 'd LLL')} – ${day(last, 'en-GB', 'd LLL yyyy')}`, zh_cn: `${day(v.from, 'zh-CN', 'M月d日')} – ${day(last, 'zh-CN', 'M月d日')}` },
    pages: v.pages,
    nightPages: v.nightPages,
    sleep: `${v.sleepFrom}–${v.sleepTo}`,
    onCall: onCallText(v.onCallMs),
    onCallShown: v.onCallMs > 0,
    ack: shortDuration(v.ackP50S),
    acked: v.acked,
    resolved: v.resolved,
    webUrl: v.webUrl ? safeUrl(v.webUrl) : null,
  }));
}
