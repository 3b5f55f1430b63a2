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
import type { Member } from '../incident/types.ts';
import { stableUuid } from './uuid.ts';
import { sayWarRoom as t } from './i18n.ts';

/**
 * Who may join an incident's war room (issue 29): people who may act on the incident (today any
 * linked responder or admin) and people in a chat that receives it. The teams rule goes here.
 */
export function mayJoinRoom(member: Member | null, inReceivingChat: boolean): boolean {
  return inReceivingChat || authorize(member, 'change_incident').ok;
}

type Check =
  | { ok: true; rooms: WarRoomPort; asker: Parameters<WarRoomPort['open']>[1]; resolved: boolean }
  | { ok: false; text: Text; tone: 'warning' | 'error' | 'info' };

/** Who may open a room (responders) and whether this incident can have one now. */
async function check(ctx: ActionContext, openId: string, number: number, via: 'card' | 'command'): Promise<Check> {
  const rooms = ctx.deps.warRooms;
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
  const rooms = ctx.deps.warRooms;
  // Names and links go only where the incident is already known: a private chat with the asker, or a
  // group that receives it. Anywhere else the reply says the number only and the link goes privately.
  const here = msg.chatType !== 'group' || (await ctx.deps.incidents.receivedIn(msg.chatId, n));
  const member = await ctx.deps.members.byOpenId(msg.senderOpenId);
  const existing = await rooms.find(n);
  if (existing) {
    if (!(await ctx.deps.incidents.view(n))) return pick(lang, say.noIncident(n));
    if (!mayJoinRoom(member, here && msg.chatType === 'group')) return pick(lang, t.mayNotJoin(n));
    // Asking for an existing room adds the asker to it (README "War room").
    const asker = { openId: msg.senderOpenId, name: member?.name ?? msg.senderOpenId, memberId: member?.id ?? null, via: 'command' as const };
    ctx.bg.run(log, 'join war room', async () => {
      await rooms.open(n, asker);
      if (!here) await ctx.deps.privately.incidentCard({ openId: msg.senderOpenId, name: asker.name }, n);
    });
    return pick(lang, here ? t.exists(existing.name) : t.sentPrivately(n));
  }
  const c = await check(ctx, msg.senderOpenId, n, 'command');
  if (!c.ok) return pick(lang, c.text);
  if (c.resolved) return pick(lang, t.resolved(n));
  openLater(ctx, log, c, n, async (text, ok) => {
    if (ok && !here) await ctx.deps.privately.incidentCard({ openId: msg.senderOpenId, name: c.asker.name }, n);
    // Neither a refusal nor "resolved" names the room; only the ready text does.
    const said = ok && !here ? t.readyPrivately(n) : text;
    await ctx.deps.lark.replyText(msg.messageId, pick(lang, said), stableUuid('room', msg.messageId));
  });
  return pick(lang, t.opening(n));
}

export async function roomButton(ev: CardAction, number: number, log: Logger, ctx: ActionContext): Promise<ClickResult> {
  // Pressed on the incident's own card (actions.ts checked the binding): the chat receives it, so
  // anyone there may join an existing room, and pressing adds them (README "War room").
  const rooms = ctx.deps.warRooms;
  const existing = await rooms.find(number);
  if (existing) {
    const member = await ctx.deps.members.byOpenId(ev.operatorOpenId);
    const asker = { openId: ev.operatorOpenId, name: member?.name ?? ev.operatorOpenId, memberId: member?.id ?? null, via: 'card' as const };
    ctx.bg.run(log, 'join war room', () => rooms.open(number, asker));
    return { answer: { toast: toast('info', t.existsToast(existing.name)) } };
  }
  const c = await check(ctx, ev.operatorOpenId, number, 'card');
  if (!c.ok) return { answer: { toast: toast(c.tone, c.text) } };
  if (c.resolved) return { answer: { toast: toast('warning', t.resolved(number)) } };
  // The card updates itself once the room is open; a failure is on the timeline and told to the clicker privately.
  openLater(ctx, log, c, number, async (text, ok) => {
    if (ok) return;
    await ctx.deps.lark.sendText('open_id', ev.operatorOpenId, `${text.en}\n${text.zh}`, stableUuid('room-fail', ev.eventId || `${number}`));
  });
  return { answer: { toast: toast('info', t.openingToast(number)) } };
}
