// The data and helper functions a template sees. Untrusted text arrives here already made safe:
// - top-level strings such as `incident.title` are escaped for markdown (`md()`), so a template
//   that interpolates them into a `markdown` element is safe by default;
// - `incident.plain.*` holds the same texts cleaned for `plain_text` elements (header titles,
//   button texts, descriptions), which Lark does not parse as markdown.
// Templates may also call `md(x)` on anything they compute. Every text is cut to a bounded length
// before escaping (see Limits), and lists (labels, links, incidents) to a bounded count.
import { cardButtonValue, CARD_OPS, type CardOp } from './button-value.ts';
import type { ClockCall } from './card-cache.ts';
import { md, oneLine, plain, safeUrl, truncate } from './escape.ts';
import { checkTimeZone, formatAgo, formatClock, formatTime, formatUntil, type TextLang } from './format.ts';
import type { IncidentView, Lang, RenderOptions } from './types.ts';

/** How much of each untrusted text a card keeps; renderers step down these levels until a card fits. */
export interface Limits {
  title: number;
  text: number;
  labels: number;
  labelKey: number;
  labelValue: number;
  description: number;
  links: number;
  items: number;
}

export const LEVELS: readonly Limits[] = [
  { title: 200, text: 120, labels: 12, labelKey: 40, labelValue: 100, description: 1500, links: 3, items: 20 },
  { title: 120, text: 80, labels: 6, labelKey: 30, labelValue: 60, description: 400, links: 2, items: 10 },
  { title: 60, text: 40, labels: 0, labelKey: 20, labelValue: 20, description: 0, links: 0, items: 5 },
];

/** Labels shown first when an incident has more than fit; then alphabetical. */
const KEY_LABELS = ['alertname', 'service', 'job', 'instance', 'namespace', 'cluster', 'env', 'environment', 'pod'];

function lang(l: unknown): TextLang {
  return l === 'zh_cn' ? 'zh_cn' : 'en_us';
}

/** The text `ago(ms, to)` or `until(ms, to)` gives at `now`. */
function clockText(fn: ClockCall['fn'], ms: number, now: number, to: unknown): string {
  return fn === 'ago' ? formatAgo(ms, now, lang(to)) : formatUntil(ms, now, lang(to));
}

/** True when a recorded `ago`/`until` call gives the same text at `now` (see card-cache.ts). */
export function clockTextStill(call: ClockCall, now: number): boolean {
  return clockText(call.fn, call.ms, now, call.to) === call.text;
}

/**
 * Helpers and settings common to all cards. With `calls`, every `ago`/`until` call is recorded
 * there with its text: the only way the clock reaches a card (card-cache.ts relies on it).
 */
export function baseContext(opts: RenderOptions = {}, calls?: ClockCall[]): Record<string, unknown> {
  const now = opts.now ?? Date.now();
  const timeZone = checkTimeZone(opts.timeZone);
  const l: Lang = opts.lang ?? 'both';
  const clock = (fn: ClockCall['fn']) => (ms: unknown, to: unknown) => {
    if (typeof ms !== 'number') return '';
    const text = clockText(fn, ms, now, to);
    calls?.push({ fn, ms, to: lang(to), text });
    return text;
  };
  return {
    lang: l,
    now,
    timeZone,
    md: (s: unknown) => md(s),
    time: (ms: unknown) => (typeof ms === 'number' ? formatTime(ms, timeZone) : ''),
    ago: clock('ago'),
    until: clock('until'),
    buttonValue: (op: unknown, incident: unknown, extra: unknown) => {
      if (!CARD_OPS.includes(op as CardOp)) throw new Error(`buttonValue: unknown op ${String(op)}`);
      const n = typeof incident === 'number' ? incident : undefined;
      const x = (extra && typeof extra === 'object' ? extra : {}) as { duration?: string; scope?: 'group' | 'mine'; schedule?: string; member?: number };
      return cardButtonValue(op as CardOp, n, x);
    },
  };
}

/** Cuts then escapes an untrusted one-line text for markdown. */
export function safeMd(s: unknown, max: number): string {
  return md(truncate(oneLine(String(s ?? '')), max));
}

/** Cuts then cleans an untrusted text for plain_text. */
export function safePlain(s: unknown, max: number, multiline = false): string {
  return plain(truncate(String(s ?? ''), max), { multiline });
}

function orderLabels(labels: Record<string, string>): [string, string][] {
  const entries = Object.entries(labels ?? {}).filter(([k, v]) => k !== '' && v !== undefined && v !== null && v !== '');
  const rank = (k: string) => {
    const i = KEY_LABELS.indexOf(k);
    return i === -1 ? KEY_LABELS.length : i;
  };
  return entries.sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Display state: `snoozed` overlays triggered/acknowledged while `snoozedUntil` is set. */
export function incidentState(v: IncidentView): 'triggered' | 'acknowledged' | 'snoozed' | 'resolved' {
  if (v.status === 'resolved') return 'resolved';
  if (v.snoozedUntil !== null && v.snoozedUntil !== undefined) return 'snoozed';
  return v.status;
}

function num(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}

function time(n: unknown): number | null {
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/** "Carol (added by Bob), Dave (added by Alice)" in both languages, escaped. */
function respondersText(list: { name: string; by: string }[], max: number): { en_us: string; zh_cn: string } {
  const shown = list.slice(-max).map((r) => ({ name: safeMd(r.name, 40), by: safeMd(r.by, 40) }));
  return {
    en_us: shown.map((r) => `${r.name} (added by ${r.by})`).join(', '),
    zh_cn: shown.map((r) => `${r.name}（由 ${r.by} 添加）`).join('、'),
  };
}

/** The `incident` object templates see. */
/** "Bob seen 10:02 · Carol not seen" (issue 25), escaped; null when nobody was paged by a level. */
function pagedText(p: IncidentView['paged'], max: number, timeZone: string): { level: number; en_us: string; zh_cn: string } | null {
  if (!p || p.people.length === 0) return null;
  const shown = p.people.slice(0, max).map((x) => ({ name: safeMd(x.name, 40), at: typeof x.seenAt === 'number' ? formatClock(x.seenAt, timeZone) : null }));
  const more = p.people.length - shown.length;
  return {
    level: Math.trunc(num(p.level)),
    en_us: shown.map((x) => `${x.name} ${x.at ? `seen ${x.at}` : 'not seen'}`).join(' · ') + (more > 0 ? ` · ${more} more` : ''),
    zh_cn: shown.map((x) => `${x.name} ${x.at ? `${x.at} 已读` : '未读'}`).join(' · ') + (more > 0 ? ` · 另 ${more} 人` : ''),
  };
}

export function incidentContext(v: IncidentView, lim: Limits, zone?: string): Record<string, unknown> {
  const labels = orderLabels(v.labels);
  const shown = labels.slice(0, lim.labels).map(([k, val]) => ({
    key: safeMd(k, lim.labelKey),
    value: safeMd(val, lim.labelValue),
  }));
  const links = (v.links ?? [])
    .map((l) => ({ title: safePlain(l.title || l.url, 60), url: safeUrl(l.url) }))
    .filter((l): l is { title: string; url: string } => l.url !== null)
    .slice(0, lim.links);
  const description = v.description && lim.description > 0 ? safePlain(v.description, lim.description, true) : null;
  return {
    number: Math.trunc(num(v.number)),
    state: incidentState(v),
    status: v.status,
    severity: ['critical', 'warning', 'info'].includes(v.severity) ? v.severity : 'info',
    title: safeMd(v.title, lim.title),
    source: safeMd(v.source, lim.text),
    ackedBy: v.ackedBy ? safeMd(v.ackedBy, lim.text) : null,
    resolvedBy: v.resolvedBy ? safeMd(v.resolvedBy, lim.text) : null,
    plain: {
      title: safePlain(v.title, lim.title),
      source: safePlain(v.source, lim.text),
      description: description || null,
    },
    labels: shown,
    labelsLine: shown.map((l) => `${l.key}=${l.value}`).join(' · '),
    labelsMore: labels.length - shown.length,
    startedAt: time(v.startedAt),
    ackedAt: time(v.ackedAt),
    ackedUntil: v.status === 'acknowledged' ? time(v.ackedUntil) : null,
    resolvedAt: time(v.resolvedAt),
    snoozedUntil: time(v.snoozedUntil),
    firingCount: num(v.firingCount),
    alertCount: num(v.alertCount),
    nextEscalation:
      v.nextEscalation && time(v.nextEscalation.at) !== null
        ? { level: Math.trunc(num(v.nextEscalation.level)), at: v.nextEscalation.at }
        : null,
    links,
    webUrl: safeUrl(v.webUrl),
    // Issue 14: added responders, the latest note (untrusted text, escaped like alert text), the picker.
    responders: (v.responders ?? []).slice(-lim.links * 2).map((r) => ({ name: safeMd(r.name, 40), by: safeMd(r.by, 40) })),
    respondersText: respondersText(v.responders ?? [], lim.links * 2),
    // Issue 25: seen or not, per person paged at the current level (only while it waits for someone).
    paged: v.status === 'triggered' ? pagedText(v.paged, lim.links * 2, checkTimeZone(zone)) : null,
    latestNote: v.latestNote
      ? { text: safeMd(v.latestNote.text, lim.text * 2), by: safeMd(v.latestNote.by, 40), at: time(v.latestNote.at) }
      : null,
    roster: (v.roster ?? []).slice(0, 10).map((m) => ({ id: Math.trunc(num(m.id)), name: safePlain(m.name, 30) })),
    warRoom: v.warRoom && safeUrl(v.warRoom.url) ? { name: safeMd(v.warRoom.name, lim.text), url: safeUrl(v.warRoom.url) } : null,
    silence: v.silence && time(v.silence.until) !== null ? { until: v.silence.until, by: safeMd(v.silence.by, lim.text) } : null,
    silenceable: v.silenceable === true,
    // Always an object (json-e does not short-circuit): known = false when the view has none.
    silenceScope: {
      known: !!v.silenceScope,
      matchers: safeMd(v.silenceScope?.matchers ?? '', 400),
      plainMatchers: safePlain(v.silenceScope?.matchers ?? '', 400),
      missing: safeMd(v.silenceScope?.missing ?? '', 200),
    },
    flapping: v.flapping ? { changes: Math.trunc(num(v.flapping.changes)), minutes: Math.trunc(num(v.flapping.minutes)) } : null,
  };
}
