import Router from '@koa/router';
import type { Context } from 'koa';
import { DateTime } from 'luxon';
import { HarkError } from '../../errors.ts';
import { jsonBody } from '../body.ts';
import type { Clock } from '../../incident/ports.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../../store/schema.ts';
import { teamRoleOf } from '../../store/team-repo.ts';
import { listApiTokens } from '../../store/token-repo.ts';
import type { Caller } from '../../teams/manage.ts';
import type { TokenService } from '../../teams/tokens.ts';
import { teamByName, teamView } from '../../teams/view.ts';
import { flashCookie } from './flash.ts';
import { requireFormCsrf, requireWebUser } from './web-forms.ts';
import type { WebAuth, WebUser } from '../../auth/web-auth.ts';
import type { Templates } from '../../web/render.ts';

// The team page of the web app (/h5/teams/:name, issue 24): its people with roles, who is on call
// now, its sources with their routing and the escalation ladder in words, its groups, a "managed by
// file" mark; its leads (and admins) make and revoke the team's API tokens here. A new token is
// shown in the answer to the form that made it, once; it never goes into a cookie or a redirect.

export interface TeamPageDeps {
  db: Kysely<DB>;
  tokens: TokenService;
  oncall: (schedule: string) => Promise<{ members: string[]; until: string | null }>;
  auth: WebAuth;
  templates: Templates;
  clock: Clock;
  sessionSecret: string;
}

export function createTeamPageRouter(deps: TeamPageDeps): Router {
  const router = new Router();
  const views = deps.templates;
  const flash = flashCookie(deps.sessionSecret, deps.auth.secure);

  const requireUser = requireWebUser(deps.auth, 'teamUser');
  const requireCsrf = requireFormCsrf(deps.auth, 'teamUser');
  const caller = (user: WebUser): Caller => ({ kind: 'member', memberId: user.member.id, name: user.member.name, role: user.member.role });

  async function show(ctx: Context, newToken: string | null = null) {
    const user = ctx.state.teamUser as WebUser;
    const me = user.member;
    const { lang } = views.lang(ctx);
    const team = await teamByName(deps.db, ctx.params.name);
    const view = await teamView(deps.db, team, deps.oncall);
    const canManage = me.role === 'admin' || (await teamRoleOf(deps.db, team.id, me.id)) === 'lead';
    const when = (iso: string) => {
      const t = DateTime.fromISO(iso, { zone: team.timeZone });
      return lang === 'zh' ? t.setLocale('zh-CN').toFormat('M月d日 HH:mm') : t.setLocale('en-GB').toFormat('d LLL HH:mm');
    };
    const tokens = canManage
      ? (await listApiTokens(deps.db, team.id)).map((t) => ({ id: t.id, name: t.name, lastUsed: t.lastUsedAt === null ? null : when(new Date(t.lastUsedAt).toISOString()) }))
      : [];
    views.render(ctx, 'team', {
      title: team.name,
      me,
      csrf: user.session.csrfToken,
      nav: 'team',
      flash: flash.take(ctx),
      team: view,
      when,
      canManage,
      tokens,
      newToken,
    });
  }

  router.get('/h5/teams/:name', requireUser, (ctx) => show(ctx));

  const post = [requireUser, jsonBody(16 * 1024), requireCsrf];
  router.post('/h5/teams/:name/tokens', ...post, async (ctx) => {
    const user = ctx.state.teamUser as WebUser;
    const body = (ctx.request as { body?: Record<string, unknown> }).body ?? {};
    try {
      const made = await deps.tokens.create(caller(user), { name: String(body.name ?? ''), scope: 'team', team: ctx.params.name });
      ctx.set('Cache-Control', 'no-store');
      await show(ctx, made.token);
    } catch (err) {
      if (!(err instanceof HarkError) || err.code === 'unavailable') throw err;
      flash.set(ctx, err.message, true);
      ctx.redirect(`/h5/teams/${encodeURIComponent(ctx.params.name)}`);
    }
  });
  router.post('/h5/teams/:name/tokens/:id/revoke', ...post, async (ctx) => {
    const user = ctx.state.teamUser as WebUser;
    const id = /^\d{1,15}$/.test(ctx.params.id) ? Number(ctx.params.id) : 0;
    const name = (await listApiTokens(deps.db)).find((t) => t.id === id)?.name ?? String(id);
    try {
      await deps.tokens.revoke(caller(user), id);
      flash.set(ctx, views.lang(ctx).t('team.token_revoked', { name }));
    } catch (err) {
      if (!(err instanceof HarkError) || err.code === 'unavailable') throw err;
      flash.set(ctx, err.message, true);
    }
    ctx.redirect(`/h5/teams/${encodeURIComponent(ctx.params.name)}`);
  });
  return router;
}
