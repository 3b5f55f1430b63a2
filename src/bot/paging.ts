// Escalate now, add a responder and notes from Lark (issue 14): `@Hark escalate 42` / `升级`,
// `@Hark page 42 @Carol` / `呼叫`, `@Hark note 42 …` / `备注`, a reply in an incident card's thread,
// and the card's "Escalate" and "Add responder" buttons. The sentences come from
// src/paging/paging-text.ts, so the API and the web app say the same.
import { escalateText, noteText, pageText } from '../paging/index.ts';
import type { Logger } from '../log.ts';
import type { CardButtonValue } from '../render/index.ts';
import { renderIncidentCard } from '../render/index.ts';
import type { ActionContext, ClickResult } from './actions.ts';
import type { CardAction, CardActionAnswer, InboundMessage } from './events.ts';
import { pick, say, toast, WHICH, type Text } from './i18n.ts';
import { authorize, refusal } from './operate.ts';
import { refusalOf, refusalText } from '../teams/access.ts';
import type { Actor } from '../incident/types.ts';
import type { Command, Lang } from './parse.ts';

type Reply = { readonly to: 'reply'; readonly kind: 'text'; readonly text: string };

/** The incident whose card this message replies to, or whose card started its thread. */
export async function threadIncident(msg: InboundMessage, ctx: ActionContext): Promise<number | null> {
  const { cardMessages } = ctx.deps;
  if (msg.parentId) {
    const n = await cardMessages.incidentOf(msg.parentId);
    if (n !== null) return n;
  }
  if (msg.rootId && msg.rootId !== msg.parentId) return cardMessages.incidentOf(msg.rootId);
  return null;
}

export async function pagingCommand(
  command: Extract<Command, { verb: 'escalate' | 'page' | 'note' }>,
  msg: InboundMessage,
  lang: Lang,
  log: Logger,
  ctx: ActionContext,
): Promise<Reply[]> {
  const text = (t: Text): Reply => ({ to: 'reply', kind: 'text', text: pick(lang, t) });
  const paging = ctx.deps.paging;
  const number = command.incident ?? (await threadIncident(msg, ctx));
  if (number === null) return [text(WHICH[command.verb])];
  const auth = authorize(await ctx.deps.members.byOpenId(msg.senderOpenId), 'change_incident');
  if (!auth.ok) {
    log.info({ why: auth.why, verb: command.verb, incident: number }, 'command refused');
    return [text(auth.why === 'unlinked' ? say.notLinkedHere() : refusal(auth.why))];
  }
  const actor = { id: auth.member.id, name: auth.member.name, via: 'command' as const, chatId: msg.chatType === 'group' ? msg.chatId : null };
  try {
    return await pagingReply(command, msg, number, actor, text, paging);
  } catch (err) {
    // Not this person's incident (issue 24): one line naming the team and who is on call for it.
    const refused = refusalOf(err);
    if (!refused) throw err;
    log.info({ verb: command.verb, incident: number, team: refused.team }, 'command refused: outside the team');
    return [text(refusalText(refused))];
  }
}

async function pagingReply(
  command: Extract<Command, { verb: 'escalate' | 'page' | 'note' }>,
  msg: InboundMessage,
  number: number,
  actor: Actor,
  text: (t: Text) => Reply,
  paging: ActionContext['deps']['paging'],
): Promise<Reply[]> {
  switch (command.verb) {
    case 'escalate':
      return [text(escalateText(number, await paging.escalate(number, actor), actor.name))];
    case 'page': {
      const target = msg.mentions?.[0];
      if (!target) {
        return [text(say.whom(number))];
      }
      return [text(pageText(number, await paging.page(number, { openId: target.openId, name: target.name }, actor), actor.name))];
    }
    case 'note':
      return [text(noteText(number, await paging.note(number, command.text, actor), actor.name))];
  }
}

/**
 * A message in an incident card's thread that is not a command: a note by its author. Answered
 * only when it @mentioned Hark; any other reply (the app holds im:message.group_msg) is noted quietly.
 */
export async function threadNote(msg: InboundMessage, number: number, lang: Lang, log: Logger, ctx: ActionContext): Promise<Reply[]> {
  const text = (t: Text): Reply[] => (msg.mentionsBot ? [{ to: 'reply', kind: 'text', text: pick(lang, t) }] : []);
  if (!msg.text.trim()) return [];
  const auth = authorize(await ctx.deps.members.byOpenId(msg.senderOpenId), 'change_incident');
  if (!auth.ok) return text(auth.why === 'unlinked' ? say.notLinkedHere() : refusal(auth.why));
  const actor = { id: auth.member.id, name: auth.member.name, via: 'command' as const, chatId: msg.chatId };
  let o: Awaited<ReturnType<ActionContext['deps']['paging']['note']>>;
  try {
    o = await ctx.deps.paging.note(number, msg.text, actor);
  } catch (err) {
    const refused = refusalOf(err);
    if (!refused) throw err;
    return text(refusalText(refused));
  }
  log.info({ incident: number, outcome: o.kind }, 'thread note');
  return text(noteText(number, o, actor.name));
}

/** The card's "Escalate" and "Add responder" buttons. */
export async function pagingClick(ev: CardAction, value: CardButtonValue, log: Logger, ctx: ActionContext): Promise<ClickResult> {
  const number = value.incident!;
  const paging = ctx.deps.paging;
  const auth = authorize(await ctx.deps.members.byOpenId(ev.operatorOpenId), 'change_incident');
  if (!auth.ok) return { answer: { toast: toast(auth.why === 'unlinked' ? 'warning' : 'error', refusal(auth.why)) } };
  const actor = { id: auth.member.id, name: auth.member.name, via: 'card' as const, chatId: ev.chatId ?? null };
  let said: Text;
  let good: boolean;
  try {
    if (value.op === 'escalate') {
      const o = await paging.escalate(number, actor);
      said = escalateText(number, o, actor.name);
      good = o.kind === 'paged';
    } else {
      const o = await paging.page(number, { memberId: value.member ?? 0 }, actor);
      said = pageText(number, o, actor.name);
      good = o.kind === 'paged';
    }
  } catch (err) {
    // Not this person's incident (issue 24): a private toast, the card untouched.
    const refused = refusalOf(err);
    if (!refused) throw err;
    log.info({ op: value.op, incident: number, team: refused.team }, 'card action refused: outside the team');
    return { answer: { toast: toast('error', refusalText(refused)) } };
  }
  log.info({ op: value.op, incident: number, ok: good }, 'card action');
  const answer: CardActionAnswer = { toast: toast(good ? 'success' : 'warning', said) };
  const view = await ctx.deps.incidents.view(number);
  if (!view) return { answer };
  try {
    answer.card = { type: 'raw', data: renderIncidentCard(view, { lang: 'both', now: ctx.now() }) };
    return { answer, cardOf: number };
  } catch (err) {
    log.error({ err, incident: number }, 'incident card did not render');
    return { answer };
  }
}
