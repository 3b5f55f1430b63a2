import type { Kysely } from 'kysely';
import { silenceLabelsOf } from '../store/alertmanager-repo.ts';
import { alertRowsOf } from '../store/incident-repo.ts';
import type { DB } from '../store/schema.ts';
import { describeMatchers, matchersFor } from './matchers.ts';

/**
 * What the card's "Silence ▾" shows before anyone presses (issue 29 item 6): the matchers a silence
 * would use, and the required labels they lack (then the card offers no silence and says why).
 * The same computation as SilenceService.silence, from the same rows.
 */
export async function cardSilenceScope(
  db: Kysely<DB>,
  incident: number,
  incidentLabels: Readonly<Record<string, string>>,
  silenceLabels: string | null,
): Promise<{ matchers: string; missing: string }> {
  const alerts = await alertRowsOf(db, incident);
  const matchers = matchersFor(alerts.map((a) => JSON.parse(a.labels) as Record<string, string>), incidentLabels);
  const required = silenceLabelsOf(silenceLabels);
  const missing = matchers.length === 0 ? required : required.filter((l) => !matchers.some((m) => m.name === l));
  return { matchers: describeMatchers(matchers), missing: missing.join(', ') };
}
