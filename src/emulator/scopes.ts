// The app's permission scopes as the tenant granted them (docs/lark-notes.md §15):
// GET /open-apis/application/v6/scopes lists each scope the app asked for with grant_status
// 1 (granted) or 2 (not granted), with a tenant token and no scope of its own. `hark doctor` reads
// it. The granted set is the emulator's one set, `state.scopes`, which the APIs that need a scope
// check (urgent notices, all group messages) and which POST /__emulator/tenant {grant, revoke}
// changes (control-urgent.ts); a scope once asked for stays listed after it is revoked, as not
// granted, as in the developer console.
import type Router from '@koa/router';
import type { EmulatorContext } from './context.ts';
import { logId, requireToken } from './http-util.ts';

export function registerScopes(router: Router, ectx: EmulatorContext): void {
  const { state } = ectx;
  const list = () => [...state.scopesAsked].sort().map((scope_name) => ({ scope_name, grant_status: state.scopes.has(scope_name) ? 1 : 2 }));

  router.get('/open-apis/application/v6/scopes', async (ctx) => {
    if (!requireToken(ctx, ectx, ['tenant'])) return;
    ectx.stats.call('application.scopes');
    logId(ctx);
    ctx.body = { code: 0, msg: 'success', data: { scopes: list() } };
  });
}
