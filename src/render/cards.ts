// One function per card: build the template context from trusted and untrusted data, render the
// template, and step down the text/list limits (context.ts LEVELS) until the card passes
// validateCard (≤ 30 KB, ≤ 200 components). The incident card, sent as one copy per group and
// person and rendered again for every click's answer, is kept in a cache (card-cache.ts).
import path from 'node:path';
import { DateTime } from 'luxon';
import type { ClockCall } from './card-cache.ts';
import { baseContext, clockTextStill, incidentContext, LEVELS, safeMd, safePlain, type Limits } from './context.ts';
import { safeUrl } from './escape.ts';
import { cardButtonValue, type CardButtonValue } from './button-value.ts';
import { defaultTemplates, TemplateError, type CardTemplates } from './templates.ts';
import type { Card, IncidentView, RenderOptions } from './types.ts';
import { fitsByTally, validateCard } from './validate.ts';

type Build = (lim: Limits) => Record<string, unknown>;

function fit(templates: CardTemplates, name: string, opts: RenderOptions, build: Build, calls?: ClockCall[]): Card {
  let errors: string[] = [];
  for (const lim of LEVELS) {
    const { card, tally } = templates.renderTallied(name, { ...baseContext(opts, calls), ...build(lim) });
    if (fitsByTally(card, tally)) return card;
    const check = validateCard(card);
    if (check.ok) return card;
    errors = check.errors;
    const tooBig = check.errors.every((e) => e.startsWith('card is ') || e.startsWith('card has '));
    if (!tooBig) break; // a structural mistake in the template; smaller texts will not fix it
  }
  const file = `${path.basename(path.resolve(templates.dir))}/${name}.json`;
  throw new TemplateError(file, '$', `rendered card is not a valid Lark card: ${errors.join('; ')}`);
}

/**
 * Renders template `name`. With `data` (plain JSON data: everything `build` reads), the card is
 * looked up in, and kept in, the templates' cache under (template, every option but `now`, data);
 * a cached card is reused only while each "ago"/"until" text it shows reads the same at `now`.
 * A cached card is frozen: callers share it and must not change it.
 */
export function renderFitted(name: string, opts: RenderOptions, build: Build, data?: unknown): Card {
  const templates = opts.templates ?? defaultTemplates();
  if (data === undefined || !templates.cacheable(name)) return fit(templates, name, opts, build);
  const { now: given, templates: _templates, ...rest } = opts;
  const options = Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const key = JSON.stringify([name, options, data]);
  const now = given ?? Date.now();
  const cached = templates.cache.get(key, (call) => clockTextStill(call, now));
  if (cached) return cached;
  const calls: ClockCall[] = [];
  return templates.cache.set(key, fit(templates, name, { ...opts, now }, build, calls), calls);
}

/** The live card of one incident; its look and buttons follow the incident's state. */
export function renderIncidentCard(view: IncidentView, opts: RenderOptions = {}): Card {
  return renderFitted('incident', opts, (lim) => ({ incident: incidentContext(view, lim, opts.timeZone) }), view);
}

/** The `help` card: the command table in both languages. */
export function renderHelpCard(opts: RenderOptions = {}): Card {
  return renderFitted('help', opts, () => ({}));
}

/**
 * Open incidents: `scope` 'group' (this group's subscriptions) or 'mine' (a DM). `total` counts
 * every open one when `items` holds only the newest (default: items.length).
 */
export function renderIncidentListCard(
  items: IncidentView[],
  opts: RenderOptions & { scope: 'group' | 'mine'; total?: number },
): Card {
  const total = Math.max(opts.total ?? items.length, items.length);
  return renderFitted('incident-list', opts, (lim) => {
    const shown = items.slice(0, lim.items);
    const itemLimits = { ...lim, labels: 0, description: 0, links: 0, title: Math.min(lim.title, 100) };
    return {
      scope: opts.scope === 'mine' ? 'mine' : 'group',
      total,
      more: total - shown.length,
      items: shown.map((v) => incidentContext(v, itemLimits)),
    };
  });
}

/** Link-your-account card: a button opening the web app, which runs the Lark login. */
export function renderLinkCard(
  p: { linkUrl: string; pendingAction?: string | null },
  opts: RenderOptions = {},
): Card {
  return renderFitted('link', opts, (lim) => ({
    linkUrl: safeUrl(p.linkUrl),
    pendingAction: p.pendingAction ? safeMd(p.pendingAction, lim.text) : null,
  }));
}

/** Posted when the bot is added to a group: how to subscribe it to sources. */
export function renderWelcomeCard(p: { chatName: string; sources: string[] }, opts: RenderOptions = {}): Card {
  return renderFitted('welcome', opts, (lim) => {
    const sources = (p.sources ?? []).slice(0, lim.items * 2);
    return {
      chatName: safeMd(p.chatName, lim.text),
      plainChatName: safePlain(p.chatName, lim.text),
      sources: sources.map((s) => safeMd(s, lim.text)),
      sourcesLine: sources.map((s) => safeMd(s, lim.text)).join(' · '),
      moreSources: (p.sources ?? []).length - sources.length,
      exampleSource: sources.length ? safeMd(sources[0], lim.text) : 'prometheus',
    };
  });
}

/** A group's subscriptions, optionally confirming a change (`changed`, e.g. "subscribed to db"). */
export function renderSubscriptionCard(
  p: {
    chatName: string;
    subscriptions: { source: string; minSeverity: string; labels: Record<string, string> }[];
    changed?: string;
  },
  opts: RenderOptions = {},
): Card {
  return renderFitted('subscription', opts, (lim) => {
    const subs = (p.subscriptions ?? []).slice(0, lim.items * 2);
    return {
      chatName: safeMd(p.chatName, lim.text),
      plainChatName: safePlain(p.chatName, lim.text),
      changed: p.changed ? safeMd(p.changed, lim.text * 2) : null,
      subscriptions: subs.map((s) => {
        const labels = Object.entries(s.labels ?? {}).slice(0, Math.max(lim.labels, 2));
        return {
          source: safeMd(s.source, lim.text),
          minSeverity: ['critical', 'warning', 'info'].includes(s.minSeverity) ? s.minSeverity : 'info',
          labelsLine: labels.map(([k, v]) => `${safeMd(k, lim.labelKey)}=${safeMd(v, lim.labelValue)}`).join(' · '),
        };
      }),
      more: (p.subscriptions ?? []).length - subs.length,
    };
  });
}

/** Storm summary, updated in place: "N more incidents in the last minute for source X, M waiting". */
export function renderStormCard(
  p: {
    source: string; chatName: string; collapsed: number; waiting: number; bySeverity: Record<string, number>; since: number;
    ended?: boolean; stillOpen?: { number: number; title: string }[];
  },
  opts: RenderOptions = {},
): Card {
  return renderFitted('storm', opts, (lim) => {
    const count = (k: string) => (Number.isFinite(p.bySeverity?.[k]) ? Math.max(0, Math.trunc(p.bySeverity[k])) : 0);
    return {
      source: safeMd(p.source, lim.text),
      plainSource: safePlain(p.source, lim.text),
      chatName: safeMd(p.chatName, lim.text),
      collapsed: Math.max(0, Math.trunc(p.collapsed || 0)),
      waiting: Math.max(0, Math.trunc(p.waiting || 0)),
      bySeverity: { critical: count('critical'), warning: count('warning'), info: count('info') },
      since: Number.isFinite(p.since) ? p.since : null,
      ended: p.ended === true,
      stillOpen: (p.stillOpen ?? []).length,
      stillOpenLines: [
        ...(p.stillOpen ?? []).slice(0, lim.items).map((i) => `#${Math.trunc(i.number)} ${safeMd(i.title, lim.text)}`),
        ...((p.stillOpen ?? []).length > lim.items ? [`… (+${(p.stillOpen ?? []).length - lim.items})`] : []),
      ].join('\n'),
    };
  });
}

/** One schedule on the `oncall` card: who is on call now, until when (ms), and who is next. */
export interface OncallCardSchedule {
  name: string;
  timeZone: string;
  members: string[];
  until: number | null;
  next: string[];
}

/**
 * Who is on call now, per schedule, each with a Take over button. `tookOver` confirms a press;
 * `empty` is what to say when there is no schedule to show ('none': none exists, 'group': none
 * behind this group's subscriptions).
 */
export function renderOncallCard(
  p: { schedules: OncallCardSchedule[]; tookOver?: { who: string; schedule: string; until: number; timeZone: string } | null; empty?: 'none' | 'group' | 'unknown'; asked?: string },
  opts: RenderOptions = {},
): Card {
  return renderFitted('oncall', opts, (lim) => {
    const shown = p.schedules.slice(0, Math.min(lim.items, 10));
    const names = (list: string[]) => (list.length ? list.map((n) => safeMd(n, lim.text)).join(', ') : null);
    const asked = safeMd(p.asked ?? '', lim.text);
    const emptyText = {
      none: { en_us: 'No schedule yet: an admin creates one with PUT /api/v1/schedules/<name>.', zh_cn: '还没有排班：管理员可用 PUT /api/v1/schedules/<name> 创建。' },
      group: { en_us: "No schedule is behind this group's subscriptions. Ask with a name: **oncall <schedule>**.", zh_cn: '本群订阅的告警源没有关联排班。可指定名称：**值班 <排班名>**。' },
      unknown: { en_us: `No schedule named **${asked}**.`, zh_cn: `没有名为 **${asked}** 的排班。` },
    }[p.empty ?? 'none'];
    return {
      schedules: shown.map((s) => ({
        key: s.name,
        name: safeMd(s.name, lim.text),
        timeZone: safeMd(s.timeZone, 64),
        members: names(s.members),
        next: { en_us: names(s.next) ?? 'nobody', zh_cn: names(s.next) ?? '无人' },
        until: s.until === null ? null : zonedTimes(s.until, s.timeZone),
      })),
      more: p.schedules.length - shown.length,
      emptyText,
      tookOver: p.tookOver
        ? { who: safeMd(p.tookOver.who, lim.text), schedule: safeMd(p.tookOver.schedule, lim.text), until: zonedTimes(p.tookOver.until, p.tookOver.timeZone) }
        : null,
    };
  });
}

/** A handoff time on the schedule's own wall clock, in both languages: "Mon 14 Dec 09:00" / "12月14日 周一 09:00". */
export function zonedTimes(ms: number, timeZone: string): { en_us: string; zh_cn: string } {
  const t = DateTime.fromMillis(ms, { zone: timeZone });
  return { en_us: t.setLocale('en-GB').toFormat('ccc d LLL HH:mm'), zh_cn: t.setLocale('zh-CN').toFormat('M月d日 ccc HH:mm') };
}

/**
 * A handoff notice: in the schedule's groups ('chat'), privately to the person coming on
 * ('incoming') or going off ('outgoing', with their open incidents), or the daily_at card ('daily').
 */
export function renderHandoffCard(
  p: {
    schedule: string;
    timeZone: string;
    audience: 'chat' | 'incoming' | 'outgoing' | 'daily';
    members: string[];
    until: number | null;
    next: string[];
    previous: string[];
    incidents?: { number: number; title: string; url: string }[];
  },
  opts: RenderOptions = {},
): Card {
  return renderFitted('handoff', opts, (lim) => {
    const names = (list: string[]) => (list.length ? list.map((n) => safeMd(n, lim.text)).join(', ') : null);
    const incidents = (p.incidents ?? []).slice(0, lim.items);
    return {
      key: p.schedule,
      schedule: safeMd(p.schedule, lim.text),
      plainSchedule: safePlain(p.schedule, lim.text),
      plainMembers: p.members.length ? safePlain(p.members.join(', '), lim.text) : '—',
      audience: p.audience,
      members: names(p.members),
      until: p.until === null ? null : zonedTimes(p.until, p.timeZone),
      next: { en_us: names(p.next) ?? 'nobody', zh_cn: names(p.next) ?? '无人' },
      previous: p.audience === 'outgoing' ? null : names(p.previous),
      incidents: incidents.map((i) => ({ number: i.number, title: safeMd(i.title, lim.title), url: safeUrl(i.url) })),
    };
  });
}

/**
 * The private reminder to the acker when an acknowledgement's time box ends (issue 25): Extend 30 m,
 * Resolve, Hand back; without an answer by `handBackAt` Hark hands the incident back itself.
 */
export function renderAckReminderCard(p: { number: number; title: string; until: number; handBackAt: number }, opts: RenderOptions = {}): Card {
  return renderFitted('ack-reminder', opts, (lim) => ({
    number: Math.trunc(p.number),
    title: safeMd(p.title, lim.title),
    until: p.until,
    handBackAt: p.handBackAt,
  }));
}

/** The declare card's Declare button with teams: the source is the team chosen in the form (src/bot/declare.ts). */
export const DECLARE_BY_TEAM = '*team';

/**
 * Declare an incident (issue 25): a title field and one button per source to open it on; with
 * teams, a form with the title, a team picker (the person's teams first) and the severity. Asked in
 * a group that receives several sources, in a private chat, and from the bot's menu.
 */
export function renderDeclareCard(
  p: {
    sources: string[];
    teams?: Array<{ name: string; mine: boolean }>;
    title?: string | null;
    severity?: CardButtonValue['severity'];
    parent?: string | null;
  },
  opts: RenderOptions = {},
): Card {
  return renderFitted('declare', opts, (lim) => {
    const teams = (p.teams ?? []).slice(0, lim.items).map((t) => ({
      name: safePlain(t.name, 64),
      label_en: safePlain(t.mine ? `${t.name} (your team)` : t.name, 80),
      label_zh: safePlain(t.mine ? `${t.name}（你的团队）` : t.name, 80),
    }));
    return {
      title: safePlain(p.title ?? '', 200),
      severity: p.severity ?? 'critical',
      teams,
      teamInitial: teams[0]?.name ?? '',
      teamValue: cardButtonValue('declare', undefined, { source: DECLARE_BY_TEAM, parent: p.parent ?? undefined }),
      sources: p.sources.slice(0, lim.items).map((name, index) => ({
        index,
        name: safePlain(name, 64),
        value: cardButtonValue('declare', undefined, { source: name, severity: p.severity, parent: p.parent ?? undefined }),
      })),
    };
  });
}
