import type { Matcher } from './client.ts';
import { describeMatchers } from './matchers.ts';

// How wide a silence may be (issue 29 item 6). The matchers are the labels all of an incident's
// alerts share; alerts grouped without group_by may share only env="prod", and a silence on that
// silences a whole environment. So a silence must match on the source's minimum label set
// (alertname unless configured), and must select no alert at Alertmanager that is not part of the
// incident. Each refusal is one sentence saying why.

/** Why a silence on these matchers is refused before asking Alertmanager anything, or null. */
export function narrowEnough(incident: number, matchers: readonly Matcher[], required: readonly string[]): string | null {
  if (matchers.length === 0) {
    return `Hark will not silence #${incident}: its alerts share no label, so the silence would match every alert at Alertmanager`;
  }
  const missing = required.filter((l) => !matchers.some((m) => m.name === l));
  if (missing.length === 0) return null;
  const what = missing.map((l) => `"${l}"`).join(', ');
  return (
    `Hark will not silence #${incident}: its alerts do not share one ${what}, so a silence on what they share (${describeMatchers(matchers)}) ` +
    `would also silence unrelated alerts; silence them at Alertmanager one by one, or group them by ${missing.join(', ')}`
  );
}

/** Why the silence is wider than the incident (it selects alerts at Alertmanager that are not its own), or null. */
export function notWiderThanIncident(
  incident: number,
  matchers: readonly Matcher[],
  own: ReadonlySet<string>,
  matched: readonly { fingerprint: string; labels: Record<string, string> }[],
): string | null {
  const others = matched.filter((a) => !own.has(a.fingerprint));
  if (others.length === 0) return null;
  const example = Object.entries(others[0].labels)
    .filter(([k]) => !matchers.some((m) => m.name === k))
    .slice(0, 3)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
  return (
    `Hark will not silence #${incident}: ${describeMatchers(matchers)} also matches ${others.length} alert${others.length === 1 ? '' : 's'} at Alertmanager ` +
    `that ${others.length === 1 ? 'is' : 'are'} not part of #${incident}${example ? ` (e.g. ${example})` : ''}, and the silence would hide them too`
  );
}
