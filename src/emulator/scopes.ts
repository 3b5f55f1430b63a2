// The app's permission scopes as the tenant granted them (docs/lark-notes.md §15):
// GET /open-apis/application/v6/scopes lists each scope the app asked for with grant_status
// 1 (granted) or 2 (not granted), with a tenant token and no scope of its own. `hark doctor` reads
// it. Control: GET /__emulator/scopes, POST /__emulator/scopes {grant?: [...], revoke?: [...]}
// (a revoked scope stays listed, as not granted); POST /__emulator/reset restores the defaults.
import type Router from '@koa/router';
import { z } from 'zod';
import type { EmulatorContext } from './context.ts';
import { parseBody } from './control.ts';
import { logId, requireToken } from './http-util.ts';

/** What a Lark app set up as the README says has been granted. */
export const DEFAULT_GRANTED_SCOPES = [
  'im:chat',
  'im:message',
  'im:message:send_as_bot',
  'im:message.p2p_msg:readonly',
  'im:message.group_at_msg:readonly',
  'im:message.urgent',
  'im:message.urgent:sms',
  'im:message.urgent:phone',
  'im:message.pins:write_only',
  'contact:user.base:readonly',
] as const;

const ScopesBody = z.object({ grant: z.array(z.string().min(1)).optional(), revoke: z.array(z.string().min(1)).optional() });

export function registerScopes(router: Router, ectx: EmulatorContext): void {
  const scopes = new Map<string, boolean>();
  const restore = () => {
    scopes.clear();
    for (const s of DEFAULT_GRANTED_SCOPES) scopes.set(s, true);
  };
  restore();
  ectx.state.on('reset', restore);
  const list = () => [...scopes].map(([scope_name, granted]) => ({ scope_name, grant_status: granted ? 1 : 2 }));

  router.get('/open-apis/application/v6/scopes', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant'])) return;
    ectx.stats.call('application.scopes');
    logId(ctx);
    ctx.body = { code: 0, msg: 'success', data: { scopes: list() } };
  });
  router.get('/__emulator/scopes', async (ctx) => {
    ctx.body = { scopes: list() };
  });
  router.post('/__emulator/scopes', async (ctx) => {
    const b = parseBody(ctx, ScopesBody);
    if (!b) return;
    for (const s of b.grant ?? []) scopes.set(s, true);
    for (const s of b.revoke ?? []) scopes.set(s, false);
    ctx.body = { scopes: list() };
  });
}
