import type { EscalateOutcome, NoteOutcome, PageOutcome } from './paging.ts';
import { NOTE_MAX } from './paging.ts';

// What escalate-now, add-a-responder and notes say, in English and Chinese: the same sentence for
// a card toast, a chat reply, the web app and the API's message.

export interface Said {
  readonly en: string;
  readonly zh: string;
}

const URGENT_EN = { app: 'buzzed in Lark', sms: 'with an urgent SMS', phone: 'with a phone call through Lark' } as const;
const URGENT_ZH = { app: '并应用内加急', sms: '并短信加急', phone: '并电话加急' } as const;

export function escalateText(n: number, o: EscalateOutcome, by: string): Said {
  switch (o.kind) {
    case 'paged':
      return {
        en: `#${n} escalated by ${by}: level ${o.level}${o.last ? ' (the last level)' : ''} paged: ${o.reached.join(', ')}.`,
        zh: `#${n} 已由 ${by} 升级：已呼叫第 ${o.level} 级${o.last ? '（最后一级）' : ''}：${o.reached.join('、')}。`,
      };
    case 'last_level':
      return {
        en: `#${n} is already at the last escalation level (level ${o.level}); there is nobody further to page. Add someone with "page ${n} @person".`,
        zh: `#${n} 已在最后一级升级（第 ${o.level} 级），没有更高的级别可以呼叫。可用"呼叫 ${n} @某人"添加响应人。`,
      };
    case 'no_policy':
      return {
        en: `#${n} has no escalation policy to follow (source ${o.source}); an admin sets one with PUT /api/v1/sources/${o.source}/escalation, or page someone with "page ${n} @person".`,
        zh: `#${n} 所属告警源 ${o.source} 没有升级策略；管理员可设置策略，或用"呼叫 ${n} @某人"添加响应人。`,
      };
    case 'resolved':
      return { en: `#${n} is resolved; reopen it before escalating.`, zh: `#${n} 已关闭，请先重新打开再升级。` };
    case 'not_found':
      return { en: `There is no incident #${n}.`, zh: `没有编号为 #${n} 的事件。` };
  }
}

export function pageText(n: number, o: PageOutcome, by: string): Said {
  switch (o.kind) {
    case 'paged':
      return {
        en: `${o.name} was added to #${n} by ${by} and sent the card privately${o.urgent ? `, ${URGENT_EN[o.urgent]}` : ''}.`,
        zh: `${o.name} 已由 ${by} 添加为 #${n} 的响应人，已私信发送卡片${o.urgent ? URGENT_ZH[o.urgent] : ''}。`,
      };
    case 'not_linked':
    case 'unknown_person':
      return {
        en: `${o.name} has not linked Hark; ask them to open it in Lark, then page them again.`,
        zh: `${o.name} 尚未关联 Hark；请让其在飞书中打开 Hark 完成关联后再呼叫。`,
      };
    case 'resolved':
      return { en: `#${n} is resolved; reopen it before adding responders.`, zh: `#${n} 已关闭，请先重新打开再添加响应人。` };
    case 'not_found':
      return { en: `There is no incident #${n}.`, zh: `没有编号为 #${n} 的事件。` };
  }
}

export function noteText(n: number, o: NoteOutcome, by: string): Said {
  switch (o.kind) {
    case 'noted':
      return { en: `Note added to #${n} by ${by}.`, zh: `已由 ${by} 为 #${n} 添加备注。` };
    case 'empty':
      return { en: `A note needs some text, e.g. "note ${n} rolled back the deploy".`, zh: `备注不能为空，例如"备注 ${n} 已回滚发布"。` };
    case 'too_long':
      return {
        en: `A note may be at most ${NOTE_MAX} characters (this one has ${o.length}); shorten it or split it in two.`,
        zh: `备注最多 ${NOTE_MAX} 个字符（当前 ${o.length} 个），请缩短或分成两条。`,
      };
    case 'not_found':
      return { en: `There is no incident #${n}.`, zh: `没有编号为 #${n} 的事件。` };
  }
}
