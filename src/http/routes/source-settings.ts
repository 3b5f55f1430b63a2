import Router from '@koa/router';
import { z } from 'zod';
import { HarkError } from '../../errors.ts';
import type { Source } from '../../incident/types.ts';
import { parseOrThrow } from '../../incident/validate.ts';
import { jsonBody } from '../body.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../../store/schema.ts';
import { requirePrincipal, type Authenticator } from './auth.ts';
import { bySource, itself, manage } from './manage.ts';
import { sourceJson } from './json.ts';
import type { SourceSetting } from '../../incident/source-setting.ts';

export type { SourceSetting } from '../../incident/source-setting.ts';

/** PATCH /api/v1/sources/:name {<key>: …}: changes only the keys given; answers the source with every setting. */
export function sourceSettingsRouter(deps: {
  settings: readonly SourceSetting<any>[];
  findSource: (name: string) => Promise<Source | null>;
  authenticators: readonly Authenticator[];
  /** Team ownership and managed objects (issue 24). */
  db: Kysely<DB>;
}): Router {
  const router = new Router();
  const admins = [
    requirePrincipal(deps.authenticators, ['admin'], { teams: true }),
    manage(deps.db, bySource(deps.db), { need: 'lead', teamless: 'admin', managed: itself }),
  ];
  const keys = deps.settings.flatMap((s) => s.keys);

  router.patch('/api/v1/sources/:name', ...admins, jsonBody(16 * 1024), async (ctx) => {
    const body = parseOrThrow(z.record(z.string(), z.unknown()), ctx.request.body ?? {});
    const unknown = Object.keys(body).filter((k) => !keys.includes(k));
    if (unknown.length) throw new HarkError('invalid', `${unknown[0]}: is not a field of a source; this route takes ${keys.join(', ')}`);
    if (!Object.keys(body).length) throw new HarkError('invalid', `body: nothing to change: send at least one of ${keys.join(', ')}`);
    const source = await deps.findSource(ctx.params.name);
    if (!source) throw new HarkError('not_found', `no source named "${ctx.params.name}"; create it with POST /api/v1/sources`);
    // Validate every part before changing any, so a bad one changes nothing.
    const parsed = deps.settings
      .filter((s) => s.keys.some((k) => k in body))
      .map((s) => ({ s, value: s.parse(Object.fromEntries(s.keys.filter((k) => k in body).map((k) => [k, body[k]]))) }));
    for (const { s, value } of parsed) await s.apply(source, value);
    let answer: Record<string, unknown> = sourceJson(source);
    for (const s of deps.settings) answer = { ...answer, ...(await s.view(source)) };
    ctx.body = answer;
  });
  return router;
}
