import Router from '@koa/router';
import type { Context } from 'koa';
import { DateTime } from 'luxon';
import { HarkError } from '../../errors.ts';
import { jsonBody } from '../body.ts';
import type { Clock } from '../../incident/ports.ts';
import type { Member } from '../../incident/types.ts';
import type { ScheduleService } from '../../schedule/service.ts';
import { listSchedules, rosterByEmail, rosterPeople } from '../../store/schedule-repo.ts';
import { flashCookie } from './flash.ts';
import { requireFormCsrf, requireWebUser } from './web-forms.ts';
import type { WebAuth, WebUser } from '../../auth/web-auth.ts';
import { canAct } from '../../web/actions.ts';
import type { Templates } from '../../web/render.ts';

// The web app's schedule page (/h5/schedules): who is on call now per schedule, the next two weeks
// as a simple timeline, "my next shifts" with Give away, Take over, and my calendar's secret URL
// (shown to me only, with a button for a new one).
// Forms post back here with the session's CSRF token, as the incident pages do.

const DAY = 86_400_000;

export interface SchedulePageDeps {
  schedules: ScheduleService;
  auth: WebAuth;
  templates: Templates;
  clock: Clock;
  /** Signs the one-time flash cookie, as the incident pages do (same cookie, so either page shows it). */
  sessionSecret: string;
}


/** Take over as the web app does it (also the "finish what you started" of a press made before linking). */
export function webTakeOver(schedules: ScheduleService) {
  return async (member: Member, schedule: string): Promise<{ text: string; error?: boolean }> => {
    if (!canAct(member)) return { text: 'viewers cannot take over a shift; ask an admin to make you a responder', error: true };
    if (!member.email) return { text: `${member.name} has no email on the roster`, error: true };
    try {
      const r = await schedules.takeOver(schedule, member.email, { name: member.name, via: 'web' });
      if ('already' in r) return { text: `You are already the one on call for ${schedule}.` };
      return { text: `You are on call for ${schedule} until ${new Date(r.until).toISOString().slice(0, 16).replace('T', ' ')} UTC.` };
    } catch (err) {
      if (err instanceof HarkError && err.code !== 'unavailable') return { text: err.message, error: true };
      throw err;
    }
  };
}

export function createSchedulePageRouter(deps: SchedulePageDeps): Router {
  const router = new Router();
  const { templates: views, schedules } = deps;
  const takeOver = webTakeOver(schedules);

  const requireUser = requireWebUser(deps.auth, 'scheduleUser', '/h5/schedules');
  const requireCsrf = requireFormCsrf(deps.auth, 'scheduleUser');
  const flash = flashCookie(deps.sessionSecret, deps.auth.secure);
  const done = (ctx: Context, text: string, error = false) => {
    flash.set(ctx, text, error);
    ctx.redirect('/h5/schedules');
  };
  const takeFlash = flash.take;

  router.get('/h5/schedules', requireUser, async (ctx) => {
    const user = ctx.state.scheduleUser as WebUser;
    const me = user.member;
    const { t, lang } = views.lang(ctx);
    const now = deps.clock.now();
    const db = schedules.db;
    const all = await listSchedules(db);
    const items = [];
    const mine: { schedule: string; when: string; start: string; end: string }[] = [];
    for (const s of all) {
      const shifts = await schedules.shiftsOf(db, s, now, now + 14 * DAY);
      const o = await schedules.oncallOf(db, s, now);
      const roster = await rosterByEmail(db, [...shifts.map((x) => x.member), ...o.members, ...o.next]);
      const name = (e: string) => roster.get(e)?.name ?? e;
      const when = (a: number, b: number) => `${local(a, s.time_zone, lang)} – ${local(b, s.time_zone, lang)}`;
      items.push({
        name: s.name,
        timeZone: s.time_zone,
        now: o.members.map(name).join(', '),
        until: o.until === null ? null : local(o.until, s.time_zone, lang),
        next: o.next.map(name).join(', '),
        onCall: me.email !== null && o.members.includes(me.email),
        shifts: shifts.map((x) => ({ who: name(x.member), when: when(x.start, x.end), override: x.override, mine: x.member === me.email })),
      });
      for (const x of shifts) {
        if (x.member === me.email && x.end > now) {
          mine.push({ schedule: s.name, when: when(x.start, x.end), start: new Date(Math.max(x.start, now)).toISOString(), end: new Date(x.end).toISOString() });
        }
      }
    }
    const people = (await rosterPeople(db)).filter((p) => p.email !== me.email);
    views.render(ctx, 'schedules', {
      title: t('nav.schedules'),
      me,
      csrf: user.session.csrfToken,
      nav: 'schedules',
      flash: takeFlash(ctx),
      schedules: items,
      mine: mine.slice(0, 10),
      people,
      canAct: canAct(me),
      icalUrl: me.email ? await schedules.memberIcalUrl(me.email).catch(() => null) : null,
    });
  });

  const post = [requireUser, jsonBody(16 * 1024), requireCsrf];

  // A new secret address for my own calendar feed, when the old one was shared by mistake.
  router.post('/h5/schedules/ical/rotate', ...post, async (ctx) => {
    const me = (ctx.state.scheduleUser as WebUser).member;
    if (!me.email) return done(ctx, `${me.name} has no email on the roster`, true);
    await schedules.rotateMemberIcal(me.email);
    done(ctx, views.lang(ctx).t('sched.calendar_rotated'));
  });

  router.post('/h5/schedules/:name/take-over', ...post, async (ctx) => {
    const user = ctx.state.scheduleUser as WebUser;
    const r = await takeOver(user.member, ctx.params.name);
    done(ctx, r.text, r.error);
  });

  router.post('/h5/schedules/:name/give-away', ...post, async (ctx) => {
    const me = (ctx.state.scheduleUser as WebUser).member;
    const body = (ctx.request as { body?: Record<string, unknown> }).body ?? {};
    if (!canAct(me) || !me.email) return done(ctx, 'viewers cannot give away a shift', true);
    try {
      await schedules.addOverride(ctx.params.name, { member: body.to, start: body.start, end: body.end, replaces: me.email }, { name: me.name, via: 'web' });
      const to = (await rosterByEmail(schedules.db, [String(body.to ?? '')])).get(String(body.to ?? ''))?.name ?? String(body.to);
      done(ctx, `${to} covers your shift on ${ctx.params.name}.`);
    } catch (err) {
      if (err instanceof HarkError && err.code !== 'unavailable') return done(ctx, err.message, true);
      throw err;
    }
  });
  return router;
}

function local(ms: number, zone: string, lang: string): string {
  const t = DateTime.fromMillis(ms, { zone });
  return lang === 'zh' ? t.setLocale('zh-CN').toFormat('M月d日 ccc HH:mm') : t.setLocale('en-GB').toFormat('ccc d LLL HH:mm');
}
