import type { HeldBack } from './page-guard.ts';
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

/** "45 s", "10 min": a wait or a window, rounded up. */
function span(ms: number): { en: string; zh: string } {
  if (ms < 90_000) {
    const s = Math.max(1, Math.ceil(ms / 1000));
    return { en: `${s} s`, zh: `${s} 秒` };
  }
  const m = Math.ceil(ms / 60_000);
  return { en: `${m} min`, zh: `${m} 分钟` };
}

/** Why an SMS or phone call asked for by hand became an in-app buzz (issue 29). */
function heldText(h: HeldBack | null | undefined): Said {
  if (!h) return { en: '', zh: '' };
  const what = h.kind === 'phone' ? { en: 'phoned', zh: '电话加急' } : { en: 'texted', zh: '短信加急' };
  return h.why === 'no_quota'
    ? {
        en: ` Not ${what.en}: pages by hand do not spend the tenant's SMS/phone quota unless an admin sets HARK_URGENT_QUOTA; buzzed in Lark instead.`,
        zh: `未${what.zh}：未设置 HARK_URGENT_QUOTA 时，手动呼叫不使用租户的短信/电话加急额度；已改为应用内加急。`,
      }
    : {
        en: ` Not ${what.en}: the last ${h.reserve} of the tenant's ${h.quota} SMS/phone notices this month are kept for escalation policies; buzzed in Lark instead.`,
        zh: `未${what.zh}：本月租户 ${h.quota} 次短信/电话加急额度中的最后 ${h.reserve} 次留给升级策略；已改为应用内加急。`,
      };
}

function rateLimited(o: { waitMs: number; points: number; windowMs: number }): Said {
  const w = span(o.windowMs);
  const wait = span(o.waitMs);
  return {
    en: `You have paged ${o.points} times in the last ${w.en}, the most Hark allows one person; nobody was paged. Try again in ${wait.en}.`,
    zh: `你在 ${w.zh} 内已手动呼叫 ${o.points} 次，已达上限；本次未呼叫任何人。请 ${wait.zh} 后再试。`,
  };
}

export function escalateText(n: number, o: EscalateOutcome, by: string): Said {
  switch (o.kind) {
    case 'paged': {
      const held = heldText(o.held);
      return {
        en: `#${n} escalated by ${by}: level ${o.level}${o.last ? ' (the last level)' : ''} paged: ${o.reached.join(', ')}.${held.en}`,
        zh: `#${n} 已由 ${by} 升级：已呼叫第 ${o.level} 级${o.last ? '（最后一级）' : ''}：${o.reached.join('、')}。${held.zh}`,
      };
    }
    case 'too_soon': {
      const i = span(o.intervalMs);
      const wait = span(o.waitMs);
      return {
        en: `#${n} was escalated by hand less than ${i.en} ago; Hark escalates an incident by hand at most once every ${i.en}. Nobody was paged; try again in ${wait.en}.`,
        zh: `#${n} 在 ${i.zh} 内已被手动升级；每个事件每 ${i.zh} 最多手动升级一次。本次未呼叫任何人，请 ${wait.zh} 后再试。`,
      };
    }
    case 'rate_limited':
      return rateLimited(o);
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
    case 'paged': {
      const held = heldText(o.held);
      return {
        en: `${o.name} was added to #${n} by ${by} and sent the card privately${o.urgent ? `, ${URGENT_EN[o.urgent]}` : ''}.${held.en}`,
        zh: `${o.name} 已由 ${by} 添加为 #${n} 的响应人，已私信发送卡片${o.urgent ? URGENT_ZH[o.urgent] : ''}。${held.zh}`,
      };
    }
    case 'recently_paged': {
      const ago = span(o.agoMs);
      const c = span(o.cooldownMs);
      return {
        en: `${o.name} was paged for #${n} ${ago.en} ago; Hark pages a person for one incident at most once every ${c.en}. Not paged again.`,
        zh: `${o.name} 在 ${ago.zh} 前已因 #${n} 被呼叫；同一事件每 ${c.zh} 最多呼叫同一人一次。本次未再呼叫。`,
      };
    }
    case 'rate_limited':
      return rateLimited(o);
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
