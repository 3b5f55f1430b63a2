// The war room's closing card (cards/war-room-summary.json): what happened to one incident, built
// from its timeline entries by src/warroom/summary.ts. Every text from people or alerts is cut and
// escaped here, like the incident card's.
import { safeMd, safePlain } from './context.ts';
import { renderFitted } from './cards.ts';
import { safeUrl } from './escape.ts';
import { checkTimeZone, formatSpan, formatTime } from './format.ts';
import type { Card, RenderOptions, Severity } from './types.ts';

/** One line of the summary: when, who, what (as the timeline says it). */
export interface SummaryEntry {
  at: number;
  who: string | null;
  text: string;
}

export interface WarRoomSummaryView {
  number: number;
  title: string;
  severity: Severity;
  startedAt: number;
  resolvedAt: number;
  resolvedBy: string | null;
  ackedBy: string | null;
  ackedAt: number | null;
  /** Escalations, pages and buzzes. */
  escalations: SummaryEntry[];
  notes: SummaryEntry[];
  /** Everything else worth reading (state changes, the room itself). */
  events: SummaryEntry[];
  webUrl: string;
}

export function renderWarRoomSummaryCard(v: WarRoomSummaryView, opts: RenderOptions = {}): Card {
  const zone = checkTimeZone(opts.timeZone);
  const span = Math.max(0, v.resolvedAt - v.startedAt);
  return renderFitted('war-room-summary', opts, (lim) => {
    const lines = (list: SummaryEntry[], max: number, textMax: number) => {
      const shown = list.slice(-max);
      const more = list.length - shown.length;
      const out = shown.map((e) => {
        const when = formatTime(e.at, zone).slice(11, 16);
        const who = e.who ? `${safeMd(e.who, lim.text)}: ` : '';
        return `• ${when} ${who}${safeMd(e.text, textMax)}`;
      });
      if (more > 0) out.unshift(`• … (+${more})`);
      return out.join('\n');
    };
    const noteMax = Math.max(lim.text, Math.min(lim.description, 500));
    return {
      number: Math.trunc(v.number),
      plainTitle: safePlain(v.title, lim.title),
      severity: ['critical', 'warning', 'info'].includes(v.severity) ? v.severity : 'info',
      startedAt: v.startedAt,
      resolvedAt: v.resolvedAt,
      resolvedBy: v.resolvedBy ? safeMd(v.resolvedBy, lim.text) : null,
      ackedBy: v.ackedBy ? safeMd(v.ackedBy, lim.text) : null,
      ackedAt: v.ackedAt,
      duration: { en_us: formatSpan(span, 'en_us'), zh_cn: formatSpan(span, 'zh_cn') },
      escalations: v.escalations,
      escalationTotal: v.escalations.length,
      escalationLines: lines(v.escalations, lim.items, lim.text * 2),
      notes: v.notes,
      noteTotal: v.notes.length,
      noteLines: lines(v.notes, lim.items, noteMax),
      events: v.events,
      eventLines: lines(v.events, lim.items, lim.text * 2),
      webUrl: safeUrl(v.webUrl),
    };
  });
}
