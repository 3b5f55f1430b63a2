import type { Kysely, Transaction } from 'kysely';
import { refreshMaintenanceCards, postMaintenanceCard } from '../delivery/maintenance-card.ts';
import { deserializeMatchers, matchesLabels } from '../delivery/matchers.ts';
import type { IncidentListener } from '../incident/ports.ts';
import type { Actor, Incident } from '../incident/types.ts';
import type { Logger } from '../log.ts';
import type { ChatDirectory } from '../delivery/chats.ts';
import { getIncident } from '../store/incident-repo.ts';
import {
  addRunAlerts,
  cardsOfRun,
  endRun,
  ensureRun,
  findWindow,
  getRun,
  heldByRun,
  insertCard,
  insertHold,
  moveHold,
  releaseHold,
  scheduleMaintenanceTimer,
  windowsOfSource,
  type MaintenanceRunRecord,
  type MaintenanceWindowRecord,
} from '../store/maintenance-repo.ts';
import type { DB } from '../store/schema.ts';
import { addHarkEntry } from '../store/timeline-repo.ts';
import { currentOrNext, nextOccurrence, occurrenceAt, type Occurrence, type WindowSpan } from './windows.ts';

// A window's runs (README "Maintenance and noise"): what happens when an occurrence starts, when
// an incident opens during one, and when it ends. Everything runs in the caller's transaction
// (a timer's, an incident change's, an API call's), so each start and end acts once.

export const MAINTENANCE_KIND = 'maintenance';
const HARK: Actor = { id: null, name: 'Hark', via: 'auto' };

export function spanOf(w: MaintenanceWindowRecord): WindowSpan {
  if (w.recurring) return { kind: 'recurring', recurring: JSON.parse(w.recurring) };
  return { kind: 'once', start: Number(w.starts_at), end: Number(w.ends_at) };
}

/** How the timeline and the answers name a window: its reason, else its id. */
export const windowName = (w: Pick<MaintenanceWindowRecord, 'id' | 'reason'>): string => w.reason?.trim() || `#${w.id}`;

export interface RunDeps {
  chats: ChatDirectory;
  /** Delivery and escalation: told of a held incident as if it opened now, once its window ends. */
  release: IncidentListener;
  /** Wakes the outbox worker. */
  wake: () => void;
  /** Told each due time scheduled here, so the local scanner wakes for it. */
  scheduled: (dueAt: number) => void;
  log: Logger;
}

export class Runs {
  constructor(private readonly d: RunDeps) {}

  /** Arms the window's next start (its current occurrence if one is in force: due now). */
  async plan(db: Kysely<DB>, w: MaintenanceWindowRecord, now: number, after?: Occurrence): Promise<void> {
    const span = spanOf(w);
    let o = currentOrNext(span, now);
    if (o && after && o.start <= after.start) o = nextOccurrence(span, after.start);
    if (!o) return;
    await scheduleMaintenanceTimer(db, 'maintenance_start', Number(w.id), o.start, { window: Number(w.id), start: o.start, end: o.end }, now);
    this.d.scheduled(o.start);
  }

  /** An occurrence starts (its timer fired): one card per group receiving the source; its end armed. */
  async start(db: Kysely<DB>, windowId: number, occ: Occurrence, now: number): Promise<void> {
    const w = await findWindow(db, windowId);
    if (!w || w.deleted_at !== null) return;
    const run = await ensureRun(db, windowId, occ, now);
    if (run.ended_at === null) {
      const seen = new Set<string>();
      for (const { chat } of await this.d.chats.subscribersOf(db, Number(w.source_id))) {
        if (seen.has(chat.chatId)) continue;
        seen.add(chat.chatId);
        const id = await insertCard(db, Number(run.id), chat.chatId, chat.name);
        if (id !== null) await postMaintenanceCard(db, { id, chatId: chat.chatId, chatName: chat.name }, now);
      }
      await scheduleMaintenanceTimer(db, 'maintenance_end', windowId, occ.end, { window: windowId, run: Number(run.id) }, now);
      this.d.scheduled(occ.end);
      this.d.wake();
      this.d.log.info({ window: windowId, run: run.id, until: occ.end }, 'maintenance started');
    } else {
      await this.plan(db, w, now, occ);
    }
  }

  /** The run in force for an incident opened now, if a window covers it (the one ending last). */
  async covering(db: Kysely<DB>, inc: Pick<Incident, 'sourceId' | 'labels'>, now: number, exceptRun?: number): Promise<{ w: MaintenanceWindowRecord; run: MaintenanceRunRecord } | null> {
    const candidates: { w: MaintenanceWindowRecord; occ: Occurrence }[] = [];
    for (const w of await windowsOfSource(db, inc.sourceId)) {
      const occ = occurrenceAt(spanOf(w), now);
      if (occ && matchesLabels(deserializeMatchers(w.labels), inc.labels)) candidates.push({ w, occ });
    }
    candidates.sort((a, b) => b.occ.end - a.occ.end);
    for (const { w, occ } of candidates) {
      const run = await ensureRun(db, Number(w.id), occ, now);
      if (run.ended_at === null && Number(run.id) !== exceptRun) return { w, run };
    }
    return null;
  }

  /** A new incident: held quiet when a window covers it. Returns whether it is held. */
  async hold(db: Kysely<DB>, inc: Incident, alerts: number, now: number): Promise<boolean> {
    const c = await this.covering(db, inc, now);
    if (!c) return false;
    await insertHold(db, inc.number, Number(c.run.id), now);
    await addRunAlerts(db, Number(c.run.id), alerts);
    await addHarkEntry(db, {
      incidentNumber: inc.number,
      at: now,
      kind: MAINTENANCE_KIND,
      message: `during maintenance \`${windowName(c.w)}\`, nobody paged`,
      data: { window: Number(c.w.id), run: Number(c.run.id) },
    });
    await this.counted(db, Number(c.run.id), now);
    return true;
  }

  /** A held incident changed (more alerts, acked, resolved): the run's cards show it. */
  async counted(db: Kysely<DB>, runId: number, now: number, newAlerts = 0): Promise<void> {
    await addRunAlerts(db, runId, newAlerts);
    if (await refreshMaintenanceCards(db, runId, now)) this.d.wake();
  }

  /**
   * Ends a run once (its end time, or early by `by`): the cards become its summary; each incident
   * it held that another window still covers moves there, the others are released, and those still
   * open are paged from now. Returns false when the run had already ended.
   */
  async finish(trx: Transaction<DB>, runId: number, now: number, by: Actor | null): Promise<boolean> {
    if (!(await endRun(trx, runId, now, by?.name ?? null))) return false;
    const run = (await getRun(trx, runId))!;
    const w = await findWindow(trx, Number(run.window_id));
    for (const h of await heldByRun(trx, runId)) {
      const other = await this.covering(trx, { sourceId: h.source_id, labels: JSON.parse(h.labels) }, now, runId);
      if (other) {
        await moveHold(trx, h.number, Number(other.run.id));
        continue;
      }
      await releaseHold(trx, h.number, now);
      if (h.status === 'resolved') continue;
      const inc = await getIncident(trx, h.number, false);
      if (!inc) continue;
      await addHarkEntry(trx, {
        incidentNumber: h.number,
        at: now,
        kind: MAINTENANCE_KIND,
        message: `maintenance \`${w ? windowName(w) : `#${run.window_id}`}\` ended${by ? ` early by ${by.name}` : ''}; still firing, so notified from now`,
      });
      await this.d.release.onChange(trx, { type: 'created', incident: inc, alerts: [], actor: HARK });
    }
    // A run that ended before its start timer posted anything leaves no card to turn into a summary.
    if ((await cardsOfRun(trx, runId)).length) await refreshMaintenanceCards(trx, runId, now);
    this.d.wake();
    this.d.log.info({ window: run.window_id, run: runId, by: by?.name ?? null }, 'maintenance ended');
    return true;
  }
}
