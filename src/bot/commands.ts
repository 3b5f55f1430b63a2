// Chat commands (README "In chat"): a parsed command → the replies Hark gives. The router sends the
// replies (with uuids derived from the inbound message id) and records them for exactly-once.
import type { Logger } from '../log.ts';
import {
  renderHelpCard,
  renderIncidentListCard,
  renderLinkCard,
  renderOncallCard,
  renderSubscriptionCard,
  type Card,
  type Lang as CardLang,
} from '../render/index.ts';
import { HarkError } from '../errors.ts';
import type { ActionContext } from './actions.ts';
import type { InboundMessage } from './events.ts';
import { pick, say, type Text } from './i18n.ts';
import { authorize, operate, refusal } from './operate.ts';
import { parseCommand, type Command, type Lang } from './parse.ts';
import { pagingCommand, threadNote, threadIncident } from './paging.ts';
import { roomCommand } from './war-room.ts';
import { runSilence } from './silence.ts';
import { maintenanceCommand } from './maintenance.ts';
import { declareCommand } from './declare.ts';

/** One answer to a command: a reply in the conversation, or a private message to the sender. */
export type Reply =
  | { readonly to: 'reply' | 'sender'; readonly kind: 'text'; readonly text: string }
  | { readonly to: 'reply' | 'sender'; readonly kind: 'card'; readonly card: Card };

const cardLang = (lang: Lang): CardLang => (lang === 'zh' ? 'zh_cn' : 'en_us');

export async function handleMessage(msg: InboundMessage, log: Logger, ctx: ActionContext): Promise<Reply[]> {
  const parsed = parseCommand(msg.text);
  const inGroup = msg.chatType === 'group';
  // In a group Hark only answers what is addressed to it (docs/lark-notes.md §3.2: with the group_at_msg scope
  // only @Hark messages arrive anyway); a plain reply to an incident card still counts as a command.
  // A message in an incident card's thread that is not a command is a note (issue 14).
  const thread = inGroup && (msg.parentId || msg.rootId) ? await threadIncident(msg, ctx) : null;
  if (inGroup && !msg.mentionsBot) {
    const isCardReply = parsed.ok && 'incident' in parsed.command && msg.parentId !== null;
    if (!isCardReply || (await ctx.deps.cardMessages.incidentOf(msg.parentId!)) === null) {
      return thread !== null && !parsed.ok ? threadNote(msg, thread, parsed.lang, log, ctx) : [];
    }
  }
  if (thread !== null && !parsed.ok && parsed.verb === null) return threadNote(msg, thread, parsed.lang, log, ctx);
  const lang = parsed.lang;
  const text = (t: Text): Reply => ({ to: 'reply', kind: 'text', text: pick(lang, t) });
  if (!parsed.ok) {
    log.info({ verb: parsed.verb, problem: parsed.problem }, 'command not understood');
    if (parsed.verb === null) return [{ to: 'reply', kind: 'card', card: renderHelpCard({ lang: cardLang(lang) }) }];
    return [text(say.problem(parsed.verb, parsed.problem, parsed.detail))];
  }
  const command = parsed.command;
  log.info({ verb: command.verb }, 'command');
  return runCommand(command, msg, lang, log, ctx);
}

async function runCommand(command: Command, msg: InboundMessage, lang: Lang, log: Logger, ctx: ActionContext): Promise<Reply[]> {
  const { deps } = ctx;
  const inGroup = msg.chatType === 'group';
  const text = (t: Text): Reply => ({ to: 'reply', kind: 'text', text: pick(lang, t) });
  const card = (c: Card): Reply => ({ to: 'reply', kind: 'card', card: c });
  const opts = { lang: cardLang(lang), now: ctx.now() };
  const member = () => deps.members.byOpenId(msg.senderOpenId);
  const linkCard = (pending: string | null) => renderLinkCard({ linkUrl: deps.linkUrl, pendingAction: pending }, opts);

  switch (command.verb) {
    case 'help':
      return [card(renderHelpCard(opts))];

    case 'link':
      return [card(linkCard(null))];

    case 'whoami': {
      const m = await member();
      return [text(say.whoami({ name: m?.name ?? null, role: m?.role ?? null, openId: msg.senderOpenId }))];
    }

    case 'list': {
      if (inGroup) {
        const open = await deps.incidents.openForChat(msg.chatId);
        return [card(renderIncidentListCard(open.items, { ...opts, scope: 'group', total: open.total }))];
      }
      const m = await member();
      if (!m) return [text(say.notLinkedHere()), card(linkCard(null))];
      const open = await deps.incidents.openForMember(m);
      return [card(renderIncidentListCard(open.items, { ...opts, scope: 'mine', total: open.total }))];
    }

    case 'oncall': {
      const board = await deps.schedules.board({ name: command.schedule, chatId: inGroup ? msg.chatId : null });
      return [card(renderOncallCard({ schedules: board.items, empty: board.empty, asked: command.schedule ?? undefined }, opts))];
    }
    case 'report': {
      try {
        return [card(await deps.reports.card({ team: command.team, window: command.window, chatId: inGroup ? msg.chatId : null }, cardLang(lang)))];
      } catch (err) {
        if (err instanceof HarkError && (err.code === 'not_found' || err.code === 'invalid')) return [text(say.invalid(err.message))];
        throw err;
      }
    }
    case 'room':
      return [{ to: 'reply', kind: 'text', text: await roomCommand(msg, command.incident, lang, log, ctx) }];

    case 'subscriptions':
      if (!inGroup) return [text(say.groupOnly())];
      return [await subscriptionCard(msg.chatId, lang, ctx)];

    case 'subscribe':
    case 'unsubscribe':
      if (!inGroup) return [text(say.groupOnly())];
      return subscriptionCommand(command, msg, lang, log, ctx);

    case 'escalate':
    case 'page':
    case 'note':
      return pagingCommand(command, msg, lang, log, ctx);
    case 'maintain':
    case 'unmaintain': {
      const r = await maintenanceCommand(command, msg, log, ctx);
      if ('unlinked' in r) return inGroup ? [text(say.notLinked()), { to: 'sender', kind: 'card', card: linkCard(null) }] : [text(say.notLinkedHere()), card(linkCard(null))];
      return [text(r)];
    }
    case 'declare':
      return declareCommand(command, msg, lang, log, ctx);
    case 'silence':
    case 'unsilence': {
      const number = command.incident ?? (msg.parentId ? await deps.cardMessages.incidentOf(msg.parentId) : null);
      if (number === null) return [text(say.needIncident(command.verb))];
      const auth = authorize(await member(), 'change_incident');
      if (!auth.ok) return auth.why === 'unlinked' ? [text(say.notLinkedHere()), card(linkCard(null))] : [text(refusal(auth.why))];
      const outcome = await runSilence(
        deps.silences,
        {
          verb: command.verb,
          incident: number,
          duration: command.verb === 'silence' ? (command.duration ?? undefined) : undefined,
          actor: { id: auth.member.id, name: auth.member.name, via: 'command' },
          // The labels it matches, where they are no news: a private chat, or a reply to the card.
          showMatchers: msg.chatType === 'p2p' || (!!msg.parentId && (await deps.cardMessages.incidentOf(msg.parentId)) === number),
        },
        ctx.now(),
      );
      log.info({ verb: command.verb, incident: number, outcome: outcome.kind, member: auth.member.id }, 'command done');
      if (outcome.kind === 'failed') throw outcome.err;
      return [text(outcome.text)];
    }

    case 'ack':
    case 'unack':
    case 'resolve':
    case 'reopen':
    case 'snooze': {
      // Replying "ack" to an incident card needs no number: the card's message id says which.
      const number = command.incident ?? (msg.parentId ? await deps.cardMessages.incidentOf(msg.parentId) : null);
      if (number === null) return [text(say.needIncident(command.verb))];
      const duration = command.verb === 'snooze' || command.verb === 'ack' ? (command.duration ?? undefined) : undefined;
      const m = await member();
      const auth = authorize(m, 'change_incident');
      if (!auth.ok) {
        log.info({ why: auth.why, verb: command.verb, incident: number }, 'command refused');
        if (auth.why !== 'unlinked') return [text(refusal(auth.why))];
        await deps.pending.remember(msg.senderOpenId, { op: command.verb, incident: number, ...(duration ? { duration } : {}) });
        const link = linkCard(say.pendingAction(command.verb, number, duration));
        // In a group the link goes privately, so nobody else links with it by mistake.
        return inGroup ? [text(say.notLinked()), { to: 'sender', kind: 'card', card: link }] : [text(say.notLinkedHere()), card(link)];
      }
      const outcome = await operate(
        deps.incidents,
        { op: command.verb, incident: number, duration, actor: { id: auth.member.id, name: auth.member.name, via: 'command', chatId: msg.chatType === 'group' ? msg.chatId : null } },
        ctx.now(),
      );
      log.info({ verb: command.verb, incident: number, outcome: outcome.kind, member: auth.member.id }, 'command done');
      if (outcome.kind === 'failed') throw outcome.err;
      return [text(outcome.text)];
    }
  }
}

async function subscriptionCommand(
  command: Extract<Command, { verb: 'subscribe' | 'unsubscribe' }>,
  msg: InboundMessage,
  lang: Lang,
  log: Logger,
  ctx: ActionContext,
): Promise<Reply[]> {
  const { chats, members } = ctx.deps;
  const text = (t: Text): Reply => ({ to: 'reply', kind: 'text', text: pick(lang, t) });
  const member = await members.byOpenId(msg.senderOpenId);
  const source = command.source;
  // Team leads route their own team's sources; a file-managed route is refused (issue 24).
  const routing = member ? await ctx.deps.routing(member, msg.chatId, source) : null;
  const auth = routing?.ok ? ({ ok: true, member: member! } as const) : authorize(member, 'manage_chat');
  if (!auth.ok || routing?.ok === false) {
    log.info({ why: auth.ok ? 'team' : auth.why, verb: command.verb }, 'subscription change refused');
    if (routing && !routing.ok && routing.text) return [text({ en: routing.text, zh: routing.text })];
    return [text(!auth.ok && auth.why === 'unlinked' ? say.notLinkedHere() : say.notAdmin())];
  }
  if (command.verb === 'unsubscribe') {
    if (!(await chats.unsubscribe(msg.chatId, source))) return [text(say.notSubscribed(source))];
    return [await subscriptionCard(msg.chatId, lang, ctx, pick(lang, say.unsubscribed(source)))];
  }
  const severity = command.severity ?? 'info';
  try {
    await chats.subscribe(msg.chatId, source, severity);
  } catch (err) {
    if (err instanceof HarkError && err.code === 'not_found') return [text(say.unknownSource(source, await chats.sourceNames()))];
    if (err instanceof HarkError && (err.code === 'invalid' || err.code === 'conflict')) return [text(say.invalid(err.message))];
    throw err;
  }
  log.info({ source, severity, admin: auth.member.id }, 'group subscribed');
  return [await subscriptionCard(msg.chatId, lang, ctx, pick(lang, say.subscribed(source, severity)))];
}

/** The group's subscriptions, optionally confirming a change ("This group now receives …"). */
async function subscriptionCard(chatId: string, lang: Lang, ctx: ActionContext, changed?: string): Promise<Reply> {
  const { chats } = ctx.deps;
  const [chatName, subscriptions] = await Promise.all([chats.name(chatId), chats.subscriptions(chatId)]);
  return {
    to: 'reply',
    kind: 'card',
    card: renderSubscriptionCard({ chatName, subscriptions, changed }, { lang: cardLang(lang), now: ctx.now() }),
  };
}
