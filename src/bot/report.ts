import { z } from 'zod';
import type { Logger } from '../log.ts';
import { sendLinkCard, type ActionContext, type ClickResult } from './actions.ts';
import type { CardAction } from './events.ts';
import { toast } from './i18n.ts';
import { authorize, refusal } from './operate.ts';
import { runSilence } from './silence.ts';

// The report card's "Silence 1 w" (README "Insights"): silences the noisy alert's latest incident at
// its Alertmanager for 7 days, as `silence <id> 7d` would. Anyone who may change incidents may type
// that command for any incident, so the button needs no binding to its card; the report card
// itself stays as it is (it is a picture of the week), the presser gets the toast.

const value = z.object({ v: z.literal(1), op: z.literal('report_silence'), incident: z.number().int().positive(), duration: z.string().regex(/^[1-9][0-9]{0,2}[dh]$/) });

export function isReportSilence(v: unknown): boolean {
  return value.safeParse(v).success;
}

export async function reportSilenceClick(ev: CardAction, log: Logger, ctx: ActionContext): Promise<ClickResult> {
  const v = value.parse(ev.value);
  const auth = authorize(await ctx.deps.members.byOpenId(ev.operatorOpenId), 'change_incident');
  if (!auth.ok) {
    if (auth.why === 'unlinked') ctx.bg.run(log, 'private link card', () => sendLinkCard(ctx, ev.operatorOpenId, null));
    return { answer: { toast: toast(auth.why === 'unlinked' ? 'warning' : 'error', refusal(auth.why)) } };
  }
  const outcome = await runSilence(
    ctx.deps.silences,
    { verb: 'silence', incident: v.incident, duration: v.duration, actor: { id: auth.member.id, name: auth.member.name, via: 'card' }, showMatchers: true },
    ctx.now(),
  );
  log.info({ incident: v.incident, outcome: outcome.kind, member: auth.member.id }, 'report silence');
  if (outcome.kind === 'failed') log.error({ err: outcome.err }, 'report silence failed');
  const tone = outcome.kind === 'done' ? 'success' : outcome.kind === 'invalid' || outcome.kind === 'maybe' ? 'warning' : 'error';
  return { answer: { toast: toast(tone, outcome.text) } };
}
