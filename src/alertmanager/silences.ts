import type { Kysely, Transaction } from 'kysely';
import { cancel, schedule } from '../store/timer-repo.ts';
import { HarkError } from '../errors.ts';
import { formatDuration, parseDuration } from '../incident/duration.ts';
import { formatTime } from '../incident/incident.ts';
import { systemClock, type Clock } from '../incident/ports.ts';
import type { Actor, Incident } from '../incident/types.ts';
import { silentLogger, type Logger } from '../log.ts';
import { deleteSilence, putSilence, settingsById, silenceOf } from '../store/alertmanager-repo.ts';
import { alertRowsOf, getIncident, insertTimeline } from '../store/incident-repo.ts';
import type { DB } from '../store/schema.ts';
import { AlertmanagerError, type AlertmanagerClient, type AlertmanagerTarget } from './client.ts';
import { HEARTBEAT_GROUP_KEY } from './heartbeat-alert.ts';
import { describeMatchers, matchersFor } from './matchers.ts';
import { SILENCEABLE_KINDS } from './silenceable.ts';

// Silences from Lark (issue 16): an incident's alerts silenced at the Alertmanager (or Grafana)
// they came from, through its API v2. Alertmanager is called first and outside any transaction;
// only when it said yes does Hark record the silence, write the timeline and redraw the cards.
// When it fails, the timeline says why and nothing else changes, so the button can be pressed again.

export const MIN_SILENCE_MS = 60_000;
export const MAX_SILENCE_MS = 30 * 86_400_000;

/** What redraws the incident's card copies after a change that is not a new incident version. */
export interface CardRefresher {
  refreshCards(db: Kysely<DB>, incidentNumber: number): Promise<void>;
  wake(): void;
}

export interface SilenceServiceDeps {
  db: Kysely<DB>;
  client: AlertmanagerClient;
  cards: CardRefresher;
  /** HARK_PUBLIC_URL: the silence's comment links the incident. */
  publicUrl: string;
  clock?: Clock;
  logger?: Logger;
  /** The timer scanner's poke: the silence's end (a durable timer) wakes it then. */
  scheduled?: (dueAt: number) => void;
}

export interface SilenceResult {
  readonly incident: number;
  readonly silenceId: string;
  readonly until: number;
  readonly by: string;
  /** The timeline sentence, e.g. "silenced until 14:00 UTC by Alice (1h)". */
  readonly message: string;
}

export interface UnsilenceResult {
  readonly incident: number;
  /** False when there was no live silence. */
  readonly changed: boolean;
  readonly message: string;
}

/** "1h", "4h", "24h", "90m", "2d" → ms, bounded to 1 minute … 30 days, or a 400 naming the fix. */
export function parseSilenceDuration(text: unknown): number {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new HarkError('invalid', 'duration: required, e.g. "1h", "4h", "24h" or "2d"');
  }
  const ms = parseDuration(text);
  if (ms === null) throw new HarkError('invalid', `duration: "${text}" is not a duration; use e.g. "1h", "4h", "24h" or "2d"`);
  if (ms < MIN_SILENCE_MS || ms > MAX_SILENCE_MS) {
    throw new HarkError('invalid', `duration: ${text} is out of range; silence for between 1m and 30d`);
  }
  return ms;
}

export class SilenceService {
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly d: SilenceServiceDeps) {
    this.clock = d.clock ?? systemClock;
    this.log = (d.logger ?? silentLogger).child({ component: 'silences' });
  }

  /**
   * Silences the incident's alerts for `duration`. A live silence of the incident is updated
   * (Alertmanager may answer with a new id, which is kept). Throws HarkError: not_found, invalid
   * (bad duration, source without alertmanager_url), upstream (Alertmanager failed; on the timeline).
   */
  async silence(number: number, duration: string, actor: Actor): Promise<SilenceResult> {
    const ms = parseSilenceDuration(duration);
    const { incident, target } = await this.load(number);
    const alerts = await alertRowsOf(this.d.db, number);
    const matchers = matchersFor(
      alerts.map((a) => JSON.parse(a.labels) as Record<string, string>),
      incident.labels,
    );
    if (matchers.length === 0) {
      throw new HarkError('invalid', `#${number} has no labels to match its alerts by, so Hark will not silence everything`);
    }
    const previous = await silenceOf(this.d.db, number);
    const now = this.clock.now();
    const until = now + ms;
    const request = {
      matchers,
      startsAt: now,
      endsAt: until,
      createdBy: actor.name,
      comment: `Hark incident #${number}: ${incident.title} — ${this.d.publicUrl.replace(/\/+$/, '')}/h5/incidents/${number}`,
    };
    let silenceId: string;
    try {
      try {
        silenceId = await this.d.client.createSilence(target, { ...request, ...(previous && previous.ends_at > now ? { id: previous.silence_id } : {}) });
      } catch (err) {
        // The silence we knew is gone there (expired and collected, or a fresh Alertmanager): make a new one.
        if (!(err instanceof AlertmanagerError && err.status === 404 && previous)) throw err;
        silenceId = await this.d.client.createSilence(target, request);
      }
    } catch (err) {
      throw await this.failed(number, actor, `silence #${number} for ${duration}`, err);
    }
    const message = `silenced until ${formatTime(until, now)} by ${actor.name} (${formatDuration(ms)}; ${describeMatchers(matchers)}; Alertmanager silence ${silenceId})`;
    await this.d.db.transaction().execute(async (trx) => {
      // The timer row before the silence row: the scanner ending a silence takes them in that order.
      // When it runs out, the cards stop saying "silenced until" (a durable timer, like a snooze's end).
      await schedule(trx, { kind: 'silence_end', incidentNumber: number, dueAt: until }, now);
      await putSilence(trx, {
        incident_number: number,
        silence_id: silenceId,
        matchers: JSON.stringify(matchers),
        starts_at: now,
        ends_at: until,
        created_by: actor.id,
        created_by_name: actor.name,
        created_at: now,
      });
      await this.timeline(trx, number, actor, 'silence', message, { silence_id: silenceId, until, matchers });
      await this.d.cards.refreshCards(trx, number);
    });
    this.d.cards.wake();
    this.d.scheduled?.(until);
    this.log.info({ incident: number, silenceId, until }, 'incident silenced');
    return { incident: number, silenceId, until, by: actor.name, message };
  }

  /** Expires the incident's silence at Alertmanager ("Unsilence"). */
  async unsilence(number: number, actor: Actor): Promise<UnsilenceResult> {
    const { target } = await this.load(number);
    const current = await silenceOf(this.d.db, number);
    const now = this.clock.now();
    if (!current || current.ends_at <= now) {
      return { incident: number, changed: false, message: `#${number} is not silenced` };
    }
    try {
      await this.d.client.expireSilence(target, current.silence_id);
    } catch (err) {
      throw await this.failed(number, actor, `unsilence #${number}`, err);
    }
    const message = `unsilenced by ${actor.name} (Alertmanager silence ${current.silence_id} expired)`;
    await this.d.db.transaction().execute(async (trx) => {
      await cancel(trx, number, ['silence_end'], now);
      await deleteSilence(trx, number);
      await this.timeline(trx, number, actor, 'unsilence', message, { silence_id: current.silence_id });
      await this.d.cards.refreshCards(trx, number);
    });
    this.d.cards.wake();
    this.log.info({ incident: number, silenceId: current.silence_id }, 'incident unsilenced');
    return { incident: number, changed: true, message };
  }

  /** The silence ran out (its timer fired, in the scanner's transaction): the cards stop showing it. */
  async endSilence(trx: Transaction<DB>, number: number, now: number): Promise<void> {
    const current = await silenceOf(trx, number);
    if (!current || current.ends_at > now) return; // unsilenced, or silenced again for longer
    await deleteSilence(trx, number);
    await this.timeline(trx, number, { id: null, name: 'Hark', via: 'auto' }, 'silence_end', `silence ended (Alertmanager silence ${current.silence_id})`, {
      silence_id: current.silence_id,
    });
    await this.d.cards.refreshCards(trx, number);
    this.d.cards.wake();
  }

  private async load(number: number): Promise<{ incident: Incident; target: AlertmanagerTarget }> {
    const incident = await getIncident(this.d.db, number, false);
    if (!incident) throw new HarkError('not_found', `incident #${number} does not exist`);
    const s = await settingsById(this.d.db, incident.sourceId);
    if (!s || !SILENCEABLE_KINDS.includes(s.kind)) {
      throw new HarkError('invalid', `#${number} comes from ${s?.name ?? 'a source'} of kind ${s?.kind ?? 'unknown'}; only Alertmanager and Grafana alerts can be silenced`);
    }
    if (incident.groupKey === HEARTBEAT_GROUP_KEY) {
      throw new HarkError('invalid', `#${number} is Hark's own heartbeat incident; there is nothing to silence at Alertmanager`);
    }
    if (!s.alertmanagerUrl) {
      throw new HarkError(
        'invalid',
        `source ${s.name} has no alertmanager_url; an admin sets it with PATCH /api/v1/sources/${s.name} {"alertmanager_url": "http://alertmanager:9093"}`,
      );
    }
    return { incident, target: { url: s.alertmanagerUrl, token: s.alertmanagerToken } };
  }

  /** Alertmanager said no (or nothing): a timeline line, and the error for the caller. `what`: "silence #42 for 1h". */
  private async failed(number: number, actor: Actor, what: string, err: unknown): Promise<HarkError> {
    if (!(err instanceof AlertmanagerError)) {
      this.log.error({ err, incident: number }, `could not ${what}`);
      return new HarkError('upstream', `could not ${what}: ${(err as Error)?.message ?? String(err)}`);
    }
    const message = `could not ${what}: ${err.message}`;
    this.log.warn({ incident: number, problem: err.problem, status: err.status }, message);
    await this.timeline(this.d.db, number, actor, 'silence_failed', message, { problem: err.problem, status: err.status ?? null }).catch((e: unknown) =>
      this.log.error({ err: e, incident: number }, 'could not record the failed silence on the timeline'),
    );
    return new HarkError('upstream', message, { problem: err.problem });
  }

  private async timeline(db: Kysely<DB>, number: number, actor: Actor, kind: string, message: string, data: unknown): Promise<void> {
    await insertTimeline(db, [
      { incident_number: number, at: this.clock.now(), kind, via: actor.via, actor_id: actor.id, actor_name: actor.name, message, data: JSON.stringify(data) },
    ]);
  }
}
