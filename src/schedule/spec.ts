import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import type { Layer, Restriction, Step } from './types.ts';

// The schedule as the API takes it (PUT /api/v1/schedules/:name, README "Schedules"), validated
// with zod so that a refusal names the field and the fix, and turned into the engine's model.
// Members are checked against the roster by the caller (it needs the database).

export const MAX_LAYERS = 10;
export const MAX_MEMBERS = 100;
export const MAX_RESTRICTIONS = 14;
/** A rotation longer than eight weeks is almost certainly a typo. */
export const MAX_STEP_HOURS = 8 * 7 * 24;

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const clock = (what: string, allow24 = false) =>
  z.string({ invalid_type_error: `must be a time of day such as "09:00"` }).superRefine((s, ctx) => {
    if (parseClock(s, allow24) === null) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `"${s}" is not a time of day; write ${what} as HH:MM from 00:00 to ${allow24 ? '24:00' : '23:59'}`,
      });
    }
  });

/** "09:30" → 570 minutes; "24:00" only when allowed (the end of a restriction); null when not a time. */
export function parseClock(s: string, allow24 = false): number | null {
  const m = /^([01]?\d|2[0-4]):([0-5]\d)$/.exec(s.trim());
  if (!m) return null;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (minutes > 1440 || (minutes === 1440 && !allow24)) return null;
  return minutes;
}

/** "1d", "1w", "8h", "2 weeks" → a step; null when not one. */
export function parseStep(s: string): Step | null {
  const m = /^\s*(\d{1,4})\s*(h|hours?|d|days?|w|weeks?)\s*$/i.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2][0].toLowerCase() as Step['unit'];
  const hours = n * (unit === 'h' ? 1 : unit === 'd' ? 24 : 168);
  if (n < 1 || hours > MAX_STEP_HOURS) return null;
  return { unit, n };
}

const email = z
  .string({ invalid_type_error: 'must be a member email address' })
  .trim()
  .toLowerCase()
  .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { message: 'must be a member email address' });

const restrictionSchema = z
  .object({
    days: z
      .array(z.string().trim().toLowerCase().pipe(z.enum(DAYS)))
      .min(1, { message: 'must name at least one day (leave "days" out for every day)' })
      .optional(),
    from: clock('"from"'),
    to: clock('"to"', true),
  })
  .strict();

const layerSchema = z
  .object({
    name: z.string().trim().min(1).max(80).optional(),
    members: z
      .array(email)
      .min(1, { message: 'a layer needs at least one member (remove the layer if nobody is on it)' })
      .max(MAX_MEMBERS, { message: `must list at most ${MAX_MEMBERS} members` }),
    rotation: z
      .object({
        every: z.string({ invalid_type_error: 'must be a length such as "1d", "1w" or "8h"' }).superRefine((s, ctx) => {
          if (parseStep(s) === null) {
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              message: `"${s}" is not a rotation length; use hours, days or weeks such as "8h", "1d", "2w" (at most 8 weeks)`,
            });
          }
        }),
        handoff: clock('the handoff').default('09:00'),
        start: z.string({ invalid_type_error: 'must be a date such as "2026-12-07"' }).superRefine((s, ctx) => {
          if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || !DateTime.fromISO(s).isValid) {
            ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${s}" is not a date; write the first shift's local date as YYYY-MM-DD` });
          }
        }),
      })
      .strict(),
    restrictions: z.array(restrictionSchema).max(MAX_RESTRICTIONS).optional(),
  })
  .strict();

export const scheduleSchema = z
  .object({
    time_zone: z.string({ required_error: 'is required: an IANA time zone such as "Asia/Shanghai"' }).superRefine((s, ctx) => {
      if (!IANAZone.isValidZone(s)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${s}" is not an IANA time zone; use a name such as "Asia/Shanghai" or "America/New_York"` });
      }
    }),
    layers: z
      .array(layerSchema)
      .min(1, { message: 'must have at least one layer' })
      .max(MAX_LAYERS, { message: `must have at most ${MAX_LAYERS} layers` }),
    notify: z
      .object({
        chats: z.array(z.string().trim().min(1).max(128)).max(20).default([]),
        daily_at: clock('daily_at').optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A schedule as PUT takes it and GET returns it (normalised). */
export type ScheduleSpec = z.output<typeof scheduleSchema>;

export const overrideSchema = z
  .object({
    member: email,
    start: isoInstant('start'),
    end: isoInstant('end'),
    replaces: email.optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    const s = Date.parse(o.start);
    const e = Date.parse(o.end);
    if (Number.isFinite(s) && Number.isFinite(e) && e <= s) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['end'], message: `must be after start (${o.start}); an override ends after it begins` });
    }
  });

function isoInstant(field: string) {
  return z.string({ invalid_type_error: 'must be an ISO 8601 time such as "2026-12-07T09:00:00Z"' }).superRefine((s, ctx) => {
    if (!/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(s) || !Number.isFinite(Date.parse(s))) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${s}" is not a time; write ${field} as ISO 8601 with a zone, e.g. "2026-12-07T09:00:00+08:00"` });
    }
  });
}

/** The engine's layers from a validated spec. */
export function layersOf(spec: ScheduleSpec): Layer[] {
  return spec.layers.map((l, i) => ({
    name: l.name ?? `layer ${i + 1}`,
    members: l.members,
    rotation: { every: parseStep(l.rotation.every)!, handoff: parseClock(l.rotation.handoff)!, start: l.rotation.start },
    restrictions: (l.restrictions ?? []).map(
      (r): Restriction => ({
        days: r.days ? r.days.map((d) => DAYS.indexOf(d) + 1) : null,
        from: parseClock(r.from)!,
        to: parseClock(r.to, true)!,
      }),
    ),
  }));
}
