import type { Kysely } from 'kysely';
import type { MaintenanceCardView } from '../render/index.ts';
import { cardsOfRun, findCard, findWindow, getRun, incidentsOfRun, recordCardMessage } from '../store/maintenance-repo.ts';
import { enqueuePatch, enqueueSend, markDone, type OutboxEntry } from '../store/outbox-repo.ts';
import type { DB } from '../store/schema.ts';
import { deserializeMatchers, displayMatchers } from './matchers.ts';
import { priorityOf } from './dispatch.ts';
import { viewHash } from './views.ts';

// Maintenance cards (issue 26) through the outbox: one card per group and window run, sent once
// (coalesced by pending key) and updated in place as incidents are counted and when the run ends.
// src/maintenance decides when; delivery writes the rows and the worker renders the current state.

export interface LoadedMaintenanceCard {
  view: MaintenanceCardView;
  hash: string;
  messageId: string | null;
  renderedHash: string | null;
}

export async function loadMaintenanceCard(db: Kysely<DB>, cardId: number): Promise<LoadedMaintenanceCard | null> {
  const card = await findCard(db, cardId);
  const run = card ? await getRun(db, Number(card.run_id)) : null;
  const window = run ? await findWindow(db, Number(run.window_id)) : null;
  if (!card || !run || !window) return null;
  const incidents = await incidentsOfRun(db, Number(run.id));
  const labels = displayMatchers(deserializeMatchers(window.labels));
  const view: MaintenanceCardView = {
    source: window.source_name,
    reason: window.reason,
    labels: Array.isArray(labels) ? labels : Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    by: window.created_by_name,
    start: Number(run.occurrence_start),
    end: Number(run.occurrence_end),
    endedAt: run.ended_at === null ? null : Number(run.ended_at),
    endedBy: run.ended_by,
    incidents: incidents.length,
    alerts: Number(run.alerts),
    firing: incidents.filter((i) => i.status !== 'resolved').map((i) => ({ number: i.number, title: i.title })),
    timeZone: zoneOf(window.recurring),
  };
  return { view, hash: viewHash(view), messageId: card.message_id, renderedHash: card.rendered_hash };
}

/** Queues the maintenance card of a run in a group (at most one pending send per card). */
export async function postMaintenanceCard(db: Kysely<DB>, card: { id: number; chatId: string; chatName: string | null }, now: number): Promise<void> {
  await enqueueSend(
    db,
    {
      subject: 'maintenance',
      maintenanceCardId: card.id,
      targetType: 'chat_id',
      targetId: card.chatId,
      targetName: card.chatName,
      priority: priorityOf('info', 'send'),
      pendingKey: `maintenance-send:${card.id}`,
    },
    now,
  );
}

/** Every card of the run shows its current state: an update of each card already posted (a send still waiting renders it anyway). */
export async function refreshMaintenanceCards(db: Kysely<DB>, runId: number, now: number): Promise<boolean> {
  let queued = false;
  for (const c of await cardsOfRun(db, runId)) {
    if (!c.message_id) continue;
    await enqueuePatch(
      db,
      { subject: 'maintenance', maintenanceCardId: Number(c.id), messageId: c.message_id, targetType: 'chat_id', targetId: c.chat_id, targetName: c.chat_name, priority: priorityOf('info', 'patch') },
      now,
    );
    queued = true;
  }
  return queued;
}

/**
 * Lark accepted the card (in the send's transaction): records its message and, when the run
 * changed while it was on its way, queues an update. Returns whether it queued one.
 */
export async function recordMaintenanceSent(db: Kysely<DB>, row: OutboxEntry, messageId: string, hash: string, now: number): Promise<boolean> {
  const cardId = Number(row.maintenance_card_id);
  await recordCardMessage(db, cardId, messageId, hash);
  await markDone(db, row, now, { resultMessageId: messageId });
  const current = await loadMaintenanceCard(db, cardId);
  if (!current || current.hash === hash) return false;
  await enqueuePatch(
    db,
    { subject: 'maintenance', maintenanceCardId: cardId, messageId, targetType: 'chat_id', targetId: row.target_id, targetName: row.target_name, priority: priorityOf('info', 'patch') },
    now,
  );
  return true;
}

/** The zone of a recurring window ({days, from, to, timeZone}); null for a one-off one. */
function zoneOf(recurring: string | null): string | null {
  if (!recurring) return null;
  try {
    const z = (JSON.parse(recurring) as { timeZone?: unknown }).timeZone;
    return typeof z === 'string' ? z : null;
  } catch {
    return null;
  }
}
