import type { Kysely } from 'kysely';
import { z } from 'zod';
import { HarkError } from '../errors.ts';
import { parseOrThrow } from '../incident/validate.ts';
import { heartbeatDue, settingsById, updateSettings, type SettingsChange, type SourceSettings } from '../store/alertmanager-repo.ts';
import type { DB } from '../store/schema.ts';
import type { HeartbeatService } from './heartbeats.ts';
import type { SourceSetting } from '../incident/source-setting.ts';
import { SILENCEABLE_KINDS } from './silenceable.ts';
import { hasCredentials, redactUrl } from '../redact.ts';

// PATCH /api/v1/sources/:name {alertmanager_url?, alertmanager_token?, heartbeat_minutes?,
// silence_labels?}: where the source's silences go, its heartbeat timeout, and the labels every
// silence must match on (default ["alertname"]). Each field is optional; null clears it.

export const MAX_HEARTBEAT_MINUTES = 7 * 24 * 60;
const FIELDS = ['alertmanager_url', 'alertmanager_token', 'heartbeat_minutes', 'silence_labels'];

/** The fields themselves (the configuration file reuses them: src/config-file/schema.ts). */
export const sourceFieldsSchema = z.object({
    alertmanager_url: z
      .string()
      .trim()
      .max(2048, { message: 'must be at most 2048 characters' })
      .refine((u) => /^https?:\/\/[^\s/?#]+[^\s?#]*$/i.test(u), {
        message: 'must be the http(s) base URL of Alertmanager (e.g. "http://alertmanager:9093") or of Grafana\'s (e.g. "https://grafana.example.com/api/alertmanager/grafana"), without query or fragment',
      })
      // Credentials in the URL would be shown wherever the URL is (the view, error texts); the
      // token field is the one place for a secret, and is never shown back (issue 29).
      .refine((u) => !hasCredentials(u), {
        message: 'must not contain a user name or password (they would be shown back); put the credential in alertmanager_token, which Hark sends as "Authorization: Bearer" and never shows',
      })
      .nullable()
      .optional(),
    alertmanager_token: z
      .string()
      .min(1, { message: 'must not be empty; use null to remove it' })
      .max(4096, { message: 'must be at most 4096 characters' })
      .refine((t) => !/\s/.test(t), { message: 'must not contain spaces or line breaks' })
      .nullable()
      .optional(),
    heartbeat_minutes: z
      .number()
      .finite()
      .min(0, { message: 'must not be negative (0 or null turns the heartbeat off)' })
      .max(MAX_HEARTBEAT_MINUTES, { message: `must be at most ${MAX_HEARTBEAT_MINUTES} (one week)` })
      // Whole minutes: 0.01 would open a paging incident every 0.6 s (issue 29).
      .refine((m) => Number.isInteger(m), { message: 'must be a whole number of minutes, at least 1 (0 or null turns the heartbeat off)' })
      .nullable()
      .optional(),
    silence_labels: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, { message: 'each must be a Prometheus label name, e.g. "alertname"' }), {
        message: 'must be a list of label names, e.g. ["alertname", "instance"]',
      })
      .min(1, { message: 'must name at least one label (a silence on no required label could cover a whole environment); null restores ["alertname"]' })
      .max(20, { message: 'must name at most 20 labels' })
      .nullable()
      .optional(),
  });

export const sourcePatchSchema = sourceFieldsSchema
  .passthrough()
  .superRefine((b, ctx) => {
    for (const k of Object.keys(b)) {
      if (!FIELDS.includes(k)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [k], message: `is not a field of a source; this route takes ${FIELDS.join(', ')}` });
      }
    }
    if (Object.keys(b).length === 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `nothing to change: send at least one of ${FIELDS.join(', ')}` });
    }
  });

export type SourcePatch = z.output<typeof sourcePatchSchema>;

export interface SourceSettingsView {
  name: string;
  kind: string;
  alertmanager_url: string | null;
  alertmanager_token_set: boolean;
  heartbeat_minutes: number | null;
  heartbeat_last_ping: string | null;
  heartbeat_next_check: string | null;
  silence_labels: readonly string[];
}

export async function settingsView(db: Kysely<DB>, s: SourceSettings): Promise<SourceSettingsView> {
  const due = s.heartbeatMinutes ? await heartbeatDue(db, s.sourceId) : null;
  return {
    name: s.name,
    kind: s.kind,
    // A URL stored before credentials were refused is shown without them.
    alertmanager_url: s.alertmanagerUrl === null ? null : redactUrl(s.alertmanagerUrl),
    alertmanager_token_set: s.alertmanagerToken !== null,
    heartbeat_minutes: s.heartbeatMinutes,
    heartbeat_last_ping: s.heartbeatAt === null ? null : new Date(s.heartbeatAt).toISOString(),
    heartbeat_next_check: due === null ? null : new Date(due).toISOString(),
    silence_labels: s.silenceLabels,
  };
}

/**
 * The `alertmanager_url`, `alertmanager_token`, `heartbeat_minutes` and `silence_labels` keys of
 * `PATCH /api/v1/sources/:name`; the heartbeat timer moves in the same transaction as the change.
 */
export function alertmanagerSourceSetting(
  db: Kysely<DB>,
  heartbeats: Pick<HeartbeatService, 'configured'>,
): SourceSetting<SourcePatch> {
  return {
    keys: FIELDS,
    parse: (part) => parseOrThrow(sourcePatchSchema, part),
    async apply(source, patch) {
      const found = await settingsById(db, source.id);
      if (!found) throw new HarkError('not_found', `no source named "${source.name}"; create it with POST /api/v1/sources`);
      if (patch.alertmanager_url && !SILENCEABLE_KINDS.includes(found.kind)) {
        throw new HarkError(
          'invalid',
          `alertmanager_url: source ${found.name} is of kind ${found.kind}; only alertmanager and grafana sources have an Alertmanager to silence at`,
        );
      }
      const change: SettingsChange = {};
      if (patch.alertmanager_url !== undefined) change.alertmanagerUrl = patch.alertmanager_url ? patch.alertmanager_url.replace(/\/+$/, '') : null;
      if (patch.alertmanager_token !== undefined) change.alertmanagerToken = patch.alertmanager_token;
      if (patch.heartbeat_minutes !== undefined) change.heartbeatMinutes = patch.heartbeat_minutes || null;
      if (patch.silence_labels !== undefined) change.silenceLabels = patch.silence_labels === null ? null : [...new Set(patch.silence_labels)];
      await db.transaction().execute(async (trx) => {
        await updateSettings(trx, found.sourceId, change);
        const s = (await settingsById(trx, found.sourceId))!;
        if (change.heartbeatMinutes !== undefined) await heartbeats.configured(trx, s);
      });
    },
    async view(source) {
      const s = await settingsById(db, source.id);
      return s ? { ...(await settingsView(db, s)) } : {};
    },
  };
}
