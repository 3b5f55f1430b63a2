// Every sentence the bot says, in English and Chinese. Commands are answered in the language the
// person wrote in (parse.ts detectLang); card clicks carry no language, so toasts carry both and
// the Lark client shows the reader's (toast `i18n`, docs/lark-notes.md §1.8).
import { formatTime } from '../incident/incident.ts';
import { truncate } from '../render/index.ts';
import type { Stamp } from '../incident/types.ts';
import type { CardActionAnswer } from './events.ts';
import type { IncidentVerb, Lang, Problem, SilenceVerb, Verb } from './parse.ts';

export interface Text {
  readonly en: string;
  readonly zh: string;
}

export const pick = (lang: Lang, text: Text): string => (lang === 'zh' ? text.zh : text.en);

export function toast(type: 'info' | 'success' | 'error' | 'warning', text: Text): NonNullable<CardActionAnswer['toast']> {
  return { type, content: text.en, i18n: { en_us: text.en, zh_cn: text.zh } };
}

const VERB_ZH: Record<IncidentVerb, string> = { ack: '认领', unack: '取消认领', snooze: '暂缓', resolve: '关闭', reopen: '重新打开' };
const VERB_EN: Record<IncidentVerb, string> = { ack: 'acknowledge', unack: 'unacknowledge', snooze: 'snooze', resolve: 'resolve', reopen: 'reopen' };
const DONE_EN: Record<IncidentVerb, string> = {
  ack: 'acknowledged',
  unack: 'unacknowledged',
  snooze: 'snoozed',
  resolve: 'resolved',
  reopen: 'reopened',
};
const ZH_OF: Record<IncidentVerb | SilenceVerb, string> = { ...VERB_ZH, silence: '静默', unsilence: '取消静默' };
const DONE_ZH: Record<IncidentVerb, string> = { ack: '认领', unack: '取消认领', snooze: '暂缓', resolve: '关闭', reopen: '重新打开' };

const at = (s: Stamp, now: number) => formatTime(s.at, now);

export const say = {
  noSchedules: (): Text => ({ en: 'On-call schedules are not set up in this Hark.', zh: '此 Hark 未启用值班排班。' }),
  noSuchSchedule: (name: string): Text => ({ en: `There is no schedule named ${name}.`, zh: `没有名为 ${name} 的排班。` }),
  tookOver: (name: string, until: string, untilZh: string): Text => ({
    en: `You are on call for ${name} until ${until}.`,
    zh: `你已接手 ${name} 的值班，直到 ${untilZh}。`,
  }),
  pendingTakeOver: (name: string): string => `Take over ${name}`,
  alreadyOnCall: (name: string): Text => ({ en: `You are already the one on call for ${name}.`, zh: `你已经是 ${name} 的值班人。` }),
  notLinked: (): Text => ({
    en: "You haven't linked your Lark account to Hark yet — I've sent you a link.",
    zh: '你还没有把飞书账号关联到 Hark——我已私信你一个关联链接。',
  }),
  notLinkedHere: (): Text => ({
    en: "You haven't linked your Lark account to Hark yet — open the link card to link it, then try again.",
    zh: '你还没有把飞书账号关联到 Hark——请打开关联卡片完成关联后再试。',
  }),
  viewer: (): Text => ({
    en: 'You are a viewer in Hark, so you cannot change incidents; ask an admin for the responder role.',
    zh: '你在 Hark 中是观察者，不能处理事件；如需处理请联系管理员授予响应者角色。',
  }),
  notAdmin: (): Text => ({
    en: "Only Hark admins can change a group's subscriptions.",
    zh: '只有 Hark 管理员可以修改群的订阅。',
  }),
  groupOnly: (): Text => ({
    en: 'Subscriptions belong to a group: use this command in a group after @Hark.',
    zh: '订阅属于群聊：请在群里 @Hark 后使用此命令。',
  }),
  noIncident: (n: number): Text => ({ en: `There is no incident #${n}.`, zh: `没有编号为 #${n} 的事件。` }),
  needIncident: (verb: IncidentVerb | SilenceVerb): Text => ({
    en: `Which incident? Type e.g. "${verb} 42", or reply to an incident card with "${verb}".`,
    zh: `请指明事件编号，例如"${ZH_OF[verb]} 42"，或回复事件卡片"${ZH_OF[verb]}"。`,
  }),
  notThisCard: (): Text => ({
    en: 'This button does not belong to this card, so Hark did nothing.',
    zh: '这个按钮不属于这张卡片，Hark 未执行任何操作。',
  }),
  unknownButton: (): Text => ({
    en: 'Hark did not recognise this button; it may be from an older card.',
    zh: 'Hark 无法识别这个按钮，它可能来自旧卡片。',
  }),
  busy: (): Text => ({
    en: 'Hark is still working on this click; the card will update in a moment.',
    zh: 'Hark 正在处理这次点击，卡片稍后会更新。',
  }),
  failed: (): Text => ({
    en: 'Hark could not do that just now; please try again.',
    zh: 'Hark 暂时无法完成操作，请稍后重试。',
  }),
  sentPrivately: (what: 'help' | 'link' | 'list'): Text =>
    what === 'help'
      ? { en: "I've sent you the commands in a private chat.", zh: '我已私信你命令列表。' }
      : what === 'link'
        ? { en: "I've sent you a link to Hark in a private chat.", zh: '我已私信你 Hark 的关联链接。' }
        : { en: "I've sent you the open incidents in a private chat.", zh: '我已私信你未关闭的事件列表。' },
  postedList: (): Text => ({ en: 'Here are the open incidents of this group.', zh: '以下是本群未关闭的事件。' }),
  /** What a link card says the person was trying to do, in both languages (the card has one slot). */
  pendingAction: (verb: IncidentVerb, n: number, duration?: string): string =>
    `${VERB_EN[verb]} #${n}` +
    `${verb === 'snooze' && duration ? ` ${duration}` : ''} (${VERB_ZH[verb]} #${n}${verb === 'snooze' && duration ? ` ${duration}` : ''})`,
  done: (verb: IncidentVerb, n: number, name: string, extra = ''): Text => ({
    en: `#${n} ${DONE_EN[verb]} by ${name}${extra ? ` ${extra}` : ''}.`,
    zh: `#${n} 已由 ${name}${DONE_ZH[verb]}${extra ? `（${extra}）` : ''}。`,
  }),
  already: (verb: IncidentVerb, n: number, by: Stamp | null, now: number): Text => ({
    en: `#${n} is already ${DONE_EN[verb]}${by ? ` by ${by.name} at ${at(by, now)}` : ''}.`,
    zh: `#${n} 已经${by ? `由 ${by.name} 于 ${at(by, now)} ` : ''}${DONE_ZH[verb]}。`,
  }),
  ackUntil: (until: number, now: number): Text => ({ en: `until ${formatTime(until, now)}`, zh: `至 ${formatTime(until, now)}` }),
  snoozeFor: (duration: string, until: number, now: number): Text => ({
    en: `for ${duration}, until ${formatTime(until, now)}`,
    zh: `${duration}，至 ${formatTime(until, now)}`,
  }),
  /** A transition that makes no sense for the incident's state (HarkError 'conflict'). */
  conflict: (verb: IncidentVerb, n: number, status: string, english: string): Text => ({
    en: english.endsWith('.') ? english : `${english}.`,
    zh:
      status === 'resolved'
        ? `#${n} 已关闭，无法${VERB_ZH[verb]}${verb === 'ack' ? '；请先重新打开' : ''}。`
        : verb === 'reopen'
          ? `#${n} 尚未关闭，只有已关闭的事件才能重新打开。`
          : verb === 'unack'
            ? `#${n} 还没有人认领。`
            : `#${n} 当前无法${VERB_ZH[verb]}。`,
  }),
  invalid: (english: string): Text => ({
    en: english.endsWith('.') ? english : `${english}.`,
    zh: `无法完成：${english}`,
  }),
  unknownSource: (name: string, known: string[]): Text => ({
    en: `There is no source named "${name}"${known.length ? `; sources: ${known.join(', ')}` : '; an admin creates sources in the Hark API'}.`,
    zh: `没有名为"${name}"的告警源${known.length ? `；现有告警源：${known.join('、')}` : '；管理员可通过 Hark API 创建告警源'}。`,
  }),
  subscribed: (source: string, severity: string): Text => ({
    en: `This group now receives ${source} incidents of severity ${severity} and above.`,
    zh: `本群已订阅 ${source}，接收 ${severity} 及以上级别的事件。`,
  }),
  unsubscribed: (source: string): Text => ({
    en: `This group no longer receives ${source} incidents.`,
    zh: `本群已退订 ${source}。`,
  }),
  notSubscribed: (source: string): Text => ({
    en: `This group was not subscribed to ${source}.`,
    zh: `本群没有订阅 ${source}。`,
  }),
  whoami: (p: { name: string | null; role: string | null; openId: string }): Text =>
    p.name
      ? {
          en: `You are ${p.name}, linked to Hark as ${p.role}.`,
          zh: `你是 ${p.name}，已关联 Hark，角色：${ROLE_ZH[p.role ?? ''] ?? p.role}。`,
        }
      : {
          en: `Your Lark account (${p.openId}) is not linked to Hark yet; send "link" to link it.`,
          zh: `你的飞书账号（${p.openId}）尚未关联 Hark；发送"关联"即可关联。`,
        },
  removedFromChat: (chat: string, subs: string[], disbanded: boolean): Text => ({
    en:
      `${disbanded ? `Group "${chat}" was disbanded` : `Hark was removed from group "${chat}"`}; ` +
      (subs.length ? `these subscriptions stopped: ${subs.join(', ')}.` : 'it had no subscriptions.'),
    zh:
      `${disbanded ? `群"${chat}"已解散` : `Hark 已被移出群"${chat}"`}，` +
      (subs.length ? `以下订阅已停止：${subs.join('、')}。` : '该群没有订阅。'),
  }),
  problem: (verb: Verb, problem: Problem, detail?: string): Text => {
    // Echoed input is cut short (and, like every text, escaped by the Lark client's larkText).
    const d = truncate((detail ?? '').replace(/\s+/g, ' ').trim(), ECHO_MAX);
    switch (problem) {
      case 'bad_incident':
        return { en: `"${d}" is not an incident number; use e.g. 42 or #42.`, zh: `"${d}"不是事件编号，请使用 42 或 #42 这样的编号。` };
      case 'missing_duration':
        if (verb === 'silence') return { en: 'How long? Type e.g. "silence 42 1h" (or 4h, 24h).', zh: '请指明静默时长，例如"静默 42 1h"（或 4h、24h）。' };
        if (verb === 'maintain') return { en: 'How long? Type e.g. "maintain payments 2h".', zh: '请指明维护时长，例如"维护 payments 2h"。' };
        return { en: 'How long? Type e.g. "snooze 42 30m" (or 2h, 1d).', zh: '请指明暂缓时长，例如"暂缓 42 30m"（或 2h、1d）。' };
      case 'bad_duration':
        return { en: `"${d}" is not a duration; use e.g. 30m, 2h or 1d.`, zh: `"${d}"不是有效时长，请使用 30m、2h 或 1d 这样的格式。` };
      case 'missing_source':
        return {
          en: `Which source? Type e.g. "${verb} prometheus".`,
          zh: `请指明告警源，例如"${({ subscribe: '订阅', maintain: '维护', unmaintain: '结束维护' } as Record<string, string>)[verb] ?? '退订'} prometheus"。`,
        };
      case 'bad_severity':
        return { en: `"${d}" is not a severity; use critical, warning or info.`, zh: `"${d}"不是有效级别，请使用 critical、warning 或 info。` };
      case 'extra':
        return { en: `I did not understand "${d}"; send "help" for the commands.`, zh: `无法理解"${d}"；发送"帮助"查看命令。` };
      case 'unknown':
        return { en: 'I did not understand that; here are the commands.', zh: '没有理解你的意思，以下是可用命令。' };
    }
  },
};

/** How much of a person's input a reply repeats back. */
export const ECHO_MAX = 40;

const ROLE_ZH: Record<string, string> = { admin: '管理员', responder: '响应者', viewer: '观察者' };
