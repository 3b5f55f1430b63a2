// Declaring an incident from Lark (issue 25): `@Hark declare <title> [severity]` / `发起` in a group
// opens it on the group's team's source (the team whose home group it is; else the source the
// group subscribes to; a card asks which when there are several); as a
// reply, the replied message is its description and is named on the timeline; in a private chat
// (and from the bot menu) a card with a title field and one button per source does it.
import { HarkError } from '../errors.ts';
import type { Severity } from '../incident/types.ts';
import type { Logger } from '../log.ts';
import { renderDeclareCard, type Card, type CardButtonValue } from '../render/index.ts';
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
  if (!port) return [text(say.noDeclare())];
  const auth = authorize(await deps.members.byOpenId(msg.senderOpenId), 'change_incident');
  if (!auth.ok) return [text(refusal(auth.why))];
  const cardOpts = { lang: lang === 'zh' ? ('zh_cn' as const) : ('en_us' as const), now: ctx.now() };
  const parent = msg.chatType === 'group' && msg.parentId ? msg.parentId : null;
  const picker = (sources: string[]): Reply => ({
    to: 'reply',
    kind: 'card',
    card: renderDeclareCard({ sources, title: command.title, severity: command.severity ?? undefined, parent }, cardOpts),
  });
  if (msg.chatType !== 'group') return [picker(await port.sources())];
  // The group's team: the team whose home group it is, else the sources the group subscribes to.
  const home = (await port.homeTeamSources?.(msg.chatId)) ?? null;
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
  if (!deps.declare) return { answer: { toast: toast('error', say.noDeclare()) } };
  const auth = authorize(await deps.members.byOpenId(ev.operatorOpenId), 'change_incident');
  if (!auth.ok) return { answer: { toast: toast('warning', refusal(auth.why)) } };
  const title = typeof ev.formValue?.title === 'string' ? ev.formValue.title.trim() : '';
  try {
    const n = await open(ctx, value.source!, title, value.severity ?? null, value.parent ?? null, auth.member, ev.chatId, log);
    return { answer: { toast: toast('success', declared(n, title, value.source!)) } };
  } catch (err) {
    if (err instanceof HarkError && (err.code === 'invalid' || err.code === 'not_found')) {
      return { answer: { toast: toast('warning', say.invalid(err.message)) } };
    }
    throw err;
  }
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
    description = (await deps.lark.getMessageText?.(parent).catch((err: unknown) => {
      log.warn({ err, parent }, 'could not read the replied message');
      return '';
    })) || null;
    from = { messageId: parent, chatName: chatId ? await deps.chats.name(chatId) : '' };
  }
  const n = await deps.declare!.open(source, { title, severity, description, actor: { id: member.id, name: member.name, via: 'command' }, from });
  log.info({ incident: n, source, member: member.id }, 'incident declared');
  return n;
}
