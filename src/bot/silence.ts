// Alertmanager silences from Lark (issues 16, 29): the card's "Silence ▾" buttons, its custom-duration
// input, "Unsilence", and the `silence <id> <duration>` / `静默` and `unsilence` / `取消静默`
// commands. Alertmanager answers within the click budget or the call gives up (its deadline is
// HARK_ALERTMANAGER_TIMEOUT_MS); a refusal is a toast and a timeline line, and nothing else changes;
// no answer to the request that creates the silence says it may have been created (Hark then looks
// for it in Alertmanager's list). The answer names what the silence matches.
// The custom duration comes from a standalone input's `input_value` (docs/lark-notes.md §14).
import { z } from 'zod';
import { HarkError } from '../errors.ts';
import type { Actor } from '../incident/types.ts';
import type { Logger } from '../log.ts';
import { currentCard, sendLinkCard, type ActionContext, type ClickResult } from './actions.ts';
import type { CardAction } from './events.ts';
import { say, toast, type Text } from './i18n.ts';
import { authorize, refusal } from './operate.ts';
import { normalizeDuration, type SilenceVerb } from './parse.ts';
import type { SilencePort } from './ports.ts';
import { refusalOf, refusalText } from '../teams/access.ts';
import { saySilence as text } from './i18n.ts';

export type SilenceOutcome =
  | { readonly kind: 'done' | 'already'; readonly text: Text }
  | { readonly kind: 'not_found' | 'invalid' | 'upstream' | 'maybe' | 'refused' | 'failed'; readonly text: Text; readonly err?: unknown };

/** Runs one silence or unsilence and says how it went, in both languages. */
export async function runSilence(
  port: SilencePort,
  req: {
    verb: SilenceVerb;
    incident: number;
    duration?: string;
    actor: Actor;
    /** Name what the silence matches (labels): not in a group that does not show the incident's card. */
    showMatchers: boolean;
  },
  now: number,
): Promise<SilenceOutcome> {
  try {
    if (req.verb === 'unsilence') {
      const r = await port.unsilence(req.incident, req.actor);
      return r.changed ? { kind: 'done', text: text.unsilenced(req.incident, req.actor.name) } : { kind: 'already', text: text.notSilenced(req.incident) };
    }
    if (!req.duration) return { kind: 'invalid', text: text.needDuration() };
    const r = await port.silence(req.incident, normalizeDuration(req.duration) ?? req.duration, req.actor);
    return { kind: 'done', text: text.silenced(req.incident, r.until, req.actor.name, now, req.showMatchers ? r.matchers : null) };
  } catch (err) {
    const refused = refusalOf(err);
    if (refused) return { kind: 'refused', text: refusalText(refused) };
    if (err instanceof HarkError) {
      if (err.code === 'not_found') return { kind: 'not_found', text: say.noIncident(req.incident) };
      if (err.code === 'invalid') return { kind: 'invalid', text: say.invalid(err.message) };
      if (err.code === 'conflict') return { kind: 'maybe', text: say.invalid(`${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}`) };
      if (err.code === 'upstream' && (err.details as { maybe?: boolean } | undefined)?.maybe) return { kind: 'maybe', text: text.maybe(err.message), err };
      if (err.code === 'upstream') return { kind: 'upstream', text: text.upstream(err.message), err };
    }
    return { kind: 'failed', text: say.failed(), err };
  }
}

const buttonValue = z.object({
  v: z.literal(1),
  op: z.enum(['silence', 'unsilence']),
  incident: z.union([z.number().int().positive(), z.string().regex(/^#?[1-9][0-9]{0,15}$/).transform((s) => Number(s.replace('#', '')))]),
  duration: z.string().max(40).optional(),
});

/** True for a silence/unsilence button or input value; handleCardAction hands those to silenceClick. */
export function isSilenceValue(value: unknown): boolean {
  const op = (value as { op?: unknown } | null)?.op;
  return (op === 'silence' || op === 'unsilence') && buttonValue.safeParse(value).success;
}

/** The incident a silence value names (call only after isSilenceValue). */
export function silenceIncident(value: unknown): number {
  return buttonValue.parse(value).incident;
}

/** A silence button (duration in its value), the custom-duration input (Enter), or Unsilence. */
export async function silenceClick(ev: CardAction, log: Logger, ctx: ActionContext): Promise<ClickResult> {
  const value = buttonValue.parse(ev.value);
  const typed = [ev.inputValue, ev.option, ev.formValue?.silence_duration].find((x): x is string => typeof x === 'string' && x.trim() !== '');
  const duration = value.duration ?? typed?.trim();
  const member = await ctx.deps.members.byOpenId(ev.operatorOpenId);
  const auth = authorize(member, 'change_incident');
  if (!auth.ok) {
    log.info({ why: auth.why, op: value.op, incident: value.incident }, 'silence refused');
    if (auth.why === 'unlinked') ctx.bg.run(log, 'private link card', () => sendLinkCard(ctx, ev.operatorOpenId, null));
    return { answer: { toast: toast(auth.why === 'unlinked' ? 'warning' : 'error', refusal(auth.why)) } };
  }
  const now = ctx.now();
  const outcome = await runSilence(
    ctx.deps.silences,
    // A toast is seen by the presser alone, on the incident's own card.
    { verb: value.op, incident: value.incident, duration, actor: { id: auth.member.id, name: auth.member.name, via: 'card' }, showMatchers: true },
    now,
  );
  log.info({ op: value.op, incident: value.incident, outcome: outcome.kind, member: auth.member.id }, 'silence action');
  if (outcome.kind === 'failed') log.error({ err: outcome.err }, 'silence action failed');
  const tone = outcome.kind === 'done' ? 'success' : outcome.kind === 'already' ? 'info' : outcome.kind === 'invalid' || outcome.kind === 'maybe' ? 'warning' : 'error';
  if (outcome.kind !== 'done' && outcome.kind !== 'already') return { answer: { toast: toast(tone, outcome.text) } };
  const card = await currentCard(ctx, value.incident, log);
  return card ? { answer: { toast: toast(tone, outcome.text), card }, cardOf: value.incident } : { answer: { toast: toast(tone, outcome.text) } };
}
