import Router from '@koa/router';
import type { Kysely } from 'kysely';
import { HarkError } from '../../errors.ts';
import type { Clock } from '../../incident/ports.ts';
import type { Logger } from '../../log.ts';
import { CalendarFeeds } from '../../schedule/ical.ts';
import type { ScheduleService } from '../../schedule/service.ts';
import type { SharedState } from '../../state/index.ts';
import type { DB } from '../../store/schema.ts';

/** Requests per feed token and minute (issue 29, item 9); calendar apps refresh every few hours. */
export const FEED_REQUESTS_PER_MINUTE = 30;

/**
 * GET /ical/:token.ics: a schedule's or a member's shifts as an iCalendar feed. The secret token in
 * the URL is the only credential (calendar apps cannot send headers); a wrong one is a 404. Each
 * token may be fetched FEED_REQUESTS_PER_MINUTE times a minute (counted in the shared state, so
 * across replicas); past that 429 with Retry-After. Feeds are cached (CalendarFeeds).
 */
export function calendarRouter(deps: {
  db: Kysely<DB>;
  schedules: ScheduleService;
  clock: Clock;
  publicUrl: string;
  state: SharedState;
  logger: Logger;
  perMinute?: number;
}): Router {
  const router = new Router();
  const feeds = new CalendarFeeds({ db: deps.db, schedules: deps.schedules, clock: deps.clock, publicUrl: deps.publicUrl });
  const perMinute = deps.perMinute ?? FEED_REQUESTS_PER_MINUTE;
  const limiter = deps.state.rateLimiter({ name: 'ical', points: perMinute, durationMs: 60_000 });
  router.get('/ical/:file', async (ctx) => {
    const m = /^(.+)\.ics$/.exec(ctx.params.file);
    if (!m) throw new HarkError('not_found', 'no calendar at this address; copy the ical_url again from Hark');
    const token = m[1].slice(0, 64);
    // A store that fails lets the request through: the feed is cached, and calendars keep working.
    const rate = await limiter.consume(token).catch((err: unknown) => {
      deps.logger.warn({ err }, 'calendar feed rate limit unavailable; serving the feed');
      return null;
    });
    if (rate && !rate.allowed) {
      const seconds = Math.max(1, Math.ceil(rate.msBeforeNext / 1000));
      ctx.status = 429;
      ctx.set('Retry-After', String(seconds));
      ctx.body = {
        error: {
          code: 'rate_limited',
          message: `this calendar was fetched more than ${perMinute} times in a minute; try again in ${seconds} s (calendar apps refresh every few hours)`,
        },
      };
      return;
    }
    ctx.body = await feeds.text(m[1]);
    ctx.type = 'text/calendar; charset=utf-8';
    ctx.set('Cache-Control', 'private, max-age=300');
  });
  return router;
}
