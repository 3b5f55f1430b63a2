// The bot joining and leaving groups (docs/lark-notes.md §3.3). Added: record the group and post the welcome
// card. Removed or disbanded: stop sending there and tell the admins privately what stopped.
import type { Logger } from '../log.ts';
import { renderWelcomeCard } from '../render/index.ts';
import type { ActionContext } from './actions.ts';
import type { ChatMembership } from './events.ts';
import { say } from './i18n.ts';
import { stableUuid } from './uuid.ts';

export async function handleMembership(ev: ChatMembership, log: Logger, ctx: ActionContext): Promise<void> {
  const { chats, lark, members } = ctx.deps;
  if (ev.change === 'bot_added') {
    // The event's `name` is the group name per the doc, the bot's per the SDK (docs/lark-notes.md §3.3, §8.4):
    // ask chat.get, and fall back to the event's name only if that fails.
    const name = await lark
      .getChat(ev.chatId)
      .then((c) => c.name)
      .catch((err) => {
        log.warn({ err }, 'chat.get failed; using the name from the event');
        return ev.name?.trim() || ev.chatId;
      });
    await chats.botAdded(ev.chatId, name);
    // A group Hark made itself (a war room: the app is the operator) needs no "how to subscribe" card.
    if (!ev.operatorOpenId || (await ctx.deps.warRooms.isRoom(ev.chatId))) {
      log.info({ chatId: ev.chatId }, 'bot is in a group Hark made; no welcome card');
      return;
    }
    const card = renderWelcomeCard({ chatName: await chats.name(ev.chatId), sources: await chats.sourceNames() }, { lang: 'both', now: ctx.now() });
    await chats.postCard(ev.chatId, card, `welcome:${ev.chatId}`);
    log.info({ chatId: ev.chatId }, 'bot added to group; welcome card queued');
    return;
  }

  // Read what the group received before the directory marks it gone.
  const [name, subs] = await Promise.all([chats.name(ev.chatId), chats.subscriptions(ev.chatId)]);
  const disbanded = ev.change === 'chat_disbanded';
  await chats.botGone(ev.chatId, disbanded ? 'disbanded' : 'removed');
  log.info({ chatId: ev.chatId, change: ev.change, subscriptions: subs.length }, 'bot no longer in group');
  if (!subs.length) return;
  const lines = subs.map((s) => `${s.source} (${s.minSeverity}+)`);
  const notice = say.removedFromChat(name, lines, disbanded);
  // The admins' language is unknown here: both languages, English first.
  const text = `${notice.en}\n${notice.zh}`;
  const admins = await members.linkedAdmins();
  ctx.bg.run(log, 'tell admins which subscriptions stopped', async () => {
    for (const admin of admins) {
      await lark.sendText('open_id', admin.openId!, text, stableUuid(`gone-${admin.id}`, ev.eventId));
    }
  });
}
