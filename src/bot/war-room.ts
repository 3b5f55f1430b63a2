// `@Hark room 42` / `作战室 42` and the card's "War room" button: open (or find) the incident's war
// room. Making a Lark group can take longer than a click's 3 s or an event's ack allows, so the
// answer comes at once ("opening…") and the work runs after it: the command gets a second reply
// with the room's link, and every copy of the card shows "War room: #42 …" once it is open.
import { HarkError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ActionContext, ClickResult } from './actions.ts';
import type { CardAction } from './events.ts';
import { pick, say, toast, type Text } from './i18n.ts';
import type { InboundMessage } from './events.ts';
import { authorize, refusal } from './operate.ts';
import type { Lang } from './parse.ts';
import type { WarRoomPort } from './ports.ts';
import { stableUuid } from './uuid.ts';

const t = {
  unavailable: (): Text => ({ en: 'War rooms are not available in this Hark.', zh: '此 Hark 未启用作战室。' }),
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
};

type Check =
  | { ok: true; rooms: WarRoomPort; asker: Parameters<WarRoomPort['open']>[1]; resolved: boolean }
  | { ok: false; text: Text; tone: 'warning' | 'error' | 'info' };

/** Who may open a room (responders) and whether this incident can have one now. */
async function check(ctx: ActionContext, openId: string, number: number, via: 'card' | 'command'): Promise<Check> {
  const rooms = ctx.deps.warRooms;
  if (!rooms) return { ok: false, text: t.unavailable(), tone: 'error' };
  const auth = authorize(await ctx.deps.members.byOpenId(openId), 'change_incident');
  if (!auth.ok) return { ok: false, text: refusal(auth.why), tone: 'warning' };
  const view = await ctx.deps.incidents.view(number);
  if (!view) return { ok: false, text: say.noIncident(number), tone: 'error' };
  return { ok: true, rooms, asker: { openId, name: auth.member.name, memberId: auth.member.id, via }, resolved: view.status === 'resolved' };
}

/** Runs the opening after the answer; `done` says how it went. */
function openLater(
  ctx: ActionContext,
  log: Logger,
  c: Extract<Check, { ok: true }>,
  number: number,
  done: (text: Text, ok: boolean) => Promise<unknown>,
): void {
  ctx.bg.run(log, 'open war room', async () => {
    try {
      const room = await c.rooms.open(number, c.asker);
      log.info({ incident: number, chatId: room.chatId, created: room.created }, 'war room ready');
      await done(t.ready(room.name), true);
    } catch (err) {
      if (!(err instanceof HarkError)) throw err;
      await done(err.code === 'conflict' ? t.resolved(number) : t.failed(number, err.message), false);
    }
  });
}

export async function roomCommand(msg: InboundMessage, number: number | null, lang: Lang, log: Logger, ctx: ActionContext): Promise<string> {
  const n = number ?? (msg.parentId ? await ctx.deps.cardMessages.incidentOf(msg.parentId) : null);
  if (n === null) return pick(lang, t.needIncident());
  const c = await check(ctx, msg.senderOpenId, n, 'command');
  if (!c.ok) return pick(lang, c.text);
  const existing = await c.rooms.find(n);
  if (existing) return pick(lang, t.exists(existing.name));
  if (c.resolved) return pick(lang, t.resolved(n));
  openLater(ctx, log, c, n, (text) => ctx.deps.lark.replyText(msg.messageId, pick(lang, text), stableUuid('room', msg.messageId)));
  return pick(lang, t.opening(n));
}

export async function roomButton(ev: CardAction, number: number, log: Logger, ctx: ActionContext): Promise<ClickResult> {
  const c = await check(ctx, ev.operatorOpenId, number, 'card');
  if (!c.ok) return { answer: { toast: toast(c.tone, c.text) } };
  const existing = await c.rooms.find(number);
  if (existing) return { answer: { toast: toast('info', t.existsToast(existing.name)) } };
  if (c.resolved) return { answer: { toast: toast('warning', t.resolved(number)) } };
  // The card updates itself once the room is open; a failure is on the timeline and told to the clicker privately.
  openLater(ctx, log, c, number, async (text, ok) => {
    if (ok) return;
    await ctx.deps.lark.sendText('open_id', ev.operatorOpenId, `${text.en}\n${text.zh}`, stableUuid('room-fail', ev.eventId || `${number}`));
  });
  return { answer: { toast: toast('info', t.openingToast(number)) } };
}
