// App credentials (docs/lark-notes.md §2.0): tenant/app access tokens with top-level fields (not under
// `data`), and the long-connection endpoint discovery (§1.2).
import type Router from '@koa/router';
import type { RouterContext } from '@koa/router';
import type { EmulatorContext } from './context.ts';
import { body, logId } from './http-util.ts';

export function registerAuthApi(router: Router, ectx: EmulatorContext): void {
  const issue = (kind: 'tenant' | 'app') => async (ctx: RouterContext) => {
    const b = body(ctx);
    logId(ctx);
    ectx.stats.call(`auth.${kind}_access_token`);
    if (!b.app_id || !b.app_secret) {
      ctx.status = 400;
      ctx.body = { code: 10003, msg: 'invalid param: app_id and app_secret are required' };
      return;
    }
    if (b.app_id !== ectx.options.appId) {
      ctx.status = 400;
      ctx.body = { code: 10014, msg: 'app not found or unauthorized' };
      return;
    }
    if (b.app_secret !== ectx.options.appSecret) {
      ctx.status = 400;
      ctx.body = { code: 10015, msg: 'app secret invalid' };
      return;
    }
    const now = ectx.state.now();
    const ttl = ectx.options.tokenExpireSeconds;
    const rec = ectx.tokens.currentApp(kind, ttl, now);
    const expire = Math.max(0, Math.floor((rec.expires_at - now) / 1000));
    ctx.body = kind === 'tenant'
      ? { code: 0, msg: 'ok', tenant_access_token: rec.token, expire }
      : { code: 0, msg: 'ok', app_access_token: rec.token, expire };
  };
  router.post('/open-apis/auth/v3/tenant_access_token/internal', issue('tenant'));
  router.post('/open-apis/auth/v3/app_access_token/internal', issue('app'));

  router.post('/callback/ws/endpoint', async (ctx) => {
    ectx.stats.call('callback.ws_endpoint');
    ctx.body = ectx.hub.endpoint(body(ctx), ctx.host || undefined);
  });
}
