import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { HarkError } from '../../errors.ts';
import { jsonBody } from '../body.ts';
import type { ChatDirectory } from '../../delivery/chats.ts';
import { requirePrincipal, type Authenticator } from './auth.ts';
import type { MemberLinks } from '../../auth/linking.ts';
import { CSRF_FIELD, type WebAuth, type WebUser } from '../../auth/web-auth.ts';
import type { MessageKey } from '../../web/i18n.ts';
import type { Templates } from '../../web/render.ts';

export interface AdminDeps {
  chats: Pick<ChatDirectory, 'list'>;
  links: MemberLinks;
  auth: WebAuth;
  templates: Templates;
  /** The admin API's authenticators: the admin token, then the web session (webSessionAuthenticator). */
  authenticators: readonly Authenticator[];
}

/**
 * Admin pages in the web app (members, groups) and the JSON routes for unlinking and explicit
 * relinking. The JSON routes take the admin token or an admin's web session with X-CSRF-Token.
 */
export function createAdminRouter(deps: AdminDeps): Router {
  const router = new Router();
  const { templates } = deps;

  const requireAdminPage = async (ctx: Context, next: Next) => {
    const user = await deps.auth.user(ctx);
    const { t } = templates.lang(ctx);
    if (!user) return ctx.redirect(`/auth/lark/login?next=${encodeURIComponent(ctx.originalUrl)}`);
    if (user.member.role !== 'admin') return templates.message(ctx, 403, t('error.title'), t('error.forbidden'), null, user.member);
    if (ctx.method === 'POST') {
      const token = (ctx.request as { body?: Record<string, unknown> }).body?.[CSRF_FIELD];
      if (!deps.auth.csrfOk(user, token)) return templates.message(ctx, 403, t('error.title'), t('error.csrf'), null, user.member);
    }
    ctx.state.admin = user;
    await next();
  };

  const page = (ctx: Context, view: string, data: Record<string, unknown>) => {
    const user = ctx.state.admin as WebUser;
    templates.render(ctx, view, { me: user.member, csrf: user.session.csrfToken, ...data, title: String(data.title) });
  };

  router.get('/h5/admin/members', requireAdminPage, async (ctx) => {
    const { t } = templates.lang(ctx);
    page(ctx, 'members', { title: t('members.title'), nav: 'members', members: await deps.links.list() });
  });

  router.post('/h5/admin/members/:id/unlink', jsonBody(64 * 1024), requireAdminPage, async (ctx) => {
    const m = await deps.links.unlink(parseId(ctx.params.id));
    ctx.state.log?.info({ memberId: m.id, by: (ctx.state.admin as WebUser).member.id }, 'admin unlinked a member');
    ctx.redirect('/h5/admin/members');
  });

  router.get('/h5/admin/groups', requireAdminPage, async (ctx) => {
    const { t } = templates.lang(ctx);
    page(ctx, 'groups', { title: t('groups.title'), nav: 'groups', groups: await groups(deps.chats, t) });
  });

  // JSON API -----------------------------------------------------------------------------------

  const requireAdminApi = requirePrincipal(deps.authenticators, ['admin']);

  router.post('/api/v1/members/:id/unlink', jsonBody(), requireAdminApi, async (ctx) => {
    const m = await deps.links.unlink(parseId(ctx.params.id));
    ctx.body = { member: memberJson(m), sessions_revoked: true, calendar_revoked: true };
  });

  router.post('/api/v1/members/:id/link', jsonBody(), requireAdminApi, async (ctx) => {
    const b = ((ctx.request as { body?: unknown }).body ?? {}) as Record<string, unknown>;
    if (typeof b.open_id !== 'string') throw new HarkError('invalid', 'open_id: required, the Lark open_id (ou_…) to link');
    if (b.union_id !== undefined && b.union_id !== null && typeof b.union_id !== 'string') throw new HarkError('invalid', 'union_id: must be a string');
    if (b.move !== undefined && typeof b.move !== 'boolean') throw new HarkError('invalid', 'move: must be true or false');
    const r = await deps.links.linkMember(parseId(ctx.params.id), b.open_id, (b.union_id as string | undefined) ?? null, { move: b.move === true });
    ctx.body = { member: memberJson(r.member), moved_from: r.movedFrom ? memberJson(r.movedFrom) : null };
  });

  return router;
}

function memberJson(m: { id: number; name: string; email: string | null; role: string; openId: string | null; unionId: string | null; linkedAt: number | null }) {
  return {
    id: m.id,
    name: m.name,
    email: m.email,
    role: m.role,
    lark_open_id: m.openId,
    lark_union_id: m.unionId,
    linked_at: m.linkedAt === null ? null : new Date(m.linkedAt).toISOString(),
  };
}

function parseId(raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new HarkError('not_found', `member ${raw} does not exist`);
  return n;
}

/** Chats and their subscriptions, read through the delivery helper's directory (it owns their API). */
async function groups(directory: Pick<ChatDirectory, 'list'>, t: (k: MessageKey, v?: Record<string, string | number>) => string) {
  const chats = await directory.list();
  return chats.map((c) => ({
    chatId: c.chatId,
    name: c.name,
    active: c.status === 'active',
    statusLabel: c.status === 'active' ? t('groups.status.active') : t('groups.status.removed'),
    subscriptions: c.subscriptions.map((s) => ({
      source: s.source,
      minSeverity: t('groups.min_severity', { severity: t(`severity.${s.minSeverity}` as MessageKey) }),
      labels: s.labels.map((m) => `${m.name}${m.op}${m.value}`),
    })),
  }));
}
