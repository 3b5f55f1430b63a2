// Maintenance windows from Lark (issue 26): `maintain <source> [label=value …] <duration>` / `维护`
// makes a window from now; `unmaintain <source>` / `结束维护` ends the source's windows in force.
// Responders and admins; the window's card in the groups says the rest.
import { HarkError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ActionContext } from './actions.ts';
import type { InboundMessage } from './events.ts';
import type { Text } from './i18n.ts';
import { authorize, refusal } from './operate.ts';
import type { Command } from './parse.ts';
import { sayMaintenance as say } from './i18n.ts';

/** Runs `maintain` or `unmaintain`; returns the answer, or null when the sender must link first. */
export async function maintenanceCommand(
  command: Extract<Command, { verb: 'maintain' | 'unmaintain' }>,
  msg: InboundMessage,
  log: Logger,
  ctx: ActionContext,
): Promise<Text | { unlinked: true }> {
  const port = ctx.deps.maintenance;
  const auth = authorize(await ctx.deps.members.byOpenId(msg.senderOpenId), 'change_incident');
  if (!auth.ok) return auth.why === 'unlinked' ? { unlinked: true } : refusal(auth.why);
  const actor = { id: auth.member.id, name: auth.member.name, via: 'command' as const };
  // A team's source: its members and admins only (issue 24).
  const refused = await ctx.deps.maintains(auth.member, command.source);
  if (refused) return say.problem(refused);
  try {
    if (command.verb === 'maintain') {
      const r = await port.start({ source: command.source, labels: [...command.labels], duration: command.duration, actor });
      log.info({ verb: command.verb, source: command.source, window: r.id, member: actor.id }, 'command done');
      return say.started(command.source, r.until, ctx.now());
    }
    const n = await port.end(command.source, actor);
    log.info({ verb: command.verb, source: command.source, ended: n, member: actor.id }, 'command done');
    return n ? say.ended(command.source, n) : say.none(command.source);
  } catch (err) {
    if (err instanceof HarkError && (err.code === 'invalid' || err.code === 'not_found' || err.code === 'conflict')) return say.problem(err.message);
    throw err;
  }
}
