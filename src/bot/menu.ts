// The bot's menu in its private chat (issue 25; docs/lark-notes.md "Bot menu"): Lark pushes the
// pressed item's event_key with the person and nothing else, and expects no answer, so Hark runs the
// matching command as if the person had typed it and sends the replies to them privately. Keys, as
// entered in the developer console: declare, oncall, my_incidents.
import type { Logger } from '../log.ts';
import type { ActionContext } from './actions.ts';
import { handleMessage } from './commands.ts';
import type { MenuPress } from './events.ts';
import { stableUuid } from './uuid.ts';

export const MENU_KEYS: Readonly<Record<string, string>> = { declare: 'declare', oncall: 'oncall', my_incidents: 'list' };

export async function menuPress(ev: MenuPress, log: Logger, ctx: ActionContext): Promise<void> {
  const { lark } = ctx.deps;
  const typed = MENU_KEYS[ev.eventKey];
  const uuid = (i: number) => stableUuid(`menu${i}`, ev.eventId);
  if (!typed) {
    log.warn({ eventKey: ev.eventKey }, 'unknown bot menu key');
    await lark.sendText('open_id', ev.operatorOpenId, `Hark does not know the menu item "${ev.eventKey}"; its keys are ${Object.keys(MENU_KEYS).join(', ')}.`, uuid(0));
    return;
  }
  const replies = await handleMessage(
    {
      kind: 'message', eventId: ev.eventId, messageId: ev.eventId, chatId: '', chatType: 'p2p', senderOpenId: ev.operatorOpenId,
      senderUnionId: null, text: typed, mentionsBot: true, parentId: null, createTime: ctx.now(),
    },
    log,
    ctx,
  );
  for (const [i, r] of replies.entries()) {
    if (r.kind === 'card') {
      // The declare card's buttons act on this message only (actions.ts), as a reply's do (router.ts).
      const sent = await lark.sendCard('open_id', ev.operatorOpenId, r.card, uuid(i));
      await ctx.deps.scheduleCards.bind(sent.messageId, r.card);
    } else await lark.sendText('open_id', ev.operatorOpenId, r.text, uuid(i));
  }
}
