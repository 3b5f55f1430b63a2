import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.ts';
import { insightDay, insightEntries, insightIncidents, lockInsightDays, saveInsightDay, type InsightDayRow, type InsightEntry } from '../store/insights-repo.ts';
import { ACK_FAST_S, autoResolved, timesOf, walk } from './figures.ts';
import { dayOf } from './hours.ts';

// What the insights keep of an incident the retention deletes (issues 27 and 28, README
// "Retention"): merged into one row per UTC day of its opening, source and severity, from the same
// timeline reads and the same walk as the figures, so a window older than the retention answers as
// it did before the prune. Wired as the pruner's `beforeDelete` (src/retention/build.ts): it runs
// in the batch's transaction, so the rows and the deletion commit together or not at all.

const keyOf = (r: Pick<InsightDayRow, 'day' | 'source_id' | 'severity'>) => `${r.day}\u0000${r.source_id}\u0000${r.severity}`;

/** The day rows of these incidents, not yet merged with what is stored. */
export async function rollupRows(db: Kysely<DB>, numbers: readonly number[], now: number): Promise<InsightDayRow[]> {
  const filter = { from: 0, to: 0, numbers };
  const [incidents, entries] = await Promise.all([insightIncidents(db, filter), insightEntries(db, filter)]);
  const byIncident = new Map<number, InsightEntry[]>();
  for (const e of entries) byIncident.set(e.incident, [...(byIncident.get(e.incident) ?? []), e]);
  const rows = new Map<string, InsightDayRow & { acks: number[]; resolves: number[]; paged: [string, number][] }>();
  for (const inc of incidents) {
    const w = walk(inc, byIncident.get(inc.number) ?? []);
    const { ackS, resolveS } = timesOf(w);
    const day = dayOf(inc.createdAt, 'UTC');
    const key = keyOf({ day, source_id: inc.sourceId, severity: inc.severity });
    let r = rows.get(key);
    if (!r) {
      r = { day, source_id: inc.sourceId, severity: inc.severity, team_id: inc.teamId, opened: 0, escalated: 0, acked_fast: 0, auto_resolved: 0, ack_s: '', resolve_s: '', pages: '', updated_at: now, acks: [], resolves: [], paged: [] };
      rows.set(key, r);
    }
    r.opened++;
    if (w.escalated) r.escalated++;
    if (ackS !== null) r.acks.push(ackS);
    if (ackS !== null && ackS <= ACK_FAST_S) r.acked_fast++;
    if (resolveS !== null) r.resolves.push(resolveS);
    if (autoResolved(w)) r.auto_resolved++;
    for (const p of w.pages) r.paged.push([p.openId, p.at]);
  }
  return [...rows.values()].map(({ acks, resolves, paged, ...r }) => ({ ...r, ack_s: JSON.stringify(acks), resolve_s: JSON.stringify(resolves), pages: JSON.stringify(paged) }));
}

function merge(stored: InsightDayRow, add: InsightDayRow): InsightDayRow {
  const cat = (a: string, b: string) => JSON.stringify([...(JSON.parse(a) as unknown[]), ...(JSON.parse(b) as unknown[])]);
  return {
    ...add,
    team_id: add.team_id ?? stored.team_id,
    opened: stored.opened + add.opened,
    escalated: stored.escalated + add.escalated,
    acked_fast: stored.acked_fast + add.acked_fast,
    auto_resolved: stored.auto_resolved + add.auto_resolved,
    ack_s: cat(stored.ack_s, add.ack_s),
    resolve_s: cat(stored.resolve_s, add.resolve_s),
    pages: cat(stored.pages, add.pages),
  };
}

/** The retention's `beforeDelete`: keeps these incidents' figures in their day rows, merged into any already kept. */
export function createRollup(clock: { now(): number }, postgres: boolean) {
  return async function rollupBeforeDelete(trx: Kysely<DB>, incidentNumbers: readonly number[]): Promise<void> {
    await lockInsightDays(trx, postgres);
    for (const row of await rollupRows(trx, incidentNumbers, clock.now())) {
      const stored = await insightDay(trx, row.day, row.source_id, row.severity);
      await saveInsightDay(trx, stored ? merge(stored, row) : row);
    }
  };
}
