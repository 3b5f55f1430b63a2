// Values carried by card buttons and returned to us in `card.action.trigger` as `event.action.value`
// (docs/lark-notes.md §3.5). They must be objects: "开放平台 SDK 仅支持 object 类型的回传交互数据" (Feishu doc
// card-json-v2-components/interactive-components/button; docs/lark-notes.md §1.8). They are small and
// versioned (`v`), so that a card sent by an older Hark (cards stay clickable for 14 days) is
// either understood or cleanly rejected.
//
// Snooze presets: one callback button per preset, each carrying its duration in its own value,
// e.g. {"v":1,"op":"snooze","incident":42,"duration":"30m"}. A dropdown (`overflow`,
// `select_static`) cannot do that in JSON 2.0: its options carry only a *string* `value`, which
// Lark returns separately as `event.action.option`, next to the component's `behaviors` value
// (Feishu doc card-json-v2-components/interactive-components/overflow, callback example). Buttons
// keep every click self-describing, which also suits the emulator's click route (value only).
// `parseCardButtonValue(value, option)` still accepts `option` as the duration, in case a
// template is switched to an overflow menu.
import { z } from 'zod';
import { INCIDENT_OPS } from '../incident/types.ts';

export const CARD_OPS = [
  ...INCIDENT_OPS, 'list', 'help', 'link', 'take_over', 'escalate', 'page', 'room', 'silence', 'unsilence',
  // Issue 25: the acknowledgement reminder's buttons (src/bot/ack-reminder.ts).
  'ack_extend', 'hand_back', 'reminder_resolve',
  // Issue 25: declare an incident on the chosen source (src/bot/declare.ts); the title comes from the card's form.
  'declare',
] as const;
export type CardOp = (typeof CARD_OPS)[number];

/** Ops that act on one incident and so need `incident`. */
// silence/unsilence (Alertmanager silences, src/bot/silence.ts) are read by their own handler,
// which also takes a typed duration from the card's form.
const NEEDS_INCIDENT: ReadonlySet<CardOp> = new Set([...INCIDENT_OPS, 'escalate', 'page', 'room', 'silence', 'unsilence', 'ack_extend', 'hand_back', 'reminder_resolve']);

/** A duration as typed in chat: `30m`, `2h`, `1d` (1..9999 of a unit). */
export const DURATION_RE = /^[1-9][0-9]{0,3}[mhd]$/;

/** Snooze presets offered on incident cards (the template lists them; this is the default set). */
export const SNOOZE_PRESETS = ['30m', '2h', '4h', '12h'] as const;

export interface CardButtonValue {
  v: 1;
  op: CardOp;
  incident?: number;
  duration?: string;
  scope?: 'group' | 'mine';
  /** take_over: the schedule's name. */
  schedule?: string;
  /** `page` (Add responder): the roster member to add. */
  member?: number;
  /** `declare`: the source, the severity asked for, and the message replied to (its text is the description). */
  source?: string;
  severity?: 'critical' | 'warning' | 'info';
  parent?: string;
}

const incidentNumber = z.union([
  z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  z
    .string()
    .regex(/^#?[1-9][0-9]{0,15}$/)
    .transform((s) => Number(s.replace('#', ''))),
]);

const schema = z
  .object({
    v: z.literal(1),
    op: z.enum(CARD_OPS),
    incident: incidentNumber.optional(),
    // "none" (ack only): until resolved, whatever the policy's default time box.
    duration: z.string().regex(DURATION_RE).or(z.literal('none')).optional(),
    scope: z.enum(['group', 'mine']).optional(),
    schedule: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/i).optional(),
    member: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    source: z.string().min(1).max(64).optional(),
    severity: z.enum(['critical', 'warning', 'info']).optional(),
    parent: z.string().regex(/^om_[A-Za-z0-9_-]{1,80}$/).optional(),
  })
  .superRefine((val, ctx) => {
    if (NEEDS_INCIDENT.has(val.op) && val.incident === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${val.op} needs an incident` });
    }
    if (val.op === 'take_over' && val.schedule === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'take_over needs a schedule' });
    }
    if (val.op === 'declare' && val.source === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'declare needs a source' });
    }
    if (val.op === 'page' && val.member === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'page needs a member' });
    }
    if (val.duration === 'none' && val.op !== 'ack') {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'only ack may last until resolved' });
    }
    if ((val.op === 'snooze' || val.op === 'ack_extend') && val.duration === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'snooze needs a duration' });
    }
  });

/** Builds a button value: `cardButtonValue('ack', 42)` → `{v:1, op:'ack', incident:42}`. */
export function cardButtonValue(
  op: CardOp,
  incident?: number | null,
  extra?: { duration?: string; scope?: 'group' | 'mine'; schedule?: string; member?: number; source?: string; severity?: CardButtonValue['severity']; parent?: string },
): CardButtonValue {
  const value: CardButtonValue = { v: 1, op };
  if (extra?.source !== undefined) value.source = extra.source;
  if (extra?.severity !== undefined) value.severity = extra.severity;
  if (extra?.parent !== undefined) value.parent = extra.parent;
  if (incident !== undefined && incident !== null) value.incident = incident;
  if (extra?.member !== undefined) value.member = extra.member;
  if (extra?.duration !== undefined) value.duration = extra.duration;
  if (extra?.scope !== undefined) value.scope = extra.scope;
  if (extra?.schedule !== undefined) value.schedule = extra.schedule;
  return value;
}

/**
 * Validates `event.action.value` of a card callback. Returns null for anything that is not a
 * version-1 Hark value (other versions, strings, missing incident, bad duration), so the caller
 * can answer "this card is out of date". `option` is `event.action.option` (the chosen entry of an
 * overflow/select menu); it is used as the snooze duration when the value has none.
 */
export function parseCardButtonValue(value: unknown, option?: unknown): CardButtonValue | null {
  let input = value;
  if (
    typeof option === 'string' &&
    input !== null &&
    typeof input === 'object' &&
    !Array.isArray(input) &&
    (input as Record<string, unknown>).duration === undefined
  ) {
    input = { ...(input as Record<string, unknown>), duration: option };
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) return null;
  const { op, incident, duration, scope, schedule, member, source, severity, parent } = parsed.data;
  if (op === 'declare') return cardButtonValue(op, undefined, { source, severity, parent });
  return cardButtonValue(op, incident, {
    duration: op === 'snooze' || op === 'ack' || op === 'ack_extend' ? duration : undefined,
    scope: op === 'list' ? scope : undefined,
    schedule: op === 'take_over' ? schedule : undefined,
    member: op === 'page' ? member : undefined,
  });
}

/**
 * The schedules whose Take over buttons a rendered card carries (issue 29): what a take_over value
 * pressed on the message that shows this card may name. Walks the card JSON for button values.
 */
export function takeOverSchedulesIn(card: unknown): string[] {
  return cardBindingsIn(card).filter((k) => !k.includes(':'));
}

/**
 * What a card's buttons may act on, as the keys its message is bound to (issue 29's binding, the
 * `schedule_cards` rows): a Take over button's schedule name; issue 25's `reminder:<incident>` for
 * an acknowledgement reminder's buttons and `declare:<source>` for a declare card's. A schedule's
 * name holds no ':', so the keys never meet.
 */
export function cardBindingsIn(card: unknown): string[] {
  const found = new Set<string>();
  const walk = (x: unknown, depth: number): void => {
    if (depth > 64 || x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      for (const y of x) walk(y, depth + 1);
      return;
    }
    const o = x as Record<string, unknown>;
    if (o.op === 'take_over' && typeof o.schedule === 'string') found.add(o.schedule);
    if ((o.op === 'ack_extend' || o.op === 'hand_back' || o.op === 'reminder_resolve') && typeof o.incident === 'number') found.add(`reminder:${o.incident}`);
    if (o.op === 'declare' && typeof o.source === 'string') found.add(`declare:${o.source}`);
    for (const y of Object.values(o)) walk(y, depth + 1);
  };
  walk(card, 0);
  return [...found];
}
