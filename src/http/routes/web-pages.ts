import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { HarkError } from '../../errors.ts';
import type { Clock } from '../../incident/ports.ts';
import type { Member } from '../../incident/types.ts';
import { jsonBody } from '../body.ts';
import { flashCookie } from './flash.ts';
import type { MemberLinks } from '../../auth/linking.ts';
import type { PendingActions } from '../../auth/pending-actions.ts';
import { CSRF_FIELD, type WebAuth, type WebUser } from '../../auth/web-auth.ts';
import { canAct, isWebOp, performAction, type WebIncidents, type WebWarRooms } from '../../web/actions.ts';
import { CSS, type PageData, type Templates } from '../../web/render.ts';
import { formatTime, incidentView, listItem, pendingView, type Fmt } from '../../web/view-models.ts';
import { NOTE_MAX, noteText, type Paging } from '../../paging/index.ts';
import { refusalOf, refusalText } from '../../teams/access.ts';
import { TITLE_MAX } from '../../incident/declare.ts';

export const SNOOZE_PRESETS = ['30m', '1h', '2h', '4h', '1d'] as const;
const IN_LARK = /\b(Lark|Feishu)\//i;

export interface PageDeps {
  incidents: WebIncidents;
  pending: PendingActions;
  links: MemberLinks;
  auth: WebAuth;
  templates: Templates;
  clock: Clock;
  timeZone: string;
  sessionSecret: string;
  /** Finishes a remembered Take over (the schedules' web routes). */
  takeOver: (member: Member, schedule: string) => Promise<{ text: string; error?: boolean }>;
  /** Notes from the incident page (issue 14). */
  paging: Pick<Paging, 'note'>;
  warRooms: WebWarRooms;
  /** The Declare form (issue 25): the sources to offer and the declaration itself. */
  declare: {
    sources(): Promise<string[]>;
    open(source: string, req: { title: string; severity: unknown; description: string | null; actor: { id: number; name: string; via: 'web' } }): Promise<number>;
  };
}

type Web = { user: WebUser; fmt: Fmt; page(view: string, data: PageData, status?: number): void };

/** The web app inside Lark: /h5 (incidents), /h5/incidents/:id, /h5/me, pending actions. */
export function createPageRouter(deps: PageDeps): Router {
  const router = new Router();
  const flash = flashCookie(deps.sessionSecret, deps.auth.secure);
  const { templates } = deps;

  const setFlash = flash.set;
  const takeFlash = flash.take;

  /** Pages need a logged-in person; otherwise the login page (or, inside Lark, straight to login). */
  const requireUser = async (ctx: Context, next: Next) => {
    const user = await deps.auth.user(ctx);
    if (!user) {
      const loginUrl = `/auth/lark/login?next=${encodeURIComponent(ctx.originalUrl)}`;
      if (ctx.method === 'GET' && IN_LARK.test(ctx.get('user-agent'))) return ctx.redirect(loginUrl);
      const { t } = templates.lang(ctx);
      return templates.render(ctx, 'login', { title: t('login.title'), loginUrl: ctx.method === 'GET' ? loginUrl : '/auth/lark/login' }, 401);
    }
    const { lang, t } = templates.lang(ctx);
    const fmt: Fmt = { t, lang, now: deps.clock.now(), timeZone: deps.timeZone };
    const flash = ctx.method === 'GET' ? takeFlash(ctx) : null;
    const web: Web = {
      user,
      fmt,
      page: (view, data, status) => templates.render(ctx, view, { me: user.member, csrf: user.session.csrfToken, flash, ...data }, status),
    };
    ctx.state.web = web;
    await next();
  };

  /** Every POST from the web app carries the session's CSRF token in a hidden field. */
  const requireCsrf = async (ctx: Context, next: Next) => {
    const web = ctx.state.web as Web;
    const token = (ctx.request as { body?: Record<string, unknown> }).body?.[CSRF_FIELD];
    if (!deps.auth.csrfOk(web.user, token)) {
      ctx.state.log?.warn({ memberId: web.user.member.id, path: ctx.path }, 'web form refused: CSRF token missing or wrong');
      return templates.message(ctx, 403, web.fmt.t('error.title'), web.fmt.t('error.csrf'), null, web.user.member);
    }
    await next();
  };

  /** HarkErrors become pages; anything else a 500 page quoting the request id. */
  const pageErrors = async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      const { t } = templates.lang(ctx);
      const me = (ctx.state.web as Web | undefined)?.user.member ?? null;
      if (err instanceof HarkError) {
        const status = err.code === 'not_found' ? 404 : err.code === 'forbidden' ? 403 : err.code === 'unavailable' ? 503 : 400;
        return templates.message(ctx, status, t('error.title'), err.message, null, me);
      }
      ctx.state.log?.error({ err }, 'web page failed');
      templates.message(ctx, 500, t('error.title'), `internal error; quote request id ${ctx.response.get('x-request-id')}`, null, me);
    }
  };

  const post = [pageErrors, jsonBody(64 * 1024), requireUser, requireCsrf];

  router.get('/h5/static/app.css', (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = CSS;
  });

  router.get('/h5', pageErrors, requireUser, async (ctx) => {
    const web = ctx.state.web as Web;
    const me = web.user.member;
    const { items } = await deps.incidents.list({ status: 'open', limit: 200 });
    const mine = items.filter((s) => s.incident.ackedBy?.id === me.id);
    const tab = ctx.query.tab === 'mine' ? 'mine' : 'all';
    web.page('list', {
      title: web.fmt.t('nav.incidents'),
      nav: 'incidents',
      tab,
      counts: { mine: mine.length, all: items.length },
      items: (tab === 'mine' ? mine : items).map((s) => listItem(s, web.fmt)),
      pending: await pendingFor(web),
    });
  });

  // Declare an incident by hand (issue 25): a form, then the incident's page with a flash.
  router.get('/h5/declare', pageErrors, requireUser, async (ctx) => {
    const web = ctx.state.web as Web;
    if (!canAct(web.user.member)) throw new HarkError('forbidden', web.fmt.t('error.viewer'));
    web.page('declare', { title: web.fmt.t('declare.title'), nav: 'incidents', sources: await deps.declare.sources(), titleMax: TITLE_MAX });
  });

  router.post('/h5/declare', ...post, async (ctx) => {
    const web = ctx.state.web as Web;
    const me = web.user.member;
    if (!canAct(me)) throw new HarkError('forbidden', web.fmt.t('error.viewer'));
    const body = (ctx.request as { body?: Record<string, unknown> }).body ?? {};
    const source = String(body.source ?? '');
    const description = typeof body.description === 'string' && body.description.trim() ? body.description : null;
    const n = await deps.declare.open(source, { title: String(body.title ?? ''), severity: body.severity || null, description, actor: { id: me.id, name: me.name, via: 'web' } });
    setFlash(ctx, web.fmt.t('declare.done').replaceAll('{n}', String(n)).replaceAll('{source}', source), false);
    ctx.redirect(`/h5/incidents/${n}`);
  });

  router.get('/h5/incidents/:id', pageErrors, requireUser, async (ctx) => {
    const web = ctx.state.web as Web;
    const number = parseNumber(ctx.params.id);
    const detail = await deps.incidents.get(number);
    web.page('incident', {
      title: `#${number} ${detail.incident.title}`,
      nav: 'incidents',
      inc: incidentView(detail, web.fmt),
      canAct: canAct(web.user.member),
      snoozePresets: SNOOZE_PRESETS,
      canNote: canAct(web.user.member),
      noteMax: NOTE_MAX,
      warRoom: await deps.warRooms.find(number),
      canOpenRoom: detail.incident.status !== 'resolved',
    });
  });

  // A note from the incident page: on the timeline with its author, and on the card.
  router.post('/h5/incidents/:id/note', ...post, async (ctx) => {
    const web = ctx.state.web as Web;
    const number = parseNumber(ctx.params.id);
    if (!canAct(web.user.member)) {
      setFlash(ctx, web.fmt.t('error.viewer'), true);
      return ctx.redirect(`/h5/incidents/${number}`);
    }
    const text = String((ctx.request as { body?: Record<string, unknown> }).body?.text ?? '');
    const m = web.user.member;
    const o = await deps.paging.note(number, text, { id: m.id, name: m.name, via: 'web' }).catch((err: unknown) => {
      const refused = refusalOf(err);
      if (!refused) throw err;
      return { kind: 'refused' as const, text: refusalText(refused) };
    });
    if (o.kind === 'refused') {
      setFlash(ctx, web.fmt.lang === 'zh' ? o.text.zh : o.text.en, true);
      return ctx.redirect(`/h5/incidents/${number}`);
    }
    if (o.kind === 'not_found') throw new HarkError('not_found', `no incident ${number}`);
    const said = noteText(number, o, m.name);
    setFlash(ctx, web.fmt.lang === 'zh' ? said.zh : said.en, o.kind !== 'noted');
    ctx.redirect(`/h5/incidents/${number}`);
  });

  // Before the generic action route below, which knows only the incident operations.
  router.post('/h5/incidents/:id/room', ...post, async (ctx) => {
    const web = ctx.state.web as Web;
    const number = parseNumber(ctx.params.id);
    const me = web.user.member;
    if (!canAct(me)) throw new HarkError('forbidden', 'viewers cannot open war rooms; ask an admin to make you a responder');
    await deps.warRooms.open(number, { openId: me.openId, name: me.name, memberId: me.id, via: 'web' });
    ctx.redirect(`/h5/incidents/${number}`);
  });

  router.post('/h5/incidents/:id/:op', ...post, async (ctx) => {
    const web = ctx.state.web as Web;
    const number = parseNumber(ctx.params.id);
    const op = ctx.params.op;
    if (!isWebOp(op)) throw new HarkError('not_found', `no action ${op}`);
    const body = (ctx.request as { body?: Record<string, unknown> }).body ?? {};
    const duration = op === 'snooze' ? String(body.duration ?? '') : undefined;
    await act(ctx, web, op, number, duration);
    ctx.redirect(`/h5/incidents/${number}`);
  });

  router.get('/h5/me', pageErrors, requireUser, async (ctx) => {
    const web = ctx.state.web as Web;
    const m = web.user.member;
    web.page('me', {
      title: web.fmt.t('me.title'),
      nav: 'me',
      linkedSince: m.linkedAt ? web.fmt.t('me.linked_since', { time: formatTime(m.linkedAt, web.fmt) }) : null,
      pending: await pendingFor(web),
    });
  });

  // Unlinking yourself ends every session you have (this one included): you are logged out and a
  // new Lark login relinks by email.
  router.post('/h5/me/unlink', ...post, async (ctx) => {
    const web = ctx.state.web as Web;
    await deps.links.unlink(web.user.member.id);
    await deps.auth.end(ctx);
    ctx.state.log?.info({ memberId: web.user.member.id }, 'member unlinked their Lark account');
    templates.message(ctx, 200, web.fmt.t('loggedout.title'), web.fmt.t('loggedout.unlinked'), '/auth/lark/login?next=%2Fh5');
  });

  router.post('/h5/pending/:id/:what', ...post, async (ctx) => {
    const web = ctx.state.web as Web;
    const openId = web.user.member.openId!;
    const id = parseNumber(ctx.params.id);
    const what = ctx.params.what;
    if (what !== 'finish' && what !== 'discard') throw new HarkError('not_found', `no pending-action step ${what}`);
    const action = await deps.pending.get(openId, id);
    if (!action) {
      setFlash(ctx, web.fmt.t('pending.gone'), true);
      return ctx.redirect('/h5');
    }
    if (what === 'discard') {
      await deps.pending.discard(openId, id);
      return ctx.redirect('/h5');
    }
    if (!canAct(web.user.member)) {
      setFlash(ctx, web.fmt.t('error.viewer'), true);
      return ctx.redirect(`/h5/incidents/${action.incident}`);
    }
    // Taken before acting, so a double tap performs the action once.
    if (!(await deps.pending.complete(openId, id))) {
      setFlash(ctx, web.fmt.t('pending.gone'), true);
      return ctx.redirect('/h5');
    }
    if (action.op === 'take_over') {
      const r = await deps.takeOver(web.user.member, action.schedule ?? '');
      setFlash(ctx, r.text, r.error);
      return ctx.redirect('/h5/schedules');
    }
    await act(ctx, web, action.op, action.incident, action.duration);
    ctx.redirect(`/h5/incidents/${action.incident}`);
  });

  async function act(ctx: Context, web: Web, op: Parameters<typeof performAction>[2], number: number, duration?: string) {
    try {
      const r = await performAction(deps.incidents, web.user.member, op, number, duration);
      setFlash(ctx, r.message);
    } catch (err) {
      if (!(err instanceof HarkError) || err.code === 'unavailable') throw err;
      // Outside the incident's team (issue 24): the refusal names the team and who is on call for it.
      const refused = refusalOf(err);
      setFlash(ctx, refused ? refusalText(refused)[web.fmt.lang === 'zh' ? 'zh' : 'en'] : err.code === 'forbidden' ? web.fmt.t('error.viewer') : err.message, true);
    }
  }

  async function pendingFor(web: Web) {
    const openId = web.user.member.openId;
    if (!openId) return [];
    return (await deps.pending.listFor(openId)).map((p) => pendingView(p, web.fmt.t));
  }

  return router;
}

function parseNumber(raw: string | undefined): number {
  const n = Number(String(raw ?? '').replace(/^#/, ''));
  if (!Number.isSafeInteger(n) || n <= 0) throw new HarkError('not_found', `no incident ${raw}`);
  return n;
}

