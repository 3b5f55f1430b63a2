import type { Kysely } from 'kysely';
import { z } from 'zod';
import { HarkError } from '../errors.ts';
import { formatPath, parseOrThrow } from '../incident/validate.ts';
import { parseDuration } from '../incident/duration.ts';
import { knownChatIds } from '../store/chat-repo.ts';
import { knownEmails } from '../store/member-repo.ts';
import { knownScheduleNames } from '../store/schedule-repo.ts';
import { escalationOf } from '../store/source-repo.ts';
import type { DB } from '../store/schema.ts';

// Escalation policies (README "Escalation", `PUT /api/v1/sources/:name/escalation`): ordered levels of
// members, schedules and/or group chats with a wait in minutes, repeated `repeat` more times. Stored as JSON in
// sources.escalation in the API's own shape, so GET returns what PUT was given (normalised).

export type EscalationTarget = { readonly member: string } | { readonly chat: string } | { readonly schedule: string };

export interface EscalationLevel {
  readonly targets: readonly EscalationTarget[];
  /** Minutes to wait for an acknowledgement before the next level; fractions allowed. */
  readonly wait_minutes: number;
  /** Lark urgent notice (加急) raised on each member's private card of this level (issue 14). */
  readonly urgent?: UrgentKind;
  /**
   * Issue 25: a person of this level who has not read their page this long after it was sent is
   * buzzed at once, one step louder than `urgent` (app → sms → phone), before `wait_minutes` ends.
   */
  readonly unseen_after?: string;
}

export const URGENT_KINDS = ['app', 'sms', 'phone'] as const;
export type UrgentKind = (typeof URGENT_KINDS)[number];

export interface EscalationPolicy {
  readonly levels: readonly EscalationLevel[];
  /** How many more times the whole policy runs after the first pass. */
  readonly repeat: number;
  /** Issue 25: the default time box of an acknowledgement ("30m"); absent: until resolved. */
  readonly ack_timeout?: string;
  /** Issue 25: how long the acker has to answer the reminder before the incident is handed back; default 10m. */
  readonly ack_grace?: string;
}

export const DEFAULT_ACK_GRACE_MS = 10 * 60_000;

/** A duration field of a policy: "30m", "1h30m", up to 7 days (seconds allowed, like wait_minutes' fractions). */
const policyDuration = z.string({ invalid_type_error: 'must be a duration such as "30m"' }).superRefine((t, ctx) => {
  const ms = parseDuration(t);
  if (ms === null) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${t}" is not a duration; use e.g. "3m", "30m", "1h"` });
  else if (ms < 1000 || ms > 7 * 86_400_000) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${t} is out of range; use between 1s and 7d` });
});

/** A policy's duration field in ms (validated when stored), or null when absent. */
export const policyMs = (text: string | undefined): number | null => (text === undefined ? null : parseDuration(text));

export const MAX_LEVELS = 10;
export const MAX_TARGETS = 20;
export const MAX_REPEAT = 10;
/** One week: longer waits are almost certainly a unit mistake (minutes, not seconds). */
export const MAX_WAIT_MINUTES = 7 * 24 * 60;

const targetSchema = z
  .object({
    member: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { message: 'must be a member email address' })
      .optional(),
    chat: z.string().trim().min(1, { message: 'must be a chat_id such as oc_…' }).max(128).optional(),
    schedule: z.string().trim().min(1, { message: 'must be a schedule name' }).max(64).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if ([t.member, t.chat, t.schedule].filter((v) => v !== undefined).length !== 1) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be either {"member": email}, {"schedule": name} or {"chat": chat_id}' });
    }
  })
  .transform((t): EscalationTarget => (t.member !== undefined ? { member: t.member } : t.schedule !== undefined ? { schedule: t.schedule } : { chat: t.chat! }));

const levelSchema = z
  .object({
    targets: z
      .array(targetSchema)
      .min(1, { message: 'must name at least one member or chat' })
      .max(MAX_TARGETS, { message: `must name at most ${MAX_TARGETS} targets` }),
    wait_minutes: z
      .number({ invalid_type_error: 'must be a number of minutes' })
      .finite()
      .superRefine((n, ctx) => {
        const issue = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message });
        if (n < 0) issue('must not be negative');
        else if (n === 0) issue('must be greater than 0 (fractions such as 0.5 are allowed)');
        else if (n > MAX_WAIT_MINUTES) issue(`must be at most ${MAX_WAIT_MINUTES} (one week)`);
      }),
    urgent: z.enum(URGENT_KINDS).optional(),
    unseen_after: policyDuration.optional(),
  })
  .strict()
  .superRefine((l, ctx) => {
    // The louder buzz is meant to come before the level's wait runs out and the next level is paged.
    const ms = l.unseen_after === undefined ? null : parseDuration(l.unseen_after);
    if (ms !== null && ms >= l.wait_minutes * 60_000) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['unseen_after'], message: `${l.unseen_after} must be shorter than the level's wait_minutes (${l.wait_minutes})` });
    }
  });

export const policySchema = z
  .object({
    levels: z
      .array(levelSchema)
      .min(1, { message: 'must have at least one level (DELETE the policy to remove it)' })
      .max(MAX_LEVELS, { message: `must have at most ${MAX_LEVELS} levels` }),
    repeat: z
      .number({ invalid_type_error: 'must be a whole number' })
      .int({ message: 'must be a whole number' })
      .min(0, { message: 'must not be negative' })
      .max(MAX_REPEAT, { message: `must be at most ${MAX_REPEAT}` })
      .default(0),
    ack_timeout: policyDuration.optional(),
    ack_grace: policyDuration.optional(),
  })
  .strict();

/**
 * Validates a policy from the API: its shape (zod, 400 naming the field), then that every member
 * email is on the roster and every chat is a group Hark knows, naming the first unknown ones.
 */
export async function validatePolicy(db: Kysely<DB>, input: unknown): Promise<EscalationPolicy> {
  const policy: EscalationPolicy = parseOrThrow(policySchema, input);
  const emails = new Set<string>();
  const chats = new Set<string>();
  const schedules = new Set<string>();
  for (const l of policy.levels) {
    for (const t of l.targets) {
      if ('member' in t) emails.add(t.member);
      else if ('schedule' in t) schedules.add(t.schedule);
      else chats.add(t.chat);
    }
  }
  const knownSchedules = await knownScheduleNames(db, [...schedules]);
  const knownMembers = await knownEmails(db, [...emails]);
  const knownChats = await knownChatIds(db, [...chats]);
  const issues: { path: string; message: string }[] = [];
  policy.levels.forEach((l, i) =>
    l.targets.forEach((t, j) => {
      if ('member' in t && !knownMembers.has(t.member)) {
        issues.push({
          path: formatPath(['levels', i, 'targets', j, 'member']),
          message: `no member with email ${t.member}; add them with POST /api/v1/members first`,
        });
      } else if ('schedule' in t && !knownSchedules.has(t.schedule)) {
        issues.push({
          path: formatPath(['levels', i, 'targets', j, 'schedule']),
          message: `no schedule named ${t.schedule}; create it with PUT /api/v1/schedules/${t.schedule} first`,
        });
      } else if ('chat' in t && !knownChats.has(t.chat)) {
        issues.push({
          path: formatPath(['levels', i, 'targets', j, 'chat']),
          message: `Hark is not in a group with chat_id ${t.chat}; add the bot to the group first (GET /api/v1/chats lists them)`,
        });
      }
    }),
  );
  if (issues.length) {
    const shown = issues.slice(0, 5);
    const more = issues.length - shown.length;
    throw new HarkError(
      'invalid',
      shown.map((i) => `${i.path}: ${i.message}`).join('; ') + (more > 0 ? `; and ${more} more` : ''),
      { issues: shown },
    );
  }
  return policy;
}

/** The stored policy, or null when none is set or the stored text is unreadable (never a crash at fire time). */
export function parseStoredPolicy(text: string | null): EscalationPolicy | null {
  if (!text) return null;
  try {
    const parsed = policySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The schedules a stored policy escalates to, by name (the `oncall` card in a group). */
export function scheduleTargetsOf(text: string | null): string[] {
  const names: string[] = [];
  for (const level of parseStoredPolicy(text)?.levels ?? []) for (const t of level.targets) if ('schedule' in t) names.push(t.schedule);
  return names;
}

/** The default time box of an acknowledgement on this source (the policy's ack_timeout) in ms, or null. */
export async function policyAckTimeout(db: Kysely<DB>, sourceId: number): Promise<number | null> {
  return policyMs((await loadPolicy(db, sourceId))?.ack_timeout);
}

export async function loadPolicy(db: Kysely<DB>, sourceId: number): Promise<EscalationPolicy | null> {
  return parseStoredPolicy(await escalationOf(db, sourceId));
}

/** The step after `step`: the next level, the first level of the next round, or null when the policy is done. */
export function nextStep(policy: EscalationPolicy, step: Step): Step | null {
  if (step.level + 1 < policy.levels.length) return { level: step.level + 1, round: step.round };
  if (step.round < policy.repeat) return { level: 0, round: step.round + 1 };
  return null;
}

/** A position in a policy: `level` is 0-based (level 1 is index 0); `round` 0 is the first pass. */
export interface Step {
  readonly level: number;
  readonly round: number;
}
