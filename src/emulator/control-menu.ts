// The bot's custom menu in its private chat (docs/lark-notes.md "Bot menu"): a person clicks an
// item whose action is "push event", and Lark sends `application.bot.menu_v6` with the item's
// event_key and the operator; no chat or message id. Menus are configured in the developer console
// only, so the emulator takes any key 1–30 characters long, as the console does.
//   POST /__emulator/menu {open_id, event_key} → {event_id}
import type Router from '@koa/router';
import { z } from 'zod';
import type { EmulatorContext } from './context.ts';
import { badRequest, parseBody } from './control.ts';
import { botMenuEvent } from './events.ts';

const MenuBody = z.object({ open_id: z.string().min(1), event_key: z.string().min(1).max(30) });

export function registerControlMenu(router: Router, ectx: EmulatorContext): void {
  router.post('/__emulator/menu', async (ctx) => {
    const b = parseBody(ctx, MenuBody);
    if (!b) return;
    const user = ectx.state.users.get(b.open_id);
    if (!user) return badRequest(ctx, 'unknown open_id', 404);
    const rec = ectx.emitEvent(botMenuEvent(ectx.options, user, b.event_key));
    ctx.body = { event_id: rec.event_id };
  });
}
