// Control routes for urgent notices and the app's scopes (README "The Lark emulator", plus additions):
//   GET  /__emulator/urgents?open_id=…   {items:[{message_id, kind, at}]}: what that person received
//   GET  /__emulator/tenant              {scopes:[…], urgent_quota}
//   POST /__emulator/tenant              {grant?:[scope], revoke?:[scope], urgent_quota?:n} → the same
// Revoking `im:message.group_msg` makes group messages reach the app only when they @mention it;
// granting it delivers every group message (the "all group messages" switch).
import type Router from '@koa/router';
import { z } from 'zod';
import type { EmulatorContext } from './context.ts';
import { badRequest, parseBody } from './control.ts';

const TenantBody = z.object({
  grant: z.array(z.string().min(1)).optional(),
  revoke: z.array(z.string().min(1)).optional(),
  urgent_quota: z.number().int().min(0).optional(),
});

export function registerControlUrgent(router: Router, ectx: EmulatorContext): void {
  const { state } = ectx;
  const tenant = () => ({ scopes: [...state.scopes].sort(), urgent_quota: state.urgentQuota });

  router.get('/__emulator/urgents', async (ctx) => {
    const openId = ctx.query.open_id ? String(ctx.query.open_id) : '';
    if (openId && !state.users.has(openId)) return badRequest(ctx, 'unknown open_id', 404);
    const items = state.urgents.filter((u) => !openId || u.open_id === openId);
    ctx.body = {
      items: items.map((u) => ({ message_id: u.message_id, kind: u.kind, at: u.at, ...(openId ? {} : { open_id: u.open_id }) })),
    };
  });

  router.get('/__emulator/tenant', async (ctx) => {
    ctx.body = tenant();
  });

  router.post('/__emulator/tenant', async (ctx) => {
    const b = parseBody(ctx, TenantBody);
    if (!b) return;
    for (const s of b.grant ?? []) state.grantScope(s);
    for (const s of b.revoke ?? []) state.scopes.delete(s);
    if (b.urgent_quota !== undefined) state.urgentQuota = b.urgent_quota;
    ctx.body = tenant();
  });
}
