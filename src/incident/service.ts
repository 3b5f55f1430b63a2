import type { Kysely, Transaction } from 'kysely';
import { HarkError } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { NormalizedAlertBatch } from '../ingest/types.ts';
import type { IncidentStore, NewTimelineEntry } from '../store/incident-store.ts';
import type { DB } from '../store/schema.ts';
import { parseSnoozeDuration } from './duration.ts';
import { decide, openIncident, type Command } from './incident.ts';
import { describeAlertChanges, mergeAlerts } from './merge.ts';
import { defaultNoise, noiseFor, refire, type NoiseSettings } from './noise.ts';
import { noopListener, systemClock, type ChangeHints, type Clock, type IncidentChange, type IncidentListener } from './ports.ts';
import type { Actor, Alert, Incident, IncidentDetail, IncidentSummary, Source, Stamp } from './types.ts';
import { openKeyOf } from './types.ts';
import { decodeCursor, encodeCursor, parseStatuses } from './list-query.ts';

export interface IncidentServiceDeps {
  db: Kysely<DB>;
  /** The database operations (store/incident-store.ts incidentStore), passed in by the composition root. */
  repo: IncidentStore;
  clock?: Clock;
  listener?: IncidentListener;
  logger?: Logger;
  /** Re-fire after resolve and flapping (defaults: 10 min; 4 changes in 60 min). */
  noise?: Partial<NoiseSettings>;
  /**
   * The default time box of an acknowledgement for an incident of this source (the escalation
   * policy's `ack_timeout`, issue 25), in ms; null: until resolved. Absent: always until resolved.
   */
  ackTimeoutOf?: (db: Kysely<DB>, sourceId: number) => Promise<number | null>;
  /** Raw payloads kept per incident, each cut to maxBytes. */
  payloads?: { maxBytes?: number; keepPerIncident?: number };
  /**
   * Who may act (issue 24, src/teams/access.ts): asked before a person changes an incident from a
   * card, a command, the web app or the API; throws HarkError('forbidden') to refuse.
   */
  mayAct?: (actor: Actor, incidentNumber: number) => Promise<void>;
}

/** Callers that already hold a transaction pass it, so their writes and ours commit together. */
export interface TxOption {
  trx?: Transaction<DB>;
  /** Passed on untouched to the listeners in the change (IncidentChange `hints`). */
  hints?: ChangeHints;
}

export interface IngestResult {
  /** The incident the alerts joined or opened; null when only resolved alerts arrived for a group with none open. */
  readonly incident: Incident | null;
  readonly created: boolean;
  /** False for a resend that changed nothing. */
  readonly changed: boolean;
  readonly message: string;
}

export interface TransitionResult {
  readonly incident: Incident;
  readonly changed: boolean;
  /** Who made the change, or for an unchanged result who made it first. */
  readonly by: Stamp | null;
  readonly at: number | null;
  readonly message: string;
}

export interface ListOptions {
  status?: string | null;
  limit?: number | null;
  cursor?: string | null;
}

/** Marks a lost optimistic update; the transaction is retried from the start. */
class LostRace extends Error {}

const HARK: Actor = { id: null, name: 'Hark', via: 'auto' };
const MAX_ATTEMPTS = 4;

/**
 * Incidents: alert ingestion and grouping, lifecycle transitions, queries. Each change runs in one
 * transaction that also writes the timeline and calls the listener (the delivery outbox), so a
 * change and its notifications commit or vanish together.
 */
export class IncidentService {
  private readonly db: Kysely<DB>;
  private readonly repo: IncidentStore;
  private readonly clock: Clock;
  private readonly listener: IncidentListener;
  private readonly log: Logger;
  private readonly lock: boolean;
  private readonly maxPayloadBytes: number;
  private readonly keepPayloads: number;
  private readonly noise: NoiseSettings;
  private readonly ackTimeoutOf: IncidentServiceDeps['ackTimeoutOf'];
  private readonly mayAct: IncidentServiceDeps['mayAct'];

  constructor(deps: IncidentServiceDeps) {
    this.db = deps.db;
    this.clock = deps.clock ?? systemClock;
    this.listener = deps.listener ?? noopListener;
    this.log = deps.logger ?? silentLogger;
    this.repo = deps.repo;
    this.lock = this.repo.isPostgresDb(deps.db);
    this.maxPayloadBytes = deps.payloads?.maxBytes ?? 64 * 1024;
    this.keepPayloads = deps.payloads?.keepPerIncident ?? 20;
    this.noise = { ...defaultNoise, ...deps.noise };
    this.ackTimeoutOf = deps.ackTimeoutOf;
    this.mayAct = deps.mayAct;
  }

  /** Applies a batch from `source`: joins or opens the group's incident, updates alerts, may auto-resolve. */
  /** `declaredBy`: a person opened it by hand (incident/declare.ts); the timeline names them. */
  async ingest(source: Source, batch: NormalizedAlertBatch, opts: TxOption & { rawBody?: string; declaredBy?: Actor; declaredFrom?: string } = {}): Promise<IngestResult> {
    const body = this.cutPayload(opts.rawBody ?? JSON.stringify(batch));
    return this.tx(opts.trx, async (trx) => {
      const now = this.clock.now();
      const actor: Actor = opts.declaredBy ?? { id: null, name: source.name, via: 'auto' };
      const openKey = openKeyOf(source.id, batch.groupKey);
      let inc = await this.repo.findOpenIncident(trx, openKey, this.lock);
      let created = false;
      const events: IncidentChange[] = [];
      const timeline: NewTimelineEntry[] = [];
      if (!inc) {
        const firing = batch.alerts.filter((a) => a.status === 'firing');
        if (firing.length === 0) {
          await this.repo.insertPayload(trx, { sourceId: source.id, incidentNumber: null, receivedAt: now, body }, this.keepPayloads);
          return { incident: null, created: false, changed: false, message: 'no open incident for this group; resolved alerts recorded' };
        }
        inc = await this.reopenByAlert(trx, source.id, batch.groupKey, actor, now, events, timeline);
      }
      if (!inc) {
        const firing = batch.alerts.filter((a) => a.status === 'firing');
        const merge0 = mergeAlerts(0, new Map(), firing, now);
        const draft = openIncident(
          { number: 0, sourceId: source.id, groupKey: batch.groupKey, title: batch.title, description: batch.description,
            severity: merge0.firingSeverity!, labels: batch.labels, links: batch.links },
          actor,
          now,
        );
        const number = await this.repo.insertIncident(trx, draft);
        if (number === null) {
          // Another replica opened this group between our read and our insert: join it.
          inc = await this.repo.findOpenIncident(trx, openKey, this.lock);
          if (!inc) throw new LostRace();
        } else {
          inc = { ...draft, number };
          created = true;
        }
      }

      const existing = created ? new Map<string, Alert>() : await this.alertsByFingerprint(trx, inc.number);
      const merge = mergeAlerts(inc.number, existing, batch.alerts, now);
      await this.repo.upsertAlerts(trx, merge.writes.map(this.repo.alertToRow));
      const entry = (kind: string, message: string, data: unknown, by: Actor = actor) =>
        timeline.push({ incident_number: inc!.number, at: now, kind, via: by.via, actor_id: by.id, actor_name: by.name,
          message, data: data === null ? null : JSON.stringify(data) });
      const fps = (l: Alert[]) => l.map((a) => a.fingerprint);
      let next = inc;

      if (created) {
        const what = describeAlertChanges(merge.started, []);
        const how = opts.declaredBy
          ? `declared by ${opts.declaredBy.name} on ${source.name}: ${batch.title}${opts.declaredFrom ? `; described by ${opts.declaredFrom}` : ''}`
          : `opened from ${source.name}: ${what}`;
        entry('open', `#${inc.number} ${how}`, { firing: fps(merge.started), truncated: batch.truncatedAlerts || undefined });
        events.push({ type: 'created', incident: inc, alerts: merge.all, actor });
      } else if (merge.started.length || merge.ended.length) {
        next = { ...inc, severity: merge.firingSeverity ?? inc.severity, version: inc.version + 1, updatedAt: now };
        entry('alerts', describeAlertChanges(merge.started, merge.ended), { firing: fps(merge.started), resolved: fps(merge.ended) });
        if (merge.started.length) events.push({ type: 'alert_added', incident: next, previous: inc, alerts: merge.started, actor });
        if (merge.ended.length) events.push({ type: 'alert_resolved', incident: next, previous: inc, alerts: merge.ended, actor });
        if (merge.ended.length && merge.firingSeverity === null) {
          const out = decide(next, { type: 'auto_resolve' }, actor, now);
          if (out.changed) {
            entry(out.kind, `${out.message}`, null, actor);
            events.push({ type: 'state_changed', incident: out.incident, previous: next, action: out.kind, actor, message: out.message });
            next = out.incident;
          }
        }
        if (!(await this.repo.updateIncident(trx, next, inc.version, inc))) throw new LostRace();
      }
      await this.repo.insertTimeline(trx, timeline);
      for (const e of events) await this.listener.onChange(trx, e);
      await this.repo.insertPayload(trx, { sourceId: source.id, incidentNumber: inc.number, receivedAt: now, body }, this.keepPayloads, !created);
      const changed = created || merge.writes.length > 0;
      return { incident: next, created, changed, message: timeline.map((t) => t.message).join('; ') || 'nothing changed' };
    });
  }

  /**
   * A firing for a group with no open incident: within reopen_minutes of the group's last incident
   * resolving by itself, or while the group flaps, that incident reopens (README "Maintenance and
   * noise"). Returns it reopened (stored, its timeline line and change queued), or null.
   */
  private async reopenByAlert(
    trx: Transaction<DB>, sourceId: number, groupKey: string, actor: Actor, now: number, events: IncidentChange[], timeline: NewTimelineEntry[],
  ): Promise<Incident | null> {
    const last = await this.repo.lastOfGroup(trx, sourceId, groupKey, this.lock);
    if (!last || last.status !== 'resolved') return null;
    const noise = noiseFor(this.noise, await this.repo.sourceNoise(trx, sourceId));
    if (noise.reopenMs <= 0 && (noise.flapChanges <= 0 || noise.flapMs <= 0)) return null;
    const prior = noise.flapMs > 0 ? await this.repo.groupChangesSince(trx, sourceId, groupKey, now - noise.flapMs) : 0;
    const r = refire(last, prior, now, noise);
    if (!r.reopen) return null;
    const out = decide(last, { type: 'reopen', groupFree: true }, actor, now);
    if (!out.changed) return null;
    if (!(await this.repo.updateIncident(trx, out.incident, last.version, last))) throw new LostRace();
    await this.repo.setFlapping(trx, last.number, r.flapping);
    timeline.push({ incident_number: last.number, at: now, kind: 'reopen', via: actor.via, actor_id: actor.id, actor_name: actor.name, message: r.message,
      data: r.flapping ? JSON.stringify({ flapping: r.flapping }) : null });
    events.push({ type: 'state_changed', incident: out.incident, previous: last, action: 'reopen', actor, message: r.message, ...(r.flapping ? { flapping: r.flapping } : { resume: true as const }) });
    return out.incident;
  }

  /**
   * `duration`: the acknowledgement's time box as typed ("30m", 1 minute … 7 days); "none" or null:
   * until resolved; absent: the source's policy default (`ack_timeout`), else until resolved.
   */
  ack(number: number, actor: Actor, opts: TxOption & { duration?: string | null } = {}): Promise<TransitionResult> {
    const d = opts.duration;
    const boxMs = d === undefined || d === null || d === 'none' ? null : parseSnoozeDuration(d, 'acknowledge');
    return this.transition(
      number,
      actor,
      async (inc, trx) => {
        const ms = boxMs ?? (d === undefined && this.ackTimeoutOf ? await this.ackTimeoutOf(trx, inc.sourceId) : null);
        return { type: 'ack', untilMs: ms ? this.clock.now() + ms : null };
      },
      opts,
    );
  }

  /** Moves the end of an acknowledgement's time box to `duration` from now ("Extend 30 m"). */
  extendAck(number: number, duration: string, actor: Actor, opts: TxOption = {}): Promise<TransitionResult> {
    const durationMs = parseSnoozeDuration(duration, 'extend');
    return this.transition(number, actor, () => ({ type: 'ack_extend', durationMs }), opts);
  }

  /**
   * Back to triggered and the current level paged again: asked for by a person ("Hand back"), or by
   * Hark when the acker left the reminder unanswered (`timedOut`; unchanged if no longer acknowledged).
   */
  handBack(number: number, actor: Actor | null, opts: TxOption & { timedOut?: { acker: string; graceMs: number } } = {}): Promise<TransitionResult> {
    return this.transition(number, actor ?? HARK, () => ({ type: 'hand_back', timedOut: opts.timedOut }), opts);
  }

  unack(number: number, actor: Actor, opts: TxOption = {}): Promise<TransitionResult> {
    return this.transition(number, actor, () => ({ type: 'unack' }), opts);
  }

  /** `duration` as typed ("30m", "1h30m") or milliseconds; bounded to 1 minute … 7 days. */
  snooze(number: number, duration: string | number, actor: Actor, opts: TxOption = {}): Promise<TransitionResult> {
    const durationMs = typeof duration === 'number' ? parseSnoozeDuration(`${Math.round(duration / 1000)}s`) : parseSnoozeDuration(duration);
    return this.transition(number, actor, () => ({ type: 'snooze', durationMs }), opts);
  }

  resolve(number: number, actor: Actor, opts: TxOption = {}): Promise<TransitionResult> {
    return this.transition(number, actor, () => ({ type: 'resolve' }), opts);
  }

  reopen(number: number, actor: Actor, opts: TxOption = {}): Promise<TransitionResult> {
    return this.transition(
      number,
      actor,
      async (inc, trx) => ({ type: 'reopen', groupFree: !(await this.repo.isGroupOpen(trx, openKeyOf(inc.sourceId, inc.groupKey))) }),
      opts,
    );
  }

  /**
   * Ends one incident's snooze if it is over (a durable timer fired): back to triggered, the
   * listeners notify again. Unchanged when it was already ended, extended or resolved.
   */
  endSnooze(number: number, opts: TxOption = {}): Promise<TransitionResult> {
    return this.transition(number, HARK, () => ({ type: 'snooze_end' }), opts);
  }

  /**
   * Ends every snooze that is over by `now`: those incidents go back to triggered (and the listener
   * tells the surfaces to notify again). Called by a periodic scanner; returns the changes made.
   */
  async endDueSnoozes(now: number = this.clock.now(), limit = 100): Promise<TransitionResult[]> {
    const due = await this.run(() => this.repo.dueSnoozes(this.db, now, limit));
    const done: TransitionResult[] = [];
    for (const number of due) {
      const r = await this.transition(number, HARK, () => ({ type: 'snooze_end' }), {}, now);
      if (r.changed) done.push(r);
    }
    return done;
  }

  /** The incident alone, or null. */
  async find(number: number): Promise<Incident | null> {
    return this.run(() => this.repo.getIncident(this.db, number, false));
  }

  async get(number: number): Promise<IncidentDetail> {
    return this.run(async () => {
      const incident = await this.repo.getIncident(this.db, number, false);
      if (!incident) throw notFound(number);
      const [source, alertRows, timeline] = await Promise.all([
        this.repo.findSourceById(this.db, incident.sourceId),
        this.repo.alertRowsOf(this.db, number),
        this.repo.timelineOf(this.db, number),
      ]);
      return { incident, source: source!, alerts: alertRows.map(this.repo.alertFromRow), timeline };
    });
  }

  /** Newest first; `cursor` is the opaque next_cursor of the previous page. */
  async list(opts: ListOptions = {}): Promise<{ items: IncidentSummary[]; nextCursor: string | null }> {
    const statuses = parseStatuses(opts.status);
    const limit = opts.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new HarkError('invalid', 'limit: must be an integer from 1 to 200');
    const before = opts.cursor ? decodeCursor(opts.cursor) : null;
    const rows = await this.run(() => this.repo.listIncidents(this.db, { statuses, limit: limit + 1, before }));
    const items = rows.slice(0, limit);
    const nextCursor = rows.length > limit ? encodeCursor(items[items.length - 1].incident.number) : null;
    return { items, nextCursor };
  }

  private async transition(
    number: number,
    actor: Actor,
    command: (inc: Incident, trx: Transaction<DB>) => Command | Promise<Command>,
    opts: TxOption,
    at?: number,
  ): Promise<TransitionResult> {
    // A person's change is checked first, outside the transaction: a refusal changes nothing.
    if (this.mayAct && actor.id !== null && actor.via !== 'auto') await this.mayAct(actor, number);
    return this.tx(opts.trx, async (trx) => {
      const inc = await this.repo.getIncident(trx, number, this.lock);
      if (!inc) throw notFound(number);
      const now = at ?? this.clock.now();
      const out = decide(inc, await command(inc, trx), actor, now);
      if (!out.changed) return { incident: inc, changed: false, by: out.by, at: out.by?.at ?? null, message: out.message };
      if (!(await this.repo.updateIncident(trx, out.incident, inc.version, inc))) throw new LostRace();
      await this.repo.insertTimeline(trx, [
        { incident_number: number, at: now, kind: out.kind, via: actor.via, actor_id: actor.id, actor_name: actor.name,
          message: out.message, data: null },
      ]);
      await this.listener.onChange(trx, {
        type: 'state_changed', incident: out.incident, previous: inc, action: out.kind, actor, message: out.message,
        ...(opts.hints ? { hints: opts.hints } : {}),
      });
      return { incident: out.incident, changed: true, by: { id: actor.id, name: actor.name, at: now }, at: now, message: out.message };
    });
  }

  private async alertsByFingerprint(trx: Transaction<DB>, number: number): Promise<Map<string, Alert>> {
    const rows = await this.repo.alertRowsOf(trx, number);
    return new Map(rows.map((r) => [r.fingerprint, this.repo.alertFromRow(r)]));
  }

  /**
   * Runs `fn` in the caller's transaction, or in a new one that is retried when it lost a race
   * (open_key taken, version moved, PostgreSQL serialization failure/deadlock). Overload and
   * connection failures become HarkError('unavailable') → 503, so senders retry.
   */
  private async tx<T>(outer: Transaction<DB> | undefined, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    if (outer) return fn(outer);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(fn);
      } catch (err) {
        const retry = err instanceof LostRace || this.repo.isUniqueViolation(err) || this.repo.isRetryableConflict(err);
        if (retry && attempt < MAX_ATTEMPTS) {
          this.log.debug({ attempt, err: (err as Error).message }, 'incident transaction lost a race; retrying');
          continue;
        }
        throw this.translate(err);
      }
    }
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.translate(err);
    }
  }

  private translate(err: unknown): unknown {
    if (err instanceof HarkError) return err;
    if (err instanceof LostRace || this.repo.isTransientDbError(err) || this.repo.isUniqueViolation(err)) {
      this.log.warn({ err }, 'database busy or unavailable');
      return new HarkError('unavailable', 'the database is busy or unavailable; retry shortly');
    }
    return err;
  }

  private cutPayload(body: string): string {
    if (body.length <= this.maxPayloadBytes / 4 || Buffer.byteLength(body) <= this.maxPayloadBytes) return body;
    const cut = Buffer.from(body).subarray(0, this.maxPayloadBytes).toString('utf8');
    return `${cut}\n…[truncated: ${Buffer.byteLength(body)} bytes received]`;
  }
}

const notFound = (number: number) => new HarkError('not_found', `incident #${number} does not exist`);
