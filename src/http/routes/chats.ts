import Router from '@koa/router';
import { HarkError } from '../../errors.ts';
import { chatJson, subscriptionJson, type ChatDirectory } from '../../delivery/chats.ts';
import { jsonBody } from '../body.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../../store/schema.ts';
import { requirePrincipal, type Authenticator } from './auth.ts';
import { bySource, manage, subscriptionManaged } from './manage.ts';

/**
 * What each group receives (README "HTTP routes"):
 *   PUT    /api/v1/chats/:chat_id/subscriptions/:source  {min_severity?, labels?} → the subscription
 *   DELETE /api/v1/chats/:chat_id/subscriptions/:source  → 204 (also when it was not subscribed)
 *   GET    /api/v1/chats                                 → {items:[{chat_id, name, status, subscriptions}]}
 * `labels`: {"team":"pay"} (exact) or ["team=pay", "env!=dev", "service=~api-.*"].
 */
export function chatsRouter(deps: { chats: ChatDirectory; authenticators: readonly Authenticator[]; db: Kysely<DB> }): Router {
  const router = new Router();
  const admins = requirePrincipal(deps.authenticators, ['admin']);
  // A team's leads and team tokens route their own sources; a file-managed route or source is refused (issue 24).
  const owners = [
    requirePrincipal(deps.authenticators, ['admin'], { teams: true }),
    manage(deps.db, bySource(deps.db, 'source'), { need: 'lead', teamless: 'admin', managed: subscriptionManaged(deps.db) }),
  ];

  router.get('/api/v1/chats', admins, async (ctx) => {
    ctx.body = { items: (await deps.chats.list()).map(chatJson) };
  });

  router.put('/api/v1/chats/:chat_id/subscriptions/:source', ...owners, jsonBody(16 * 1024), async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new HarkError('invalid', 'body must be a JSON object');
    const unknown = Object.keys(body).filter((k) => k !== 'min_severity' && k !== 'labels');
    if (unknown.length) throw new HarkError('invalid', `unknown field ${unknown[0]}: expected min_severity and labels`);
    if (body.min_severity !== undefined && body.min_severity !== null && typeof body.min_severity !== 'string') {
      throw new HarkError('invalid', 'min_severity must be one of critical, warning, info');
    }
    const sub = await deps.chats.subscribe(ctx.params.chat_id, ctx.params.source, {
      minSeverity: body.min_severity as string | null | undefined,
      labels: body.labels,
    });
    ctx.body = { chat_id: ctx.params.chat_id, ...subscriptionJson(sub) };
  });

  router.delete('/api/v1/chats/:chat_id/subscriptions/:source', ...owners, async (ctx) => {
    await deps.chats.unsubscribe(ctx.params.chat_id, ctx.params.source);
    ctx.status = 204;
  });
  return router;
}
