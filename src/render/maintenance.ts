// The maintenance card (cards/maintenance.json): opened when a window starts in every group that
// receives its source, counting what fired, and turned into the window's summary when it ends.
// Every text from people or alerts is cut and escaped here, like the incident card's.
import { safeMd, safePlain } from './context.ts';
import { renderFitted } from './cards.ts';
import { checkTimeZone, formatTime } from './format.ts';
import type { Card, RenderOptions } from './types.ts';

export interface MaintenanceCardView {
  source: string;
  reason: string | null;
  /** Label matchers narrowing the window, as typed ("env=prod"); empty: the whole source. */
  labels: string[];
  by: string;
  start: number;
  end: number;
  /** Set once the window ended (at its end time, or early). */
  endedAt: number | null;
  /** Who ended it early, or null. */
  endedBy: string | null;
  incidents: number;
  alerts: number;
  /** Incidents opened during the window that still fire (at the end: paged from then). */
  firing: { number: number; title: string }[];
  /** The window's own zone (a recurring window's); its times are shown there. Absent: the card's zone. */
  timeZone?: string | null;
}

export function renderMaintenanceCard(v: MaintenanceCardView, opts: RenderOptions = {}): Card {
  // A recurring window is stated on its zone's wall clock ("every Tuesday 22:00–23:30
  // Asia/Shanghai"), so its card says its times there (with the offset), whatever Hark's zone.
  const zone = checkTimeZone(v.timeZone && checkTimeZone(v.timeZone) === v.timeZone ? v.timeZone : opts.timeZone);
  const t = (ms: number) => formatTime(ms, zone);
  return renderFitted('maintenance', opts, (lim) => {
    const shown = v.firing.slice(0, lim.items);
    const more = v.firing.length - shown.length;
    const lines = shown.map((f) => `#${Math.trunc(f.number)} ${safeMd(f.title, lim.text)}`);
    if (more > 0) lines.push(`… (+${more})`);
    const source = safeMd(v.source, lim.text);
    const plainSource = safePlain(v.source, lim.text);
    const by = safeMd(v.by, lim.text);
    const plainBy = safePlain(v.by, lim.text);
    const endedBy = v.endedBy ? safeMd(v.endedBy, lim.text) : null;
    const ended = v.endedAt !== null;
    return {
      title: ended
        ? { en_us: `Maintenance ended on ${plainSource}`, zh_cn: `维护已结束：${plainSource}` }
        : { en_us: `Maintenance on ${plainSource}`, zh_cn: `维护中：${plainSource}` },
      subtitle: ended
        ? { en_us: `${t(v.start)} to ${t(v.endedAt!)} · by ${plainBy}`, zh_cn: `${t(v.start)} 至 ${t(v.endedAt!)} · ${plainBy} 发起` }
        : { en_us: `until ${t(v.end)} · by ${plainBy}`, zh_cn: `至 ${t(v.end)} · ${plainBy} 发起` },
      headline: ended
        ? {
            en_us: `Maintenance on **${source}** ended${endedBy ? ` early, by ${endedBy}` : ''}.`,
            zh_cn: `**${source}** 的维护已结束${endedBy ? `（${endedBy} 提前结束）` : ''}。`,
          }
        : {
            en_us: `Maintenance on **${source}** until **${t(v.end)}**, by ${by}. Incidents are recorded; nobody is paged.`,
            zh_cn: `**${source}** 维护中，至 **${t(v.end)}**，由 ${by} 发起。事件照常记录，不呼叫任何人。`,
          },
      countLabel: ended ? { en_us: 'During the window', zh_cn: '维护期间' } : { en_us: 'So far', zh_cn: '目前' },
      reason: v.reason ? safeMd(v.reason, lim.text * 2) : null,
      labels: v.labels.length ? v.labels.map((l) => safeMd(l, lim.text)).join(' · ') : null,
      ended,
      incidents: Math.max(0, Math.trunc(v.incidents)),
      alerts: Math.max(0, Math.trunc(v.alerts)),
      firing: v.firing.length,
      firingLines: lines.join('\n'),
    };
  });
}
