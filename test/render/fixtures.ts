// Shared inputs for the renderer tests: a fixed clock and zone, incidents in every state, and
// helpers that pull texts and buttons out of a rendered card.
import type { IncidentView, RenderOptions } from '../../src/render/index.ts';

export const NOW = Date.UTC(2026, 2, 1, 10, 7, 0);
export const MIN = 60_000;
export const BASE_OPTS: RenderOptions = { now: NOW, timeZone: 'UTC' };
export const LANGS = ['en_us', 'zh_cn', 'both'] as const;

export function incident(over: Partial<IncidentView> = {}): IncidentView {
  return {
    number: 42,
    title: 'Database primary down',
    status: 'triggered',
    snoozedUntil: null,
    severity: 'critical',
    source: 'prometheus',
    labels: { alertname: 'PostgresDown', instance: 'db-1:9187', job: 'postgres', team: 'storage' },
    startedAt: NOW - 5 * MIN,
    firingCount: 2,
    alertCount: 3,
    ackedBy: null,
    ackedAt: null,
    resolvedBy: null,
    resolvedAt: null,
    description: 'Primary is not accepting connections.\nFailover has not started.',
    links: [{ title: 'Runbook', url: 'https://wiki.example.com/runbooks/postgres-down' }],
    webUrl: 'http://localhost:3000/h5/incidents/42',
    nextEscalation: { level: 2, at: NOW + 5 * MIN },
    ...over,
  };
}

/** One incident per card look (state × severity where it matters). */
export const STATES: Record<string, IncidentView> = {
  'triggered-critical': incident(),
  'triggered-warning': incident({ severity: 'warning', nextEscalation: null }),
  'triggered-info': incident({ severity: 'info', links: [], description: null, labels: {} }),
  acknowledged: incident({ status: 'acknowledged', ackedBy: 'Alice Wang', ackedAt: NOW - 2 * MIN, nextEscalation: null }),
  'snoozed-triggered': incident({ snoozedUntil: NOW + 25 * MIN, nextEscalation: null }),
  'snoozed-acknowledged': incident({
    status: 'acknowledged',
    ackedBy: 'Alice Wang',
    ackedAt: NOW - 4 * MIN,
    snoozedUntil: NOW + 2 * 60 * MIN,
    nextEscalation: null,
  }),
  'resolved-by-person': incident({
    status: 'resolved',
    ackedBy: 'Alice Wang',
    ackedAt: NOW - 4 * MIN,
    resolvedBy: 'Bob Li',
    resolvedAt: NOW - MIN,
    firingCount: 0,
    nextEscalation: null,
  }),
  'resolved-automatically': incident({ status: 'resolved', resolvedAt: NOW - 30_000, firingCount: 0, nextEscalation: null }),
};

type Node = Record<string, unknown>;

/** Every object in the card for which `pred` holds, depth first. */
export function collect(node: unknown, pred: (n: Node) => boolean, out: Node[] = []): Node[] {
  if (Array.isArray(node)) node.forEach((v) => collect(v, pred, out));
  else if (node && typeof node === 'object') {
    if (pred(node as Node)) out.push(node as Node);
    Object.values(node).forEach((v) => collect(v, pred, out));
  }
  return out;
}

/** All texts (content and every i18n_content language) of markdown / lark_md elements. */
export function markdownTexts(card: unknown): string[] {
  return collect(card, (n) => n.tag === 'markdown' || n.tag === 'lark_md').flatMap((n) => [
    String(n.content ?? ''),
    ...Object.values((n.i18n_content as Record<string, string>) ?? {}),
  ]);
}

/** All texts of the card, whatever the element. */
export function allTexts(card: unknown): string[] {
  return collect(card, (n) => typeof n.content === 'string' || !!n.i18n_content).flatMap((n) => [
    String(n.content ?? ''),
    ...Object.values((n.i18n_content as Record<string, string>) ?? {}),
  ]);
}

/** Callback values of all buttons, in card order. */
export function callbackValues(card: unknown): unknown[] {
  return collect(card, (n) => n.tag === 'button').flatMap((b) =>
    ((b.behaviors as Node[]) ?? []).filter((x) => x.type === 'callback').map((x) => x.value),
  );
}

/** English label of each button, in card order. */
export function buttonLabels(card: unknown): string[] {
  return collect(card, (n) => n.tag === 'button').map((b) => {
    const text = b.text as Node;
    return String((text.i18n_content as Record<string, string>)?.en_us ?? text.content);
  });
}
