// The closing card of a war room, built from the incident's timeline entries: whatever kinds of
// entry Hark writes (teammates keep adding escalations, buzzes, notes), each lands in one of the
// card's sections by its kind, so nothing new needs a change here to show up.
import type { SummaryEntry, WarRoomSummaryView } from '../render/index.ts';
import { parseSeverity } from '../incident/severity.ts';

export interface TimelineLike {
  at: number;
  kind: string;
  actor_name: string | null;
  message: string;
}

export interface IncidentLike {
  number: number;
  title: string;
  severity: string;
  created_at: number;
  resolved_at: number | null;
  resolved_by_name: string | null;
  acked_by_name: string | null;
  acked_at: number | null;
}

/** Escalations, pages and Lark's urgent "buzz" notices. */
const ESCALATION = /escalat|page|urgent|buzz/i;
const NOTE = /note/i;
/** Delivery notes that are buzzes (urgent notices) count as escalations; other delivery notes are noise here. */
const BUZZ_TEXT = /buzz|urgent|加急/i;
/** Not part of "what happened": per-alert churn, deliveries and the room's own housekeeping. */
const QUIET = new Set(['alerts', 'delivery', 'war_room']);

export function summaryView(inc: IncidentLike, entries: readonly TimelineLike[], webUrl: string, now: number): WarRoomSummaryView {
  const escalations: SummaryEntry[] = [];
  const notes: SummaryEntry[] = [];
  const events: SummaryEntry[] = [];
  for (const e of entries) {
    const item = { at: e.at, who: e.actor_name && e.actor_name !== 'Hark' ? e.actor_name : null, text: e.message };
    if (e.kind === 'delivery') {
      if (BUZZ_TEXT.test(e.message)) escalations.push(item);
    } else if (NOTE.test(e.kind)) notes.push(item);
    else if (ESCALATION.test(e.kind)) escalations.push(item);
    else if (!QUIET.has(e.kind)) events.push(item);
  }
  return {
    number: inc.number,
    title: inc.title,
    severity: parseSeverity(inc.severity) ?? 'warning',
    startedAt: inc.created_at,
    resolvedAt: inc.resolved_at ?? now,
    resolvedBy: inc.resolved_by_name,
    ackedBy: inc.acked_by_name,
    ackedAt: inc.acked_at,
    escalations,
    notes,
    events,
    webUrl,
  };
}
