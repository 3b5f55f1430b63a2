import { IANAZone } from 'luxon';
import { z } from 'zod';
import { sourceFieldsSchema } from '../alertmanager/settings.ts';
import { parseMatchers } from '../delivery/matchers.ts';
import { HarkError } from '../errors.ts';
import { policySchema } from '../escalation/policy.ts';
import { noisePatchSchema } from '../incident/noise-setting.ts';
import { SOURCE_NAME } from '../incident/source-service.ts';
import { MEMBER_ROLES, SEVERITIES, SOURCE_KINDS } from '../incident/types.ts';
import { parseWindowBody } from '../maintenance/service.ts';
import { scheduleSchema } from '../schedule/spec.ts';
import { warRoomSettingSchema } from '../warroom/setting-schema.ts';

// The configuration file (README "Teams and configuration as code", issue 24): teams, members,
// sources (routing, escalation, Alertmanager, heartbeat, war room, noise), schedules and
// maintenance windows (POST /api/v1/maintenance bodies, checked by parseWindowBody), with the
// same keys as the API bodies. The parts the API already validates are the API's own schemas
// (escalation: policySchema; schedules: scheduleSchema; Alertmanager, heartbeat and noise: the
// PATCH /api/v1/sources/:name schemas; route labels: the subscription matchers), so a file and the
// API accept exactly the same things. docs/hark.schema.json is generated from configSchema.

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;

const email = z.string().trim().toLowerCase().regex(EMAIL, { message: 'must be an email address such as alice@example.com' });
const zone = z.string().superRefine((s, ctx) => {
  if (!IANAZone.isValidZone(s)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${s}" is not an IANA time zone; use a name such as "Asia/Shanghai" or "Europe/Berlin"` });
});
const clock = z.string().regex(CLOCK, { message: 'must be a time of day as HH:MM, e.g. "09:00"' });
/** A group: its chat_id (oc_…) or its exact name, resolved against the groups Hark is in. */
const chatRef = z.string().trim().min(1, { message: 'must be a group\'s exact name or its chat_id (oc_…)' }).max(200);
/** The name of an environment variable holding a secret (never the secret itself). */
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, { message: 'must be the name of an environment variable such as HARK_TOKEN_PAYMENTS (the secret itself never goes in the file)' });
export const TEAM_NAME = /^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$/;

const teamSchema = z
  .object({
    name: z.string().regex(TEAM_NAME, { message: 'must be a slug: 1-64 lowercase letters, digits, "-" or "_"' }),
    time_zone: zone.default('UTC'),
    home_chat: chatRef.optional(),
    open_to_all_responders: z.boolean().default(false),
    members: z
      .array(z.object({ email, role: z.enum(['lead', 'member']).default('member') }).strict())
      .default([]),
    work: z.object({ days: z.array(z.enum(DAYS)).min(1), from: clock, to: clock }).strict().optional(),
    sleep: z.object({ from: clock, to: clock }).strict().optional(),
    report: z.object({ day: z.enum(DAYS), at: clock }).strict().nullable().optional(),
  })
  .strict();

const memberSchema = z
  .object({
    name: z.string().trim().min(1, { message: 'must not be empty' }).max(200),
    email,
    role: z.enum(MEMBER_ROLES),
    time_zone: zone.optional(),
  })
  .strict();

const labelsSchema = z
  .union([z.record(z.string(), z.string()), z.array(z.string())])
  .superRefine((labels, ctx) => {
    try {
      parseMatchers(labels);
    } catch (err) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: err instanceof HarkError ? err.message : String(err) });
    }
  });

const routeSchema = z
  .object({
    chat: chatRef,
    min_severity: z.enum(SEVERITIES).default('info'),
    labels: labelsSchema.optional(),
  })
  .strict();

const am = sourceFieldsSchema.shape;
const noise = noisePatchSchema.shape;

const sourceSchema = z
  .object({
    name: z.string().regex(SOURCE_NAME, { message: 'must be a slug: 1-64 lowercase letters, digits, "-" or "_"' }),
    kind: z.enum(SOURCE_KINDS),
    team: z.string().optional(),
    token_env: envName.optional(),
    routes: z.array(routeSchema).default([]),
    escalation: policySchema.optional(),
    alertmanager: z
      .object({ url: am.alertmanager_url.unwrap().unwrap(), token_env: envName.optional() })
      .strict()
      .optional(),
    heartbeat_minutes: am.heartbeat_minutes.unwrap().unwrap().optional(),
    silence_labels: am.silence_labels.unwrap().unwrap().optional(),
    war_room: warRoomSettingSchema.optional(),
    flap: noise.flap.unwrap().unwrap().optional(),
    reopen_minutes: noise.reopen_minutes.unwrap().unwrap().optional(),
  })
  .strict();

const scheduleFileSchema = scheduleSchema
  .extend({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/i, { message: 'must be a schedule name: letters, digits, ".", "_" or "-" (at most 64)' }),
    team: z.string().optional(),
  })
  .strict();

/** A window's name in plans and duplicate checks: its source and reason ("payments-am (weekly deploy)"). */
export const windowName = (source: string, reason?: string | null): string => (reason?.trim() ? `${source} (${reason.trim()})` : source);

/**
 * A maintenance window: the body of POST /api/v1/maintenance, checked by the API's own
 * parseWindowBody (its messages start with the field, which becomes the position). A one-off
 * window needs `start` here, so that applying the file twice means the same window.
 */
const windowSchema = z
  .object({
    source: z.string().regex(SOURCE_NAME, { message: 'must be the name of a source' }),
    labels: labelsSchema.optional(),
    start: z.union([z.string(), z.number()]).optional(),
    end: z.union([z.string(), z.number()]).optional(),
    duration: z.string().optional(),
    recurring: z.object({ days: z.array(z.enum(DAYS)).min(1), from: clock, to: clock, time_zone: zone }).strict().optional(),
    reason: z.string().max(200).optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    if (!w.recurring && w.start === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['start'], message: 'a one-off window in the file needs start (e.g. "2026-12-08T22:00:00+08:00") so that every apply means the same window; or use recurring' });
      return;
    }
    try {
      parseWindowBody(w, Number.NEGATIVE_INFINITY);
    } catch (err) {
      const m = err instanceof HarkError ? /^([a-z_.]+): ([\s\S]*)$/.exec(err.message) : null;
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: m ? m[1].split('.') : [], message: m ? m[2] : String(err instanceof Error ? err.message : err) });
    }
  });

export const configSchema = z
  .object({
    teams: z.array(teamSchema).default([]),
    members: z.array(memberSchema).default([]),
    sources: z.array(sourceSchema).default([]),
    schedules: z.array(scheduleFileSchema).default([]),
    maintenance: z.array(windowSchema).default([]),
  })
  .strict();

export type ConfigFile = z.output<typeof configSchema>;
export type TeamEntry = ConfigFile['teams'][number];
export type MemberEntry = ConfigFile['members'][number];
export type SourceEntry = ConfigFile['sources'][number];
export type ScheduleEntry = ConfigFile['schedules'][number];
export type WindowEntry = ConfigFile['maintenance'][number];
/** The top-level lists, in the order they are shown and applied. */
export const KINDS = ['teams', 'members', 'sources', 'schedules', 'maintenance'] as const;
