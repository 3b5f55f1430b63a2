import Router from '@koa/router';
import type { Context } from 'koa';
import { HarkError } from '../../errors.ts';
import type { InsightQuery, InsightReport, Insights } from '../../insights/index.ts';
import { insightsCsv } from '../../insights/csv.ts';
import { requirePrincipal, type Authenticator } from './auth.ts';

/**
 * Insights (README "Insights"): GET /api/v1/insights?team=&source=&member=&severity=&from=&to=&window=
 * as JSON, GET /api/v1/insights.csv as CSV. Any reader; a team-scoped API token sees its own team only.
 */
export function insightsRouter(deps: { insights: Insights; authenticators: readonly Authenticator[] }): Router {
  const router = new Router();
  const readers = requirePrincipal(deps.authenticators, ['admin', 'responder', 'viewer']);
  const query = (ctx: Context): InsightQuery => {
    const one = (k: string): string | null => {
      const v = ctx.query[k];
      if (Array.isArray(v)) throw new HarkError('invalid', `${k}: give it once`);
      return v ? v : null;
    };
    const q: InsightQuery = {
      team: one('team'), source: one('source'), member: one('member'), severity: one('severity'),
      from: one('from'), to: one('to'), window: one('window'),
    };
    const p = ctx.state.principal;
    if (p?.kind === 'api_token' && p.scope === 'team') {
      if (q.team && q.team !== p.teamName) throw new HarkError('forbidden', `this token is for team ${p.teamName}, not ${q.team}`);
      q.team = p.teamName;
    }
    return q;
  };
  router.get('/api/v1/insights', readers, async (ctx) => {
    ctx.body = await deps.insights.report(query(ctx));
  });
  router.get('/api/v1/insights.csv', readers, async (ctx) => {
    sendInsightsCsv(ctx, await deps.insights.report(query(ctx)));
  });
  return router;
}

/** The CSV download of a report (the API's and the web app's /h5/insights.csv). */
export function sendInsightsCsv(ctx: Context, r: InsightReport): void {
  ctx.type = 'text/csv; charset=utf-8';
  ctx.set('Content-Disposition', `attachment; filename="hark-insights-${r.from.slice(0, 10)}-${r.to.slice(0, 10)}.csv"`);
  ctx.body = insightsCsv(r);
}
