import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { Kysely } from 'kysely';
import { HarkError } from '../../errors.ts';
import type { InsightQuery, Insights } from '../../insights/index.ts';
import { reportCharts, shortDuration } from '../../render/insights.ts';
import type { DB } from '../../store/schema.ts';
import { listMembers } from '../../store/member-repo.ts';
import { listSources } from '../../store/source-repo.ts';
import { listTeams } from '../../store/team-repo.ts';
import type { WebAuth } from '../../auth/web-auth.ts';
import type { Templates } from '../../web/render.ts';
import { sendInsightsCsv } from './insights.ts';
import { requireWebUser } from './web-forms.ts';

// The insights page of the web app (/h5/insights, issue 27, README "Insights"): the figures of
// GET /api/v1/insights for any signed-in member, filtered by a GET form (team, source, person,
// window), with the weekly card's two charts drawn in the browser by VChart, which Hark serves
// itself from its node_modules (no CDN), and the same figures as CSV at /h5/insights.csv.

export interface InsightsPageDeps {
  db: Kysely<DB>;
  insights: Insights;
  auth: WebAuth;
  templates: Templates;
}

const WINDOWS = ['7d', '30d', '90d'] as const;
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'static', 'insights.js');
let vchartFile: string | null = null;
const vchartPath = () => (vchartFile ??= createRequire(import.meta.url).resolve('@visactor/vchart/build/index.min.js'));

export function createInsightsPageRouter(deps: InsightsPageDeps): Router {
  const router = new Router();
  const views = deps.templates;
  const requireUser = requireWebUser(deps.auth, 'insightsUser');

  const query = (ctx: Context): InsightQuery & { window: string } => {
    const one = (k: string): string | null => {
      const v = ctx.query[k];
      return typeof v === 'string' && v.trim() ? v.trim() : null;
    };
    const window = one('window') ?? '7d';
    if (!(WINDOWS as readonly string[]).includes(window)) throw new HarkError('invalid', `window: "${window}" is not one of ${WINDOWS.join(', ')}`);
    return { team: one('team'), source: one('source'), member: one('member'), window };
  };
  /** The page's own errors (an unknown team, a bad window) as a page that names them. */
  const pageErrors = async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      if (!(err instanceof HarkError)) throw err;
      const { t } = views.lang(ctx);
      const status = err.code === 'not_found' ? 404 : err.code === 'invalid' ? 400 : 403;
      views.message(ctx, status, t('error.title'), err.message, '/h5/insights', ctx.state.insightsUser?.member ?? null);
    }
  };

  router.get('/h5/insights', requireUser, pageErrors, async (ctx) => {
    const me = ctx.state.insightsUser.member;
    const q = query(ctx);
    const [r, teams, sources, members] = await Promise.all([deps.insights.report(q), listTeams(deps.db), listSources(deps.db), listMembers(deps.db)]);
    const charts = reportCharts(r.series);
    const params = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);
    views.render(ctx, 'insights', {
      title: 'Insights',
      me,
      nav: 'insights',
      scripts: true,
      q,
      r,
      windows: WINDOWS,
      teams: teams.map((t) => t.name),
      sources: sources.map((s) => s.name),
      people: members.filter((m) => m.email).map((m) => ({ name: m.name, email: m.email! })),
      dur: shortDuration,
      pct,
      delta: (now: number, before: number) => (now === before ? '±0' : now > before ? `+${now - before}` : `−${before - now}`),
      charts: JSON.stringify(charts),
      csvUrl: `/h5/insights.csv?${params.toString()}`,
    });
  });

  router.get('/h5/insights.csv', requireUser, pageErrors, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    sendInsightsCsv(ctx, await deps.insights.report(query(ctx)));
  });

  // VChart (the 1.12 line Lark draws card charts with) and the page's own script, same origin.
  router.get('/h5/static/vchart.js', (ctx) => {
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = fs.createReadStream(vchartPath());
  });
  router.get('/h5/static/insights.js', (ctx) => {
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = fs.createReadStream(SCRIPT);
  });
  return router;
}
