import type { Kysely } from 'kysely';
import { LarkApiError, type LarkApi, type ReceiveIdType } from '../lark/client.ts';
import type { Logger } from '../log.ts';
import { renderIncidentCard, renderMaintenanceCard, renderStormCard, type IncidentView, type MaintenanceCardView, type RenderOptions } from '../render/index.ts';
import type { RateLimiter } from '../state/index.ts';
import { expireCopy, expireStorm, findCopy, lockStorm, recordCopy, recordStormMessage, setCopyRendered, setStormRendered, stormRenderedHash } from '../store/card-repo.ts';
import { findChat } from '../store/chat-repo.ts';
import { lockIncident } from '../store/incident-repo.ts';
import type { DB } from '../store/schema.ts';
import type { DeliveryConfig } from './config.ts';
import { explainRefusal, whereText, type Where } from './explain.ts';
import { enqueuePatch, markDone, markStopped, release, renewLease, type OutboxEntry } from '../store/outbox-repo.ts';
import type { Bucket, SlotPacer } from './pacer.ts';
import { addDeliveryNote } from './timeline.ts';
import { loadIncident, loadStorm, type StormView } from './views.ts';
import { priorityOf } from './dispatch.ts';
import { deliverUrgent, enqueueUrgent, urgentRefused } from './urgent.ts';
import { askFeedAfterCard, deliverFeedCard, feedCardRefused } from './feed-card.ts';
import { loadMaintenanceCard, recordMaintenanceSent } from './maintenance-card.ts';
import { setCardRendered } from '../store/maintenance-repo.ts';

// One outbox row → one Lark call: render the subject's current state, wait for a paced slot,
// call Lark with a uuid derived from the row, and record the result in one transaction.

/** Invalid/expired tenant token and friends (docs/lark-notes.md §2.8). */
const TOKEN_CODES = new Set([99991661, 99991663, 99991664, 99991665, 99991671]);

export interface DeliveryRenderer {
  incident(view: IncidentView): object;
  storm(view: StormView): object;
  maintenance(view: MaintenanceCardView): object;
}

export function defaultRenderer(clock: () => number, opts: Omit<RenderOptions, 'now'> = {}): DeliveryRenderer {
  return {
    incident: (view) => renderIncidentCard(view, { ...opts, now: clock() }),
    storm: (view) => renderStormCard(view, { ...opts, now: clock() }),
    maintenance: (view) => renderMaintenanceCard(view, { ...opts, now: clock() }),
  };
}

/** How a delivery attempt ended (hark_deliveries_total{result}, hark_lark_rate_limited_total{code}). */
export type DeliveryResult = 'sent' | 'updated' | 'retry' | 'rate_limited' | 'failed' | 'dropped';
export interface DeliveryObserver {
  delivered(result: DeliveryResult): void;
  rateLimited(code: string): void;
  /** An incident's card reached a person privately for the first time (a page; insights count it). Must not throw. */
  paged(incidentNumber: number, openId: string, at: number): void;
}

export interface SenderDeps {
  db: Kysely<DB>;
  postgres: boolean;
  lark: LarkApi;
  render: DeliveryRenderer;
  pacer: SlotPacer;
  /** Per-minute app budget per API (rate-limiter-flexible through SharedState). */
  minute: { send: RateLimiter; patch: RateLimiter };
  config: DeliveryConfig;
  clock: () => number;
  log: Logger;
  owner: string;
  observe: DeliveryObserver;
  /** Random per database; part of every message uuid. */
  installId: () => Promise<string>;
  /** New rows were written (a follow-up patch): wake the worker. */
  notify: () => void;
  /** False once the worker was killed (a crash in tests): calls in flight finish at Lark but nothing is written. */
  alive: () => boolean;
  /** Told after each message Lark accepted and Hark recorded (war rooms pin their card copy). Must not throw. */
  afterSend: readonly SentHook[];
}

/** Told after a message Lark accepted was recorded (Delivery's `afterSend`). Must not throw. */
export type SentHook = (row: OutboxEntry, messageId: string) => void;

/** Lark's uuid (≤ 50 chars): the same row always sends the same uuid, so a retry never posts twice. */
export function messageUuid(installId: string, rowId: number): string {
  return `hark-${installId}-${rowId}`;
}

export class Sender {
  constructor(private readonly d: SenderDeps) {}

  async deliver(row: OutboxEntry): Promise<void> {
    try {
      if (row.op === 'send') await this.send(row);
      else if (row.op === 'urgent') await deliverUrgent(this.d, row, () => this.pace(row));
      else if (row.op === 'feed') await deliverFeedCard(this.d, row, () => this.pace(row));
      else await this.patch(row);
    } catch (err) {
      if (!this.d.alive()) return;
      await this.failed(row, err);
    }
  }

  private where(row: OutboxEntry): Where {
    return { targetType: row.target_type, name: row.target_name ?? row.target_id };
  }

  private buckets(row: OutboxEntry): Bucket[] {
    const c = this.d.config;
    // A buzz is limited per app and urgent API only (docs/lark-notes.md "Urgent notices").
    if (row.op === 'urgent' || row.op === 'feed') return [{ key: row.rate_key, perSecond: c.appPerSecond, pacing: c.pacing }];
    const perSecond = row.op === 'patch' ? c.messagePerSecond : row.target_type === 'chat_id' ? c.chatPerSecond : c.userPerSecond;
    return [
      { key: row.rate_key, perSecond, pacing: c.targetPacing },
      { key: `app:${row.op}`, perSecond: c.appPerSecond, pacing: c.pacing },
    ];
  }

  /**
   * Waits for a paced slot; false (row released for later, or taken over by another worker) when
   * none is free soon or the minute budget is spent. A slot missed by more than its tolerance
   * (event loop or database busy) is not used: sending late could crowd the next slot's call.
   */
  private async pace(row: OutboxEntry): Promise<boolean> {
    const buckets = this.buckets(row);
    for (let attempt = 0; attempt < 5; attempt++) {
      const slot = await this.d.pacer.reserve(buckets);
      const now = this.d.clock();
      if (slot === null) {
        await release(this.d.db, row, this.d.owner, now + 500, now);
        return false;
      }
      if (attempt === 0) {
        const budget = row.op === 'urgent' || row.op === 'feed' ? { allowed: true, msBeforeNext: 0 } : await this.d.minute[row.op === 'patch' ? 'patch' : 'send'].consume('app');
        if (!budget.allowed) {
          await release(this.d.db, row, this.d.owner, now + Math.max(100, budget.msBeforeNext), now);
          return false;
        }
        // Confirm the lease before waiting: another worker may have taken the row over.
        if (!(await renewLease(this.d.db, row, this.d.owner, this.d.clock(), this.d.config.leaseMs))) return false;
      }
      await this.d.pacer.waitUntil(slot.at);
      if (!this.d.alive()) return false;
      if (this.d.clock() <= slot.deadline) return true;
    }
    const now = this.d.clock();
    await release(this.d.db, row, this.d.owner, now + 100, now);
    return false;
  }

  private async drop(row: OutboxEntry, reason: string, note?: string): Promise<void> {
    const now = this.d.clock();
    const stopped = await markStopped(this.d.db, row, 'dropped', reason, now);
    if (stopped) this.d.observe.delivered('dropped');
    if (stopped && note && row.incident_number !== null) await addDeliveryNote(this.d.db, row.incident_number, now, note);
  }

  private async send(row: OutboxEntry): Promise<void> {
    let card: object;
    let incident: Awaited<ReturnType<typeof loadIncident>> = null;
    let storm: Awaited<ReturnType<typeof loadStorm>> = null;
    let maintenance: Awaited<ReturnType<typeof loadMaintenanceCard>> = null;
    if (row.target_type === 'chat_id') {
      const chat = await findChat(this.d.db, row.target_id);
      if (chat && chat.status !== 'active') {
        return this.drop(row, `chat ${chat.status}`, `not posted in group ${chat.name}: Hark is no longer in that group (${chat.status})`);
      }
    }
    if (row.subject === 'incident') {
      incident = await loadIncident(this.d.db, Number(row.incident_number), this.d.config.publicUrl);
      if (!incident) return this.drop(row, 'incident not found');
      card = this.d.render.incident(incident.view);
    } else if (row.subject === 'storm') {
      storm = await loadStorm(this.d.db, Number(row.storm_id));
      if (!storm) return this.drop(row, 'storm not found');
      card = this.d.render.storm(storm.view);
    } else if (row.subject === 'maintenance') {
      maintenance = await loadMaintenanceCard(this.d.db, Number(row.maintenance_card_id));
      if (!maintenance) return this.drop(row, 'maintenance card not found');
      card = this.d.render.maintenance(maintenance.view);
    } else {
      card = JSON.parse(row.card ?? '{}');
    }
    if (!(await this.pace(row))) return;
    const uuid = messageUuid(await this.d.installId(), row.id);
    const sent = await this.d.lark.sendCard(row.target_type as ReceiveIdType, row.target_id, card, uuid);
    this.d.observe.delivered('sent');
    if (!this.d.alive()) return;
    const now = this.d.clock();
    let followUp = false;
    let paged = false;
    await this.d.db.transaction().execute(async (trx) => {
      if (incident) {
        // Lock the incident row (PostgreSQL): a change committing meanwhile either saw this copy
        // (and queued its update) or is seen below (and we queue it).
        await lockIncident(trx, Number(row.incident_number), this.d.postgres);
        await recordCopy(trx, {
          incidentNumber: Number(row.incident_number),
          message_id: sent.messageId,
          target_type: row.target_type,
          target_id: row.target_id,
          target_name: row.target_name,
          outboxId: row.id,
          sentAt: now,
          renderedVersion: incident.version,
          renderedHash: incident.hash,
        });
        const first = await markDone(trx, row, now, { resultMessageId: sent.messageId });
        if (first) {
          const what = row.target_type === 'chat_id' ? `card posted in group ${row.target_name ?? row.target_id}` : `card sent to ${row.target_name ?? row.target_id} privately`;
          await addDeliveryNote(trx, Number(row.incident_number), now, what, { message_id: sent.messageId, target_id: row.target_id });
          paged = row.target_type === 'open_id';
          // An escalation level's urgent notice rings right after its private card (issue 14).
          if (row.urgent && row.target_type === 'open_id') {
            await enqueueUrgent(trx, row, sent.messageId, now);
            followUp = true;
          }
        }
        const current = await loadIncident(trx, Number(row.incident_number), this.d.config.publicUrl);
        if (current && current.hash !== incident.hash) {
          await enqueuePatch(
            trx,
            {
              subject: 'incident',
              incidentNumber: Number(row.incident_number),
              messageId: sent.messageId,
              targetType: row.target_type as 'chat_id' | 'open_id',
              targetId: row.target_id,
              targetName: row.target_name,
              priority: priorityOf(current.view.severity, 'patch'),
            },
            now,
          );
          followUp = true;
        }
        // Last in the transaction, so the person's feed row is held only until the commit.
        if (paged) {
          await askFeedAfterCard(trx, row, now);
          followUp = true;
        }
      } else if (storm) {
        await lockStorm(trx, Number(row.storm_id), this.d.postgres);
        await recordStormMessage(trx, Number(row.storm_id), sent.messageId, storm.hash);
        await markDone(trx, row, now, { resultMessageId: sent.messageId });
        const current = await loadStorm(trx, Number(row.storm_id));
        if (current && current.hash !== storm.hash) {
          await enqueuePatch(
            trx,
            { subject: 'storm', stormId: Number(row.storm_id), messageId: sent.messageId, targetType: 'chat_id', targetId: row.target_id, priority: 0 },
            now,
          );
          followUp = true;
        }
      } else if (maintenance) {
        followUp = await recordMaintenanceSent(trx, row, sent.messageId, maintenance.hash, now);
      } else {
        const first = await markDone(trx, row, now, { resultMessageId: sent.messageId });
        if (first && row.incident_number !== null) {
          const what = row.target_type === 'chat_id' ? `card posted in group ${row.target_name ?? row.target_id}` : `message sent to ${row.target_name ?? row.target_id} privately`;
          await addDeliveryNote(trx, Number(row.incident_number), now, what, { message_id: sent.messageId });
        }
      }
    });
    if (followUp) this.d.notify();
    if (paged) this.d.observe.paged(Number(row.incident_number), row.target_id, now);
    for (const hook of this.d.afterSend) hook(row, sent.messageId);
  }

  private async patch(row: OutboxEntry): Promise<void> {
    const messageId = String(row.message_id);
    let card: object;
    let hash: string;
    let version = 0;
    if (row.subject === 'storm') {
      const storm = await loadStorm(this.d.db, Number(row.storm_id));
      if (!storm || storm.expired) return this.drop(row, 'storm card expired or gone');
      hash = storm.hash;
      if ((await stormRenderedHash(this.d.db, Number(row.storm_id))) === hash) return this.finishPatch(row, hash, 0);
      card = this.d.render.storm(storm.view);
    } else if (row.subject === 'maintenance') {
      const m = await loadMaintenanceCard(this.d.db, Number(row.maintenance_card_id));
      if (!m) return this.drop(row, 'maintenance card gone');
      hash = m.hash;
      if (m.renderedHash === hash) return this.finishPatch(row, hash, 0);
      card = this.d.render.maintenance(m.view);
    } else {
      const copy = await findCopy(this.d.db, messageId);
      if (!copy || copy.expired_at !== null) return this.drop(row, 'card copy expired or gone');
      const incident = await loadIncident(this.d.db, Number(row.incident_number), this.d.config.publicUrl);
      if (!incident) return this.drop(row, 'incident not found');
      hash = incident.hash;
      version = incident.version;
      // Nothing new to show, or the click's callback answer already showed this version on this copy.
      const fresh = copy.fresh_version !== null && copy.fresh_version >= incident.version;
      if (copy.rendered_hash === hash || fresh) return this.finishPatch(row, hash, version);
      card = this.d.render.incident(incident.view);
    }
    if (!(await this.pace(row))) return;
    await this.d.lark.patchCard(messageId, card);
    this.d.observe.delivered('updated');
    if (!this.d.alive()) return;
    await this.finishPatch(row, hash, version);
  }

  /** Records what the copy shows; a row that got a newer request meanwhile stays pending for one more round. */
  private async finishPatch(row: OutboxEntry, hash: string, version: number): Promise<void> {
    const now = this.d.clock();
    let again = false;
    await this.d.db.transaction().execute(async (trx) => {
      if (row.subject === 'storm') await setStormRendered(trx, Number(row.storm_id), hash);
      else if (row.subject === 'maintenance') await setCardRendered(trx, Number(row.maintenance_card_id), hash);
      else await setCopyRendered(trx, String(row.message_id), hash, version);
      if (!(await markDone(trx, row, now, { checkGen: true }))) {
        await release(trx, row, this.d.owner, now, now);
        again = true;
      }
    });
    if (again) this.d.notify();
  }

  private backoff(attempts: number): number {
    const c = this.d.config;
    const base = Math.min(c.retryMaxMs, c.retryBaseMs * 2 ** Math.min(attempts, 20));
    return Math.round(base * (0.5 + Math.random() * 0.5));
  }

  private async failed(row: OutboxEntry, err: unknown): Promise<void> {
    const now = this.d.clock();
    const log = this.d.log.child({ outbox: row.id, op: row.op, subject: row.subject, target: row.target_id });
    if (!(err instanceof LarkApiError)) {
      // Our own failure (database, a broken card template): retry with backoff, loudly.
      log.error({ err }, 'delivery failed; will retry');
      this.d.observe.delivered('retry');
      await release(this.d.db, row, this.d.owner, now + this.backoff(row.attempts), now, { countAttempt: true, lastError: String(err) });
      return;
    }
    if (err.kind === 'rate_limited') {
      log.debug({ code: err.code, retryAfterMs: err.retryAfterMs }, 'rate limited by Lark');
      this.d.observe.delivered('rate_limited');
      this.d.observe.rateLimited(String(err.code ?? err.httpStatus ?? 'unknown'));
      await release(this.d.db, row, this.d.owner, now + (err.retryAfterMs ?? 1000), now, { lastError: err.message });
      return;
    }
    // Token trouble (expired, rotated) is ours to outlast, not a refusal of this message: the SDK
    // fetches a new tenant token once its cached one runs out (docs/lark-notes.md §2.0).
    if (err.kind === 'transient' || (err.code !== null && TOKEN_CODES.has(err.code))) {
      const tooOld = row.op !== 'patch' && now - row.created_at > this.d.config.giveUpAfterMs;
      if (!tooOld) {
        log.info({ code: err.code, status: err.httpStatus, attempts: row.attempts + 1 }, 'Lark call failed; will retry');
        this.d.observe.delivered('retry');
        await release(this.d.db, row, this.d.owner, now + this.backoff(row.attempts), now, { countAttempt: true, lastError: err.message });
        return;
      }
      const minutes = Math.round((now - row.created_at) / 60_000);
      if (row.op === 'urgent') return urgentRefused(this.d, row, `Lark kept failing for ${minutes} minutes (last: ${err.message})`);
      if (row.op === 'feed') return feedCardRefused(this.d, row, `Lark kept failing for ${minutes} minutes (last: ${err.message})`);
      return this.refused(row, `Lark kept failing for ${minutes} minutes (${row.attempts + 1} attempts; last: ${err.message})`, now);
    }
    if (row.op === 'patch' && err.code === 230031) {
      // Older than Lark's 14-day update window: remember it on the copy, say so once, never retry.
      if (row.subject === 'storm') await expireStorm(this.d.db, Number(row.storm_id), now);
      else await expireCopy(this.d.db, String(row.message_id), now);
    }
    log.warn({ code: err.code, status: err.httpStatus, msg: err.message }, 'Lark refused; not retrying');
    if (row.op === 'urgent') return urgentRefused(this.d, row, err);
    if (row.op === 'feed') return feedCardRefused(this.d, row, err);
    await this.refused(row, explainRefusal(err, this.where(row)), now);
  }

  private async refused(row: OutboxEntry, reason: string, now: number): Promise<void> {
    const stopped = await markStopped(this.d.db, row, 'failed', reason, now);
    if (stopped) this.d.observe.delivered('failed');
    if (!stopped || row.incident_number === null) return;
    const what = row.op === 'send' ? `not delivered to ${whereText(this.where(row))}` : `card in ${whereText(this.where(row))} not updated`;
    await addDeliveryNote(this.d.db, Number(row.incident_number), now, `${what}: ${reason}`, {
      target_id: row.target_id,
      message_id: row.message_id,
    });
  }
}
