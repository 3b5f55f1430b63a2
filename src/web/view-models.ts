import type { Alert, IncidentDetail, IncidentSummary, Incident, Link, TimelineEntry } from '../incident/types.ts';
import type { PendingAction } from '../auth/pending-actions.ts';
import type { Lang, MessageKey, Translate } from './i18n.ts';

// Domain objects → what the templates print. All text stays text here; the templates escape it.

export interface Fmt {
  t: Translate;
  lang: Lang;
  now: number;
  timeZone: string;
}

export function formatTime(ms: number, f: Fmt): string {
  return new Intl.DateTimeFormat(f.lang === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone: f.timeZone,
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(ms));
}

export function ago(ms: number, f: Fmt): string {
  const s = Math.max(0, Math.round((f.now - ms) / 1000));
  const n = s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : s < 86_400 ? `${Math.floor(s / 3600)}h` : `${Math.floor(s / 86_400)}d`;
  return f.t('time.ago', { n });
}

/** Only http(s) links become hrefs: alert text must not smuggle in javascript: or data: URLs. */
export function safeUrl(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

function safeLinks(links: readonly Link[]): Link[] {
  return links.flatMap((l) => {
    const url = safeUrl(l.url);
    return url ? [{ title: String(l.title || url), url }] : [];
  });
}

/** The state a person sees: snoozed wins over triggered/acknowledged while the snooze lasts. */
export function displayState(inc: Incident, now: number): 'triggered' | 'acknowledged' | 'resolved' | 'snoozed' {
  if (inc.status !== 'resolved' && inc.snoozedUntil !== null && inc.snoozedUntil > now) return 'snoozed';
  return inc.status;
}

export const actionLabelKey = (op: string): MessageKey =>
  (({ ack: 'action.ack', unack: 'action.unack', snooze: 'action.snooze', resolve: 'action.resolve', reopen: 'action.reopen' }) as Record<string, MessageKey>)[op] ??
  'action.ack';

function who(inc: Incident, f: Fmt): string[] {
  const out: string[] = [];
  if (inc.ackedBy && inc.status === 'acknowledged') out.push(`${f.t('inc.acked_by', { name: inc.ackedBy.name })} · ${formatTime(inc.ackedBy.at, f)}`);
  if (inc.snoozedUntil && inc.snoozedUntil > f.now) out.push(f.t('inc.snoozed_until', { time: formatTime(inc.snoozedUntil, f) }));
  if (inc.resolvedBy && inc.status === 'resolved') out.push(`${f.t('inc.resolved_by', { name: inc.resolvedBy.name })} · ${formatTime(inc.resolvedBy.at, f)}`);
  return out;
}

export function listItem(s: IncidentSummary, f: Fmt) {
  const inc = s.incident;
  const state = displayState(inc, f.now);
  return {
    number: inc.number,
    title: inc.title,
    severity: inc.severity,
    severityLabel: f.t(`severity.${inc.severity}` as MessageKey),
    state,
    stateLabel: f.t(`status.${state}` as MessageKey),
    source: s.sourceName,
    ago: ago(inc.createdAt, f),
    note: who(inc, f)[0] ?? '',
  };
}

/** Which buttons make sense in this state; the service still decides (and answers idempotently). */
export function actionsFor(inc: Incident, t: Translate) {
  const ops =
    inc.status === 'resolved' ? ['reopen'] : inc.status === 'acknowledged' ? ['resolve', 'snooze', 'unack'] : ['ack', 'resolve', 'snooze'];
  return ops.map((op, i) => ({ op, label: t(actionLabelKey(op)), primary: i === 0 }));
}

function alertView(a: Alert, f: Fmt) {
  const extra = (a.extra ?? {}) as Record<string, unknown>;
  const links = safeLinks(
    [
      ['generatorURL', 'Source'],
      ['silenceURL', 'Silence'],
      ['dashboardURL', 'Dashboard'],
      ['panelURL', 'Panel'],
    ].flatMap(([k, title]) => (typeof extra[k] === 'string' ? [{ title, url: extra[k] as string }] : [])),
  );
  return {
    title: a.title,
    severity: a.severity,
    severityLabel: f.t(`severity.${a.severity}` as MessageKey),
    firing: a.status === 'firing',
    statusLabel: a.status === 'firing' ? f.t('inc.firing') : f.t('inc.resolved_alert'),
    since: formatTime(a.startsAt, f),
    labels: { ...a.labels },
    annotations: { ...a.annotations },
    links,
  };
}

function timelineView(e: TimelineEntry, f: Fmt) {
  return { message: e.message, at: formatTime(e.at, f), via: f.t(`via.${e.via}` as MessageKey) };
}

/** The lines one change of a flapping alert writes: its alerts line, resolved by itself, reopened. */
const FLAP_LINE_KINDS = new Set(['alerts', 'auto_resolve', 'reopen']);
const isFlappingReopen = (e: TimelineEntry) => e.kind === 'reopen' && typeof e.data === 'object' && e.data !== null && 'flapping' in e.data;

/**
 * Oldest first in, newest first out: from a flapping reopen on, the consecutive lines of the
 * alert's changes are folded into one item ("Flapping: 6 changes, …"), its lines inside.
 */
export function foldedTimeline(entries: readonly TimelineEntry[], f: Fmt) {
  type Item = ReturnType<typeof timelineView> & { fold?: { summary: string; lines: ReturnType<typeof timelineView>[] } };
  const out: Item[] = [];
  for (let i = 0; i < entries.length; ) {
    let j = i;
    if (isFlappingReopen(entries[i])) while (j + 1 < entries.length && FLAP_LINE_KINDS.has(String(entries[j + 1].kind))) j++;
    if (j - i + 1 < 2) {
      out.push(timelineView(entries[i], f));
      i++;
      continue;
    }
    const run = entries.slice(i, j + 1);
    const changes = run.filter((e) => e.kind === 'reopen' || e.kind === 'auto_resolve').length;
    const last = timelineView(run[run.length - 1], f);
    const summary = f.t('inc.flap_fold', { count: changes, from: formatTime(run[0].at, f), to: formatTime(run[run.length - 1].at, f) });
    out.push({ ...last, message: summary, fold: { summary, lines: run.map((e) => timelineView(e, f)).reverse() } });
    i = j + 1;
  }
  return out.reverse();
}

export function incidentView(d: IncidentDetail, f: Fmt) {
  const inc = d.incident;
  const state = displayState(inc, f.now);
  return {
    number: inc.number,
    title: inc.title,
    description: inc.description,
    status: inc.status,
    state,
    stateLabel: f.t(`status.${state}` as MessageKey),
    severity: inc.severity,
    severityLabel: f.t(`severity.${inc.severity}` as MessageKey),
    source: d.source.name,
    opened: formatTime(inc.createdAt, f),
    who: who(inc, f),
    labels: { ...inc.labels },
    links: safeLinks(inc.links),
    alerts: d.alerts.map((a) => alertView(a, f)),
    // Newest first: on a phone the latest change is what you came for.
    // A flapping alert's change lines are folded into one item each run.
    timeline: foldedTimeline(d.timeline, f),
    actions: actionsFor(inc, f.t),
  };
}

export function pendingView(p: PendingAction, t: Translate) {
  if (p.op === 'take_over') return { id: p.id, label: t('pending.take_over', { schedule: p.schedule ?? '' }) };
  const action = t(actionLabelKey(p.op)) + (p.op === 'snooze' && p.duration ? ` ${p.duration}` : '');
  return { id: p.id, label: t('pending.finish', { action, incident: p.incident }) };
}
