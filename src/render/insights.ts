import { DateTime } from 'luxon';
import { renderFitted } from './cards.ts';
import { safeMd, safePlain } from './context.ts';
import { safeUrl } from './escape.ts';
import type { Card, RenderOptions } from './types.ts';

// The insights report card (cards/insights-report.json, README "Insights"): the week's figures,
// two native charts (incidents per day by severity, the MTTA trend) and the noisiest alerts with
// Silence 1 w (a source Hark silences at Alertmanager) or Open.

export interface ReportCardView {
  team: string | null;
  timeZone: string;
  from: number;
  to: number;
  incidents: number;
  previousIncidents: number;
  mttaP50: number | null;
  mttaP90: number | null;
  mttrP50: number | null;
  mttrP90: number | null;
  ackedWithin5m: number | null;
  escalated: number;
  pages: { work: number; off: number; sleep: number };
  series: { day: string; by_severity: Record<string, number>; mtta_p50_s: number | null }[];
  noisiest: { title: string; source: string; count: number; auto_resolved: number; flapping: number; last_incident: number; silenceable: boolean }[];
  publicUrl: string;
}

/** 42 s, 4 m 10 s, 2 h 5 m, 1 d 3 h; "—" for none. */
export function shortDuration(s: number | null): string {
  if (s === null) return '—';
  const t = Math.round(s);
  if (t < 60) return `${t} s`;
  if (t < 3600) return `${Math.floor(t / 60)} m${t % 60 ? ` ${t % 60} s` : ''}`;
  if (t < 86_400) return `${Math.floor(t / 3600)} h${Math.floor((t % 3600) / 60) ? ` ${Math.floor((t % 3600) / 60)} m` : ''}`;
  return `${Math.floor(t / 86_400)} d${Math.floor((t % 86_400) / 3600) ? ` ${Math.floor((t % 86_400) / 3600)} h` : ''}`;
}

const SEVERITY_ORDER = ['critical', 'warning', 'info'];

/** VChart specs (the 1.12 line) for the two charts: plain JSON, no functions (Lark draws no JavaScript). */
export function reportCharts(series: ReportCardView['series']) {
  const perDay = series.flatMap((d) => SEVERITY_ORDER.map((sev) => ({ day: d.day.slice(5), severity: sev, incidents: d.by_severity[sev] ?? 0 })));
  const mtta = series.map((d) => ({ day: d.day.slice(5), minutes: d.mtta_p50_s === null ? null : Math.round((d.mtta_p50_s / 60) * 10) / 10 }));
  return {
    perDay: {
      type: 'bar', stack: true, xField: 'day', yField: 'incidents', seriesField: 'severity',
      title: { visible: true, text: 'Incidents per day · 每日事件' },
      legends: { visible: true, orient: 'bottom' },
      color: ['#f54a45', '#ff8800', '#3370ff'],
      data: { values: perDay },
    },
    mtta: {
      type: 'line', xField: 'day', yField: 'minutes',
      title: { visible: true, text: 'MTTA median, minutes · 认领时间中位数（分钟）' },
      point: { visible: true },
      data: { values: mtta },
    },
  };
}

export function renderReportCard(v: ReportCardView, opts: RenderOptions = {}): Card {
  const day = (ms: number, locale: string, fmt: string) => DateTime.fromMillis(ms, { zone: v.timeZone }).setLocale(locale).toFormat(fmt);
  const last = v.to - 1;
  const charts = reportCharts(v.series);
  const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);
  const query = v.team ? `?team=${encodeURIComponent(v.team)}` : '';
  return renderFitted('insights-report', opts, (lim) => ({
    team: v.team === null ? null : safeMd(v.team, lim.text),
    plainTeam: safePlain(v.team ?? 'Hark', lim.text),
    period: { en_us: `${day(v.from, 'en-GB', 'd LLL')} – ${day(last, 'en-GB', 'd LLL yyyy')}`, zh_cn: `${day(v.from, 'zh-CN', 'M月d日')} – ${day(last, 'zh-CN', 'M月d日')}` },
    days: Math.round((v.to - v.from) / 86_400_000),
    incidents: v.incidents,
    previousIncidents: v.previousIncidents,
    mtta: `${shortDuration(v.mttaP50)} / ${shortDuration(v.mttaP90)}`,
    mttr: `${shortDuration(v.mttrP50)} / ${shortDuration(v.mttrP90)}`,
    acked5m: pct(v.ackedWithin5m),
    escalated: v.escalated,
    pages: v.pages,
    perDayChart: charts.perDay,
    mttaChart: charts.mtta,
    noisy: v.noisiest.slice(0, 3).map((n) => ({
      title: safeMd(n.title, lim.title),
      source: safeMd(n.source, lim.text),
      count: n.count,
      auto: pct(n.auto_resolved),
      flapping: n.flapping,
      silence: n.silenceable ? { v: 1, op: 'report_silence', incident: n.last_incident, duration: '7d' } : null,
      url: safeUrl(`${v.publicUrl}/h5/incidents/${n.last_incident}`),
    })),
    webUrl: safeUrl(`${v.publicUrl}/h5/insights${query}`),
  }));
}
