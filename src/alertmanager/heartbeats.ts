import type { Kysely, Transaction } from 'kysely';
import { HarkError } from '../errors.ts';
import type { IncidentService } from '../incident/service.ts';
import type { Clock } from '../incident/ports.ts';
import { openKeyOf, type Source } from '../incident/types.ts';
import type { Logger } from '../log.ts';
import {
  cancelHeartbeat,
  heartbeatSourceOf,
  recordPing,
  scheduleHeartbeat,
  settingsById,
  type SourceSettings,
} from '../store/alertmanager-repo.ts';
import { isPostgresDb } from '../store/db-errors.ts';
import { findOpenIncident } from '../store/incident-repo.ts';
import { findSourceById } from '../store/source-repo.ts';
import type { DB } from '../store/schema.ts';
import { heartbeatBatch, HEARTBEAT_GROUP_KEY } from './heartbeat-alert.ts';

// Heartbeats (issue 16): a source with heartbeat_minutes must ping at least that often. Each ping
// moves the source's durable timer (a `timers` row, fired by the timer scanner, src/timers/, once across
// replicas, surviving restarts) to "now + timeout"; when it fires, the pings have stopped and
// Hark opens a critical incident through the ordinary ingest path, so it pages like any other.
// The next ping resolves it. No ping yet means no timer: a heartbeat is armed by its first ping.

export interface HeartbeatServiceDeps {
  db: Kysely<DB>;
  incidents: Pick<IncidentService, 'ingest'>;
  clock: Clock;
  logger: Logger;
  /** Tells the timer scanner about a due time this process scheduled (wake then, not at the next poll). */
  scheduled: (dueAt: number) => void;
  /** Length of one heartbeat minute (tests scale it down; heartbeat_minutes is whole minutes). */
  minuteMs?: number;
}

export interface PingResult {
  readonly source: string;
  /** When Hark opens an incident unless another ping comes; null without heartbeat_minutes. */
  readonly nextCheck: number | null;
  /** The heartbeat incident this ping resolved, if one was open. */
  readonly resolved: number | null;
}

export class HeartbeatService {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly lock: boolean;
  private readonly minuteMs: number;

  constructor(private readonly d: HeartbeatServiceDeps) {
    this.minuteMs = d.minuteMs ?? 60_000;
    this.clock = d.clock;
    this.log = d.logger.child({ component: 'heartbeats' });
    this.lock = isPostgresDb(d.db);
  }

  /** A ping from `source` (the heartbeat route, or a firing Watchdog alert). */
  async ping(source: Source): Promise<PingResult> {
    const result = await this.d.db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      const s = await settingsById(trx, source.id);
      if (!s) throw new HarkError('not_found', `source ${source.name} does not exist`);
      await recordPing(trx, source.id, now);
      let nextCheck: number | null = null;
      if (s.heartbeatMinutes) {
        nextCheck = now + s.heartbeatMinutes * this.minuteMs;
        await scheduleHeartbeat(trx, source.id, nextCheck, now);
      }
      // The timer first, then the incident: the scanner takes them in the same order.
      let resolved: number | null = null;
      const open = await findOpenIncident(trx, openKeyOf(source.id, HEARTBEAT_GROUP_KEY), this.lock);
      if (open) {
        const batch = heartbeatBatch(source.name, s.heartbeatMinutes ?? 0, s.heartbeatAt ?? now, 'resolved', now);
        await this.d.incidents.ingest(source, batch, { trx });
        resolved = open.number;
      }
      return { source: source.name, nextCheck, resolved };
    });
    if (result.nextCheck !== null) this.d.scheduled(result.nextCheck);
    if (result.resolved !== null) this.log.info({ source: source.name, incident: result.resolved }, 'heartbeat back; incident resolved');
    return result;
  }

  /**
   * After heartbeat_minutes changed (in the same transaction): off cancels the timer; a new timeout
   * moves it to the last ping + timeout. Not armed before the first ping.
   */
  async configured(trx: Transaction<DB>, s: SourceSettings): Promise<number | null> {
    const now = this.clock.now();
    if (!s.heartbeatMinutes) {
      await cancelHeartbeat(trx, s.sourceId, now);
      return null;
    }
    if (s.heartbeatAt === null) return null;
    const due = s.heartbeatAt + s.heartbeatMinutes * this.minuteMs;
    await scheduleHeartbeat(trx, s.sourceId, due, now);
    return due;
  }

  /** The scanner fired a heartbeat timer (in its transaction): open the incident if pings really stopped. */
  async fire(trx: Transaction<DB>, timer: { id: number; data: string | null }, now: number): Promise<void> {
    const sourceId = heartbeatSourceOf(timer.data);
    const s = sourceId === null ? null : await settingsById(trx, sourceId);
    if (!s || !s.heartbeatMinutes || s.heartbeatAt === null) return; // turned off or source deleted since
    const due = s.heartbeatAt + s.heartbeatMinutes * this.minuteMs;
    if (due > now) {
      // A ping (or a longer timeout) moved the deadline after this timer was taken: wait for it.
      await scheduleHeartbeat(trx, s.sourceId, due, now);
      this.d.scheduled(due);
      return;
    }
    const source = await findSourceById(trx, s.sourceId);
    if (!source) return;
    const r = await this.d.incidents.ingest(source, heartbeatBatch(source.name, s.heartbeatMinutes, s.heartbeatAt, 'firing', now), { trx });
    this.log.warn({ source: source.name, incident: r.incident?.number, minutes: s.heartbeatMinutes }, 'no heartbeat; incident opened');
  }
}
