import Router from '@koa/router';
import type { Kysely } from 'kysely';
import { HarkError } from '../../errors.ts';
import type { Clock } from '../../incident/ports.ts';
import { calendarFeed } from '../../schedule/ical.ts';
import type { ScheduleService } from '../../schedule/service.ts';
import type { DB } from '../../store/schema.ts';

/**
 * GET /ical/:token.ics: a schedule's or a member's shifts as an iCalendar feed. The secret token in
 * the URL is the only credential (calendar apps cannot send headers); a wrong one is a 404.
 */
export function calendarRouter(deps: { db: Kysely<DB>; schedules: ScheduleService; clock: Clock; publicUrl: string }): Router {
  const router = new Router();
  router.get('/ical/:file', async (ctx) => {
    const m = /^(.+)\.ics$/.exec(ctx.params.file);
    if (!m) throw new HarkError('not_found', 'no calendar at this address; copy the ical_url again from Hark');
    ctx.body = await calendarFeed(deps.db, deps.schedules, m[1], deps.clock.now(), deps.publicUrl);
    ctx.type = 'text/calendar; charset=utf-8';
    ctx.set('Cache-Control', 'private, max-age=300');
  });
  return router;
}
