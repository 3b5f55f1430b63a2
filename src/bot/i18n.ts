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
  declared: (n: number, title: string, source: string): Text => ({
    en: `#${n} declared on ${source}: ${title}. Its card goes to the groups of ${source} and its escalation pages.`,
    zh: `已在 ${source} 上发起 #${n}：${title}。事件卡片将发到订阅 ${source} 的群，并按升级策略呼叫。`,
  }),
  declareWhichSource: (team: string, sources: string[]): Text => ({
    en: `Team ${team} owns ${sources.length} sources (${sources.join(', ')}): choose the one to declare on.`,
    zh: `团队 ${team} 有 ${sources.length} 个来源（${sources.join('、')}）：请选择在哪个来源上发起。`,
  }),
  declareNoSource: (): Text => ({
    en: 'This group subscribes to no source, so Hark does not know whose incident this is. Subscribe it first: @Hark subscribe <source>.',
    zh: '本群没有订阅任何来源，Hark 不知道事件属于谁。请先订阅：@Hark 订阅 <来源>。',
  }),
  noLongerYours: (number: number): Text => ({
    en: `#${number} is no longer acknowledged by you; the incident card has the current state.`,
    zh: `#${number} 已不再由你认领；请查看事件卡片的最新状态。`,
  }),
  mayNotTakeOver: (schedule: string): Text => ({
    en: `Only the people on schedule ${schedule} (any layer) and admins may take it over; nothing changed.`,
    zh: `只有排班 ${schedule} 中的成员（任一层）和管理员可以接手；未做任何更改。`,
  }),
  whom: (number: number): Text => ({ en: `Whom? Mention the person: "page ${number} @Carol".`, zh: `请 @ 要呼叫的人，例如"呼叫 ${number} @某人"。` }),
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

/** War rooms (war-room.ts). */
export const sayWarRoom = {
  needIncident: (): Text => ({
    en: 'Which incident? Type e.g. "room 42", or reply "room" to its card.',
    zh: '请指明事件编号，例如"作战室 42"，或回复事件卡片"作战室"。',
  }),
  resolved: (n: number): Text => ({
    en: `#${n} is resolved: a war room is for an incident still being worked on. Reopen it first.`,
    zh: `#${n} 已解决：作战室用于仍在处理中的事件，请先重新打开它。`,
  }),
  // Text messages carry no links (docs/lark-notes.md §9): the cards' War room button opens the room.
  exists: (name: string): Text => ({
    en: `War room: ${name}. The incident card's "War room" button opens it.`,
    zh: `作战室：${name}。点击事件卡片上的"作战室"按钮进入。`,
  }),
  existsToast: (name: string): Text => ({
    en: `War room "${name}" is open: the card's War room button opens it.`,
    zh: `作战室"${name}"已开启：点击卡片上的"作战室"按钮进入。`,
  }),
  opening: (n: number): Text => ({
    en: `Opening a war room for #${n}…`,
    zh: `正在为 #${n} 创建作战室……`,
  }),
  openingToast: (n: number): Text => ({
    en: `Opening a war room for #${n}; the card shows its link when it is ready.`,
    zh: `正在为 #${n} 创建作战室；创建好后卡片上会显示入口。`,
  }),
  ready: (name: string): Text => ({
    en: `War room ready: ${name}. The incident card's "War room" button opens it.`,
    zh: `作战室已就绪：${name}。点击事件卡片上的"作战室"按钮进入。`,
  }),
  failed: (n: number, why: string): Text => ({ en: `No war room for #${n} yet: ${why}`, zh: `#${n} 的作战室暂未创建：${why}` }),
  // In a group that does not receive the incident: the number only, never the room's name (the title).
  sentPrivately: (n: number): Text => ({
    en: `#${n} has a war room: Hark added you and sent you the incident card privately; its "War room" button opens the room.`,
    zh: `#${n} 已有作战室：Hark 已将你加入，并私信发送了事件卡片，点击卡片上的"作战室"按钮进入。`,
  }),
  readyPrivately: (n: number): Text => ({
    en: `The war room for #${n} is ready: Hark sent you the incident card privately; its "War room" button opens the room.`,
    zh: `#${n} 的作战室已就绪：Hark 已私信发送事件卡片，点击卡片上的"作战室"按钮进入。`,
  }),
  mayNotJoin: (n: number): Text => ({
    en: `#${n}'s war room is for its responders and the groups that receive #${n}; ask one of them to add you.`,
    zh: `#${n} 的作战室仅供其响应人和接收 #${n} 的群成员加入；请让他们添加你。`,
  }),
};

/** Maintenance windows (maintenance.ts). */
export const sayMaintenance = {
  started: (source: string, until: number, now: number): Text => ({
    en: `Maintenance on ${source} until ${formatTime(until, now)}: incidents are recorded, nobody is paged. End it early with "unmaintain ${source}".`,
    zh: `${source} 进入维护，至 ${formatTime(until, now)}：事件照常记录，不呼叫任何人。提前结束请发送"结束维护 ${source}"。`,
  }),
  ended: (source: string, n: number): Text => ({
    en: `Maintenance on ${source} ended${n > 1 ? ` (${n} windows)` : ''}; what still fires is paged from now.`,
    zh: `${source} 的维护已结束${n > 1 ? `（${n} 个窗口）` : ''}；仍在告警的事件现在开始呼叫。`,
  }),
  none: (source: string): Text => ({ en: `No maintenance is in force on ${source}.`, zh: `${source} 当前没有进行中的维护。` }),
  problem: (message: string): Text => ({ en: `${message.charAt(0).toUpperCase()}${message.slice(1)}.`, zh: `无法操作：${message}。` }),
};

/** Alertmanager silences (silence.ts). */
export const saySilence = {
  silenced: (n: number, until: number, by: string, now: number, matchers: string | null): Text =>
    matchers === null
      ? { en: `#${n} silenced at Alertmanager until ${formatTime(until, now)} by ${by}.`, zh: `#${n} 已由 ${by} 在 Alertmanager 静默至 ${formatTime(until, now)}。` }
      : {
          en: `#${n} silenced at Alertmanager until ${formatTime(until, now)} by ${by}: alerts matching ${matchers}.`,
          zh: `#${n} 已由 ${by} 在 Alertmanager 静默至 ${formatTime(until, now)}：匹配 ${matchers} 的告警。`,
        },
  unsilenced: (n: number, by: string): Text => ({
    en: `#${n} unsilenced by ${by}: its alerts notify again.`,
    zh: `#${n} 已由 ${by} 取消静默，告警将恢复通知。`,
  }),
  notSilenced: (n: number): Text => ({ en: `#${n} is not silenced.`, zh: `#${n} 当前没有静默。` }),
  upstream: (english: string): Text => ({
    en: `${english.charAt(0).toUpperCase()}${english.slice(1)}. Nothing changed; try again.`,
    zh: `静默操作失败：${english}。未做任何更改，可以重试。`,
  }),
  maybe: (english: string): Text => ({
    en: `${english.charAt(0).toUpperCase()}${english.slice(1)}. Unsilence expires it.`,
    zh: `静默请求未得到 Alertmanager 确认（${english}）。静默可能已经创建：Hark 会继续核对，卡片会显示结果；取消静默可将其撤销。`,
  }),
  needDuration: (): Text => ({
    en: 'How long? Pick 1 h, 4 h or 24 h, or type a duration such as 2h30m.',
    zh: '请指明静默时长：选择 1 小时、4 小时或 24 小时，或输入如 2h30m 的时长。',
  }),
};

/** Escalate now, add a responder, notes (paging.ts): which incident, when none was named. */
export const WHICH: Record<'escalate' | 'page' | 'note', Text> = {
  escalate: { en: 'Which incident? Type e.g. "escalate 42", or reply to an incident card with "escalate".', zh: '请指明事件编号，例如"升级 42"，或回复事件卡片"升级"。' },
  page: { en: 'Which incident? Type e.g. "page 42 @Carol", or reply to an incident card with "page @Carol".', zh: '请指明事件编号，例如"呼叫 42 @某人"，或回复事件卡片"呼叫 @某人"。' },
  note: { en: 'Which incident? Type e.g. "note 42 rolled back the deploy", or reply in the card\'s thread.', zh: '请指明事件编号，例如"备注 42 已回滚"，或在事件卡片的话题中回复。' },
};
