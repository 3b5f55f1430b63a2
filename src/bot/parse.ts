// Chat command parser (README "In chat"): pure text → Command, no I/O, so every
// spelling in both languages is unit-tested. The receiver has already removed @mention
// placeholders (src/lark/normalize.ts), so "@Hark ack 42" arrives here as "ack 42".
import { parseDuration } from '../incident/duration.ts';
import type { IncidentOp, Severity } from '../incident/types.ts';

export type Lang = 'en' | 'zh';

/** The incident lifecycle's operations (incident/types.ts INCIDENT_OPS), as chat verbs. */
export type IncidentVerb = IncidentOp;
/** Issue 14: escalate now, add a responder (the person is a mention), a note. */
export type PagingVerb = 'escalate' | 'page' | 'note';
export type Verb = IncidentVerb | PagingVerb | 'declare' | 'help' | 'list' | 'subscribe' | 'unsubscribe' | 'subscriptions' | 'link' | 'whoami' | 'oncall' | 'report' | 'room' | SilenceVerb | 'maintain' | 'unmaintain';
/** Alertmanager silences (src/bot/silence.ts). */
export type SilenceVerb = 'silence' | 'unsilence';

export type Command =
  | { readonly verb: 'help' | 'list' | 'subscriptions' | 'link' | 'whoami' }
  /** incident null: no number typed (a reply to an incident card supplies it). */
  | { readonly verb: 'unack' | 'resolve' | 'reopen'; readonly incident: number | null }
  /** duration: the acknowledgement's time box as typed ("30m"); null: the policy's default (issue 25). */
  | { readonly verb: 'ack'; readonly incident: number | null; readonly duration?: string }
  /** duration as typed ("30m", normalised from "30分钟"); null when missing. */
  | { readonly verb: 'snooze' | 'silence'; readonly incident: number | null; readonly duration: string | null }
  | { readonly verb: 'unsilence'; readonly incident: number | null }
  | { readonly verb: 'subscribe'; readonly source: string; readonly severity: Severity | null }
  | { readonly verb: 'unsubscribe'; readonly source: string }
  /** schedule null: every schedule that concerns the conversation. */
  | { readonly verb: 'oncall'; readonly schedule: string | null }
  /** Insights (issue 27): team null = the chat's team (else every team); window "7d"/"30d", null = 7d. */
  | { readonly verb: 'report'; readonly team: string | null; readonly window: string | null }
  | { readonly verb: 'escalate' | 'page'; readonly incident: number | null }
  /** text as typed after the number (mentions removed); empty when missing. */
  | { readonly verb: 'note'; readonly incident: number | null; readonly text: string }
  /** Issue 25: open an incident by hand; title '' when none was typed (a card asks for it). */
  | { readonly verb: 'declare'; readonly title: string; readonly severity: Severity | null }
  /** Open (or find) the incident's war room; incident null when replying to its card. */
  | { readonly verb: 'room'; readonly incident: number | null }
  /** A maintenance window from now (issue 26): label matchers as typed ("env=prod"), duration normalised. */
  | { readonly verb: 'maintain'; readonly source: string; readonly labels: readonly string[]; readonly duration: string }
  | { readonly verb: 'unmaintain'; readonly source: string };

export type ParseResult =
  | { readonly ok: true; readonly command: Command; readonly lang: Lang }
  /** A known verb with unusable arguments: `problem` names what is wrong, for a one-sentence answer. */
  | { readonly ok: false; readonly verb: Verb; readonly problem: Problem; readonly lang: Lang; readonly detail?: string }
  /** Not a command at all (or empty): the caller answers with the help card, never silence. */
  | { readonly ok: false; readonly verb: null; readonly problem: 'unknown'; readonly lang: Lang };

export type Problem = 'unknown' | 'bad_incident' | 'missing_duration' | 'bad_duration' | 'missing_source' | 'bad_severity' | 'extra';

// Longest spelling first so "订阅列表" wins over "订阅" and "取消认领" over "认领".
const VERBS: readonly (readonly [string, Verb])[] = (
  [
    ['help', 'help'],
    ['帮助', 'help'],
    ['?', 'help'],
    ['？', 'help'],
    ['list', 'list'],
    ['ls', 'list'],
    ['列表', 'list'],
    ['ack', 'ack'],
    ['acknowledge', 'ack'],
    ['认领', 'ack'],
    ['unack', 'unack'],
    ['取消认领', 'unack'],
    ['snooze', 'snooze'],
    ['暂缓', 'snooze'],
    ['resolve', 'resolve'],
    ['关闭', 'resolve'],
    ['解决', 'resolve'],
    ['reopen', 'reopen'],
    ['重新打开', 'reopen'],
    ['subscribe', 'subscribe'],
    ['sub', 'subscribe'],
    ['订阅', 'subscribe'],
    ['unsubscribe', 'unsubscribe'],
    ['unsub', 'unsubscribe'],
    ['退订', 'unsubscribe'],
    ['取消订阅', 'unsubscribe'],
    ['subscriptions', 'subscriptions'],
    ['subs', 'subscriptions'],
    ['订阅列表', 'subscriptions'],
    ['link', 'link'],
    ['关联', 'link'],
    ['whoami', 'whoami'],
    ['silence', 'silence'],
    ['静默', 'silence'],
    ['unsilence', 'unsilence'],
    ['取消静默', 'unsilence'],
    ['我是谁', 'whoami'],
    ['oncall', 'oncall'],
    ['on-call', 'oncall'],
    ['值班', 'oncall'],
    ['谁值班', 'oncall'],
    ['escalate', 'escalate'],
    ['升级', 'escalate'],
    ['page', 'page'],
    ['呼叫', 'page'],
    ['note', 'note'],
    ['备注', 'note'],
    ['room', 'room'],
    ['report', 'report'],
    ['报告', 'report'],
    ['declare', 'declare'],
    ['发起', 'declare'],
    ['warroom', 'room'],
    ['作战室', 'room'],
    ['maintain', 'maintain'],
    ['maintenance', 'maintain'],
    ['维护', 'maintain'],
    ['unmaintain', 'unmaintain'],
    ['结束维护', 'unmaintain'],
  ] as const
)
  .slice()
  .sort((a, b) => b[0].length - a[0].length);

const SEVERITY_WORDS: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  严重: 'critical',
  warning: 'warning',
  warn: 'warning',
  警告: 'warning',
  info: 'info',
  信息: 'info',
  提示: 'info',
};

// Chinese duration units, normalised to the English letters parseDuration reads.
const ZH_UNITS: readonly (readonly [RegExp, string])[] = [
  [/(\d+)\s*(分钟|分)/g, '$1m'],
  [/(\d+)\s*(小时|个小时|时)/g, '$1h'],
  [/(\d+)\s*(天|日)/g, '$1d'],
  [/(\d+)\s*(周|星期)/g, '$1w'],
  [/(\d+)\s*(秒钟|秒)/g, '$1s'],
];

const HAS_CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/** The language a person wrote in: Chinese when the text holds any CJK character. */
export function detectLang(text: string): Lang {
  return HAS_CJK.test(text) ? 'zh' : 'en';
}

/** "42", "#42", "＃42", "INC-42" → 42; anything else → null. */
export function parseIncidentRef(token: string): number | null {
  const m = /^(?:#|＃|inc-?)?([1-9][0-9]{0,15})$/i.exec(token.trim());
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : null;
}

/** "30 分钟" → "30m", "2 hours" → "2h": units glued to their numbers, in letters parseDuration reads. */
function joinUnits(text: string): string {
  let s = text.toLowerCase();
  for (const [re, rep] of ZH_UNITS) s = s.replace(re, rep);
  return s
    .replace(/(\d+)\s*(minutes?|mins?)\b/g, '$1m')
    .replace(/(\d+)\s*(hours?|hrs?)\b/g, '$1h')
    .replace(/(\d+)\s*(days?)\b/g, '$1d')
    .replace(/(\d+)\s+([wdhms])\b/g, '$1$2');
}

/** "30m", "2h", "1h30m", "30分钟", "2小时" → the canonical "30m"/"2h"/"1h30m"; null when not a duration. */
export function normalizeDuration(token: string): string | null {
  const s = joinUnits(token.trim()).replace(/\s+/g, '');
  return parseDuration(s) === null ? null : s;
}

function splitVerb(text: string): { verb: Verb; spelled: string; rest: string } | null {
  // Tolerate a leading slash ("/ack 42") and full-width spaces.
  const t = text.replace(/\u3000/g, ' ').trim().replace(/^\//, '');
  const lower = t.toLowerCase();
  for (const [spelling, verb] of VERBS) {
    if (!lower.startsWith(spelling)) continue;
    const next = t.slice(spelling.length);
    // An English word must end at a boundary ("ack42" is fine, "acknowledged" is not "ack").
    // Chinese keywords may run straight into their argument ("认领42").
    if (/^[a-z]/i.test(spelling) && /^[a-z]/i.test(next)) continue;
    return { verb, spelled: spelling, rest: next.trim() };
  }
  return null;
}

/** Parses one chat message into a command. `text` is the message with mentions already removed. */
export function parseCommand(text: string): ParseResult {
  const lang = detectLang(text);
  const head = splitVerb(text);
  if (!head) return { ok: false, verb: null, problem: 'unknown', lang };
  const { verb, rest } = head;
  const args = rest === '' ? [] : rest.split(/[\s,，]+/).filter(Boolean);
  const fail = (problem: Problem, detail?: string): ParseResult => ({ ok: false, verb, problem, lang, detail });
  const ok = (command: Command): ParseResult => ({ ok: true, command, lang });

  switch (verb) {
    case 'help':
    case 'list':
    case 'subscriptions':
    case 'link':
    case 'whoami':
      // "list" may carry words ("list open"); ignoring them is kinder than refusing.
      return ok({ verb });

    case 'unack':
    case 'resolve':
    case 'reopen':
    case 'room':
    case 'unsilence': {
      if (args.length === 0) return ok({ verb, incident: null });
      const n = parseIncidentRef(args[0]);
      if (n === null) return fail('bad_incident', args[0]);
      if (args.length > 1) return fail('extra', args.slice(1).join(' '));
      return ok({ verb, incident: n });
    }

    case 'ack':
    case 'snooze':
    case 'silence': {
      // Either order: "snooze 42 30m", "snooze 30m 42", or "snooze 30m" replying to a card.
      // Units may be spaced or Chinese ("30 min", "30 分钟"): glue them first.
      const words = joinUnits(rest).split(/[\s,，]+/).filter(Boolean);
      let incident: number | null = null;
      let duration: string | null = null;
      const leftovers: string[] = [];
      for (const a of words) {
        const n: number | null = incident === null ? parseIncidentRef(a) : null;
        const d: string | null = n === null && duration === null ? normalizeDuration(a) : null;
        if (n !== null) incident = n;
        else if (d !== null) duration = d;
        else leftovers.push(a);
      }
      if (leftovers.length) {
        if (verb === 'ack') return incident === null ? fail('bad_incident', leftovers[0]) : fail('extra', leftovers.join(' '));
        if (duration === null) return fail('bad_duration', leftovers[0]);
        if (incident === null) return fail('bad_incident', leftovers[0]);
        return fail('extra', leftovers.join(' '));
      }
      if (verb === 'ack') return ok({ verb, incident, ...(duration === null ? {} : { duration }) });
      if (duration === null) return fail('missing_duration');
      return ok({ verb, incident, duration });
    }

    case 'subscribe': {
      if (args.length === 0) return fail('missing_source');
      let severity: Severity | null = null;
      if (args.length >= 2) {
        severity = SEVERITY_WORDS[args[1].toLowerCase()] ?? null;
        if (!severity) return fail('bad_severity', args[1]);
      }
      if (args.length > 2) return fail('extra', args.slice(2).join(' '));
      return ok({ verb, source: args[0], severity });
    }

    case 'report': {
      // "report payments 30d", "report 30d", "报告 30天": a window (days) and at most one team name.
      let team: string | null = null;
      let window: string | null = null;
      for (const a of args) {
        const days = /^(\d{1,3})(?:d|天)$/.exec(a);
        if (days && window === null) window = `${Number(days[1])}d`;
        else if (!days && team === null) team = a;
        else return fail('extra', a);
      }
      return ok({ verb, team, window });
    }

    case 'oncall':
      if (args.length > 1) return fail('extra', args.slice(1).join(' '));
      return ok({ verb, schedule: args[0] ?? null });

    case 'escalate':
    case 'page': {
      // "page 42 @Carol": the mention is removed from the text and travels beside it.
      if (args.length === 0) return ok({ verb, incident: null });
      const n = parseIncidentRef(args[0]);
      if (n === null) return fail('bad_incident', args[0]);
      // "page 42 Carol" without a real mention: the handler asks for one.
      if (args.length > 1 && verb === 'escalate') return fail('extra', args.slice(1).join(' '));
      return ok({ verb, incident: n });
    }

    case 'note': {
      // "note 42 rolled back", or "note rolled back" replying to the card.
      const first = rest.split(/\s+/)[0] ?? '';
      const n = parseIncidentRef(first);
      return ok({ verb, incident: n, text: n === null ? rest : rest.slice(first.length).trim() });
    }

    case 'declare': {
      // "declare Checkout down critical": a last word that is a severity sets it.
      const last = args.length > 1 ? SEVERITY_WORDS[args[args.length - 1].toLowerCase()] : undefined;
      const title = last ? rest.slice(0, rest.lastIndexOf(args[args.length - 1])).trim() : rest.trim();
      return ok({ verb, title, severity: last ?? null });
    }

    case 'maintain': {
      // "maintain payments env=prod 2h": the source, label matchers (they hold an operator), a duration.
      if (args.length === 0) return fail('missing_source');
      const isLabel = (w: string) => /^[a-zA-Z_][a-zA-Z0-9_.-]*(=~|!~|!=|=)/.test(w);
      const labels = args.slice(1).filter(isLabel);
      const words = joinUnits(args.slice(1).filter((w) => !isLabel(w)).join(' ')).split(/\s+/).filter(Boolean);
      if (words.length === 0) return fail('missing_duration');
      const duration = normalizeDuration(words[0]);
      if (duration === null) return fail('bad_duration', words[0]);
      if (words.length > 1) return fail('extra', words.slice(1).join(' '));
      return ok({ verb, source: args[0], labels, duration });
    }

    case 'unmaintain':
    case 'unsubscribe':
      if (args.length === 0) return fail('missing_source');
      if (args.length > 1) return fail('extra', args.slice(1).join(' '));
      return ok({ verb, source: args[0] });
  }
}
