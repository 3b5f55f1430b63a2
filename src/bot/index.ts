// Chat operations over Lark (issue 5): card buttons, commands, groups joining and leaving.
// main.ts builds the ports (src/bot/adapters.ts) and hands the bot to the receiver as its handler.
import type { BotDeps } from './ports.ts';
import { BotRouter } from './router.ts';

export type { BotDeps } from './ports.ts';
export type * from './ports.ts';
export { BotRouter, DEFAULT_CLICK_BUDGET_MS } from './router.ts';
export { parseCommand, type Command, type ParseResult } from './parse.ts';

/** The bot: an EventHandler for createDispatcher, plus drain() for a graceful stop. */
export function createBot(deps: BotDeps): BotRouter {
  return new BotRouter(deps);
}
