// Declaring an incident from Lark (issue 25): `@Hark declare <title> [severity]` / `发起` in a group
// opens it on the group's team's source (the team whose home group it is; else the source the
// group subscribes to; a card asks which when there are several); as a
// reply, the replied message is its description and is named on the timeline; in a private chat
// (and from the bot menu) a card does it: with teams, a form with the title, a team picker (the
// person's teams first) and the severity, opening on the team's source as `POST /api/v1/incidents
// {team}` does (incident/declare.ts pickTeamSource; several sources: the card asks which); without
// teams, a title field and one button per source.
import { HarkError } from '../errors.ts';
import { pickTeamSource } from '../incident/declare.ts';
import { SEVERITIES } from '../incident/types.ts';
import type { Severity } from '../incident/types.ts';
import type { Logger } from '../log.ts';
import { DECLARE_BY_TEAM, renderDeclareCard, type Card, type CardButtonValue } from '../render/index.ts';
import type { ActionContext, ClickResult } from './actions.ts';
import type { CardAction, InboundMessage } from './events.ts';
import { pick, say, toast, type Text } from './i18n.ts';
import { authorize, refusal } from './operate.ts';
import type { Lang } from './parse.ts';

type Reply = { to: 'reply'; kind: 'text'; text: string } | { to: 'reply'; kind: 'card'; card: Card };

const declared = say.declared;

export async function declareCommand(
  command: { title: string; severity: Severity | null },
  msg: InboundMessage,
  lang: Lang,
  log: Logger,
  ctx: ActionContext,
): Promise<Reply[]> {
  const { deps } = ctx;
  const text = (t: Text): Reply => ({ to: 'reply', kind: 'text', text: pick(lang, t) });
  const port = deps.declare;
  const auth = authorize(await deps.members.byOpenId(msg.senderOpenId), 'change_incident');
  if (!auth.ok) return [text(refusal(auth.why))];
  const cardOpts = { lang: lang === 'zh' ? ('zh_cn' as const) : ('en_us' as const), now: ctx.now() };
  const parent = msg.chatType === 'group' && msg.parentId ? msg.parentId : null;
  const picker = (sources: string[], teams: Array<{ name: string; mine: boolean }> = []): Reply => ({
    to: 'reply',
    kind: 'card',
    card: renderDeclareCard({ sources, teams, title: command.title, severity: command.severity ?? undefined, parent }, cardOpts),
  });
  if (msg.chatType !== 'group') return [picker(await port.sources(), await port.teams(auth.member.id))];
  // The group's team: the team whose home group it is, else the sources the group subscribes to.
  const home = await port.homeTeamSources(msg.chatId);
  const sources = home ? home.sources : [...new Set((await deps.chats.subscriptions(msg.chatId)).map((s) => s.source))];
  if (sources.length === 0) {
    return [
      text(say.declareNoSource()),
    ];
  }
  if (sources.length > 1 || !command.title) return [picker(sources)];
  const n = await open(ctx, sources[0], command.title, command.severity, parent, auth.member, msg.chatId, log);
  return [text(declared(n, command.title, sources[0]))];
}

/** The declare card's button: the title from its form, the source from the button. */
export async function declareClick(ev: CardAction, value: CardButtonValue, log: Logger, ctx: ActionContext): Promise<ClickResult> {
  const { deps } = ctx;
  const auth = authorize(await deps.members.byOpenId(ev.operatorOpenId), 'change_incident');
  if (!auth.ok) return { answer: { toast: toast('warning', refusal(auth.why)) } };
  const title = typeof ev.formValue?.title === 'string' ? ev.formValue.title.trim() : '';
  try {
    let source = value.source!;
    let severity = value.severity ?? null;
    if (source === DECLARE_BY_TEAM) {
      const chosen = await teamChoice(ev, title, value, ctx);
      if ('answer' in chosen) return chosen;
      ({ source, severity } = chosen);
    }
    const n = await open(ctx, source, title, severity, value.parent ?? null, auth.member, ev.chatId, log);
    return { answer: { toast: toast('success', declared(n, title, source)) } };
  } catch (err) {
    if (err instanceof HarkError && (err.code === 'invalid' || err.code === 'not_found')) {
      return { answer: { toast: toast('warning', say.invalid(err.message)) } };
    }
    throw err;
  }
}

/**
 * The team picker's choice (form_value.team, form_value.severity) → the source to open on, or the
 * answer to give: a card with the team's sources when it owns several (bound to this message).
 */
async function teamChoice(
  ev: CardAction,
  title: string,
  value: CardButtonValue,
  ctx: ActionContext,
): Promise<{ source: string; severity: Severity | null } | ClickResult> {
  const port = ctx.deps.declare;
  const team = typeof ev.formValue?.team === 'string' ? ev.formValue.team : '';
  const raw = ev.formValue?.severity;
  if (raw != null && raw !== '' && !(SEVERITIES as readonly unknown[]).includes(raw)) {
    throw new HarkError('invalid', `severity: "${String(raw)}" is not one of ${SEVERITIES.join(', ')}`);
  }
  const severity = typeof raw === 'string' && raw ? (raw as Severity) : null;
  if (!team) throw new HarkError('invalid', 'team: choose the team whose incident it is');
  const sources = await port.teamSources(team);
  if (!sources) throw new HarkError('not_found', `team: there is no team named "${team}"`);
  if (sources.length > 1) {
    const card = renderDeclareCard({ sources, title, severity: severity ?? undefined, parent: value.parent ?? null }, { lang: 'both', now: ctx.now() });
    // The source buttons of the redrawn card are honoured on this message (actions.ts binding).
    if (ev.messageId) await ctx.deps.scheduleCards.bind(ev.messageId, card);
    return { answer: { toast: toast('info', say.declareWhichSource(team, sources)), card: { type: 'raw', data: card } } };
  }
  return { source: pickTeamSource(team, sources), severity };
}

async function open(
  ctx: ActionContext,
  source: string,
  title: string,
  severity: Severity | null,
  parent: string | null,
  member: { id: number; name: string },
  chatId: string | null,
  log: Logger,
): Promise<number> {
  const { deps } = ctx;
  let description: string | null = null;
  let from: { messageId: string; chatName: string } | null = null;
  if (parent) {
    // The replied message describes the incident; if Lark will not give it, the incident opens anyway.
    description = (await deps.lark.getMessageText(parent).catch((err: unknown) => {
      log.warn({ err, parent }, 'could not read the replied message');
      return '';
    })) || null;
    from = { messageId: parent, chatName: chatId ? await deps.chats.name(chatId) : '' };
  }
  const n = await deps.declare.open(source, { title, severity, description, actor: { id: member.id, name: member.name, via: 'command' }, from });
  log.info({ incident: n, source, member: member.id }, 'incident declared');
  return n;
}
