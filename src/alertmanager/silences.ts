import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Kysely, Transaction } from 'kysely';
import { cancel } from '../store/timer-repo.ts';
import { HarkError } from '../errors.ts';
import { formatDuration, parseDuration } from '../incident/duration.ts';
import { formatTime } from '../incident/incident.ts';
import type { Clock } from '../incident/ports.ts';
import type { Actor, Incident } from '../incident/types.ts';
import type { Logger } from '../log.ts';
import { redactUrlsIn } from '../redact.ts';
import {
  addSilenceAttempt,
  cancelSilenceAttempts,
  deleteSilence,
  dropSilenceAttempt,
  settingsById,
  silenceAttemptsOf,
  silenceOf,
  type SourceSettings,
} from '../store/alertmanager-repo.ts';
import { alertRowsOf, getIncident, insertTimeline } from '../store/incident-repo.ts';
import type { DB } from '../store/schema.ts';
import { AlertmanagerError, type AlertmanagerClient, type AlertmanagerTarget, type ListedSilence } from './client.ts';
import { HEARTBEAT_GROUP_KEY } from './heartbeat-alert.ts';
import { instanceOf, silenceComment } from './marker.ts';
import { describeMatchers, matchersFor } from './matchers.ts';
import { Reconciler, type CardRefresher } from './reconcile.ts';
import { narrowEnough, notWiderThanIncident } from './scope.ts';
import { SILENCEABLE_KINDS } from './silenceable.ts';

// Silences from Lark (issues 16 and 29): an incident's alerts silenced at the Alertmanager (or
// Grafana) they came from, through its API v2. Before asking, Hark checks the silence is no wider
// than the incident (scope.ts), and writes the attempt down (silence_attempts) with a token that the
// silence's comment carries (marker.ts). Alertmanager's answer commits the silence; a definite "no"
// drops the attempt and changes nothing; no answer (slow, cut off) keeps the attempt and says the
// silence may have been created: reconcile.ts then finds it in Alertmanager's silence list and shows
// it, or expires it if it was unsilenced meanwhile. Unsilence expires every silence of the incident
// Alertmanager holds, not only the one Hark recorded.

export const MIN_SILENCE_MS = 60_000;
export const MAX_SILENCE_MS = 30 * 86_400_000;

export type { CardRefresher } from './reconcile.ts';

export interface SilenceServiceDeps {
  db: Kysely<DB>;
  /** Who may act on the incident (issue 24, src/teams/access.ts); throws HarkError('forbidden') to refuse. */
  mayAct: (actor: Actor, incidentNumber: number) => Promise<void>;
  client: AlertmanagerClient;
  cards: CardRefresher;
  /** HARK_PUBLIC_URL: the silence's comment links the incident, and its marker names this Hark. */
  publicUrl: string;
  clock: Clock;
  logger: Logger;
  /** The timer scanner's poke: the silence's end (a durable timer) wakes it then. */
  scheduled: (dueAt: number) => void;
  /** How long an unanswered attempt is looked for in Alertmanager's list (default 60 × the call deadline). */
  attemptHorizonMs?: number;
}

export interface SilenceResult {
  readonly incident: number;
  readonly silenceId: string;
  readonly until: number;
  readonly by: string;
  /** `alertname="DiskFull", team="storage"`: what the silence matches. */
  readonly matchers: string;
  /** The timeline sentence, e.g. "silenced until 14:00 UTC by Alice (1h; …)". */
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
  private readonly instance: string;
  readonly reconciler: Reconciler;

  constructor(private readonly d: SilenceServiceDeps) {
    this.clock = d.clock;
    this.log = d.logger.child({ component: 'silences' });
    this.instance = instanceOf(d.publicUrl);
    this.reconciler = new Reconciler({
      db: d.db,
      client: d.client,
      cards: d.cards,
      instance: this.instance,
      clock: this.clock,
      log: this.log,
      scheduled: d.scheduled,
      horizonMs: d.attemptHorizonMs ?? 60 * d.client.timeoutMs,
      target: (n) => this.load(n).then((x) => x.target),
    });
  }

  /** Looks for the outcome of attempts a previous process left behind (a crash before its commit). */
  start(): void {
    this.reconciler.sweep();
  }

  stop(): void {
    this.reconciler.stop();
  }

  /**
   * Silences the incident's alerts for `duration`. A live silence of the incident is updated
   * (Alertmanager may answer with a new id, which is kept). Throws HarkError: not_found, invalid
   * (bad duration, no alertmanager_url, a silence wider than the incident), conflict (an earlier
   * attempt is still unanswered), upstream (Alertmanager failed; on the timeline; `details.maybe`
   * when the silence may have been created).
   */
  async silence(number: number, duration: string, actor: Actor): Promise<SilenceResult> {
    await this.d.mayAct(actor, number);
    const ms = parseSilenceDuration(duration);
    const deadline = this.deadline();
    const { incident, target, settings } = await this.load(number);
    const alerts = await alertRowsOf(this.d.db, number);
    const matchers = matchersFor(
      alerts.map((a) => JSON.parse(a.labels) as Record<string, string>),
      incident.labels,
    );
    const tooWide = narrowEnough(number, matchers, settings.silenceLabels);
    if (tooWide) throw new HarkError('invalid', tooWide);
    const what = `silence #${number} for ${duration}`;

    // What Alertmanager holds for this incident first: a silence it made after Hark stopped waiting
    // is adopted (and updated below, not duplicated); an attempt still unanswered blocks a second.
    let listed: ListedSilence[];
    let matched: { fingerprint: string; labels: Record<string, string> }[];
    try {
      listed = await this.d.client.listSilences(target, deadline.left());
      await this.reconciler.settle(number, target, listed);
      matched = await this.d.client.alertsMatching(target, matchers, deadline.left());
    } catch (err) {
      throw await this.failed(number, actor, what, err);
    }
    const waiting = (await silenceAttemptsOf(this.d.db, number)).filter((a) => a.state === 'pending');
    if (waiting.length) {
      const at = formatTime(waiting[0].created_at, this.clock.now());
      throw new HarkError(
        'conflict',
        `the silence of #${number} asked at ${at} may have been created: Alertmanager has not confirmed it yet; Hark keeps checking and the card shows it once it does (Unsilence expires it)`,
      );
    }
    const outside = notWiderThanIncident(number, matchers, new Set(alerts.map((a) => a.fingerprint)), matched);
    if (outside) throw new HarkError('invalid', outside);

    const previous = await silenceOf(this.d.db, number);
    const now = this.clock.now();
    const until = now + ms;
    const token = crypto.randomBytes(6).toString('hex');
    const request = { matchers, startsAt: now, endsAt: until, createdBy: actor.name, comment: silenceComment(this.instance, number, incident.title, token) };
    // Written down before asking: whatever happens to the answer (or to this process), the token in
    // the comment lets Hark find the silence in Alertmanager's list.
    await addSilenceAttempt(this.d.db, {
      token,
      incident_number: number,
      state: 'pending',
      matchers: JSON.stringify(matchers),
      ends_at: until,
      created_by: actor.id,
      created_by_name: actor.name,
      created_at: now,
    });
    let silenceId: string;
    try {
      try {
        silenceId = await this.d.client.createSilence(target, { ...request, ...(previous && previous.ends_at > now ? { id: previous.silence_id } : {}) }, deadline.left());
      } catch (err) {
        // The silence we knew is gone there (expired and collected, or a fresh Alertmanager): make a new one.
        if (!(err instanceof AlertmanagerError && err.status === 404 && previous)) throw err;
        silenceId = await this.d.client.createSilence(target, request, deadline.left());
      }
    } catch (err) {
      if (err instanceof AlertmanagerError && err.mayHaveActed) throw await this.unconfirmed(number, actor, what, err);
      await dropSilenceAttempt(this.d.db, token);
      throw await this.failed(number, actor, what, err);
    }
    const message = `silenced until ${formatTime(until, now)} by ${actor.name} (${formatDuration(ms)}; ${describeMatchers(matchers)}; Alertmanager silence ${silenceId})`;
    await this.d.db.transaction().execute(async (trx) => {
      await this.reconciler.record(trx, number, { silenceId, matchers, startsAt: now, until, actorId: actor.id, actorName: actor.name, token });
      await this.timeline(trx, number, actor, 'silence', message, { silence_id: silenceId, until, matchers });
      await this.d.cards.refreshCards(trx, number);
    });
    this.d.cards.wake();
    this.d.scheduled(until);
    this.log.info({ incident: number, silenceId, until }, 'incident silenced');
    return { incident: number, silenceId, until, by: actor.name, matchers: describeMatchers(matchers), message };
  }

  /** Expires every silence of the incident Alertmanager holds ("Unsilence"), and any still being asked for. */
  async unsilence(number: number, actor: Actor): Promise<UnsilenceResult> {
    await this.d.mayAct(actor, number);
    const deadline = this.deadline();
    const { target } = await this.load(number);
    const what = `unsilence #${number}`;
    let listed: ListedSilence[];
    try {
      listed = await this.d.client.listSilences(target, deadline.left());
    } catch (err) {
      throw await this.failed(number, actor, what, err);
    }
    const now = this.clock.now();
    const current = await silenceOf(this.d.db, number);
    const ids = new Set(this.reconciler.liveOf(number, listed).map((s) => s.id));
    if (current && current.ends_at > now && !listed.some((s) => s.id === current.silence_id && s.state === 'expired')) ids.add(current.silence_id);
    // An attempt still unanswered is expired as soon as it turns up.
    const unanswered = (await silenceAttemptsOf(this.d.db, number)).filter((a) => a.state === 'pending');
    await cancelSilenceAttempts(this.d.db, number);
    if (unanswered.length) this.reconciler.checkLater(number);
    if (ids.size === 0 && unanswered.length === 0) {
      if (current) await this.reconciler.forget(number, now);
      return { incident: number, changed: false, message: `#${number} is not silenced` };
    }
    const expired: string[] = [];
    try {
      for (const id of ids) {
        await this.d.client.expireSilence(target, id, deadline.left());
        expired.push(id);
      }
    } catch (err) {
      const done = expired.length ? ` (expired ${expired.join(', ')}; the rest still silence)` : '';
      throw await this.failed(number, actor, `${what}${done}`, err);
    }
    const parts = [expired.length ? `Alertmanager silence${expired.length > 1 ? 's' : ''} ${expired.join(', ')} expired` : ''];
    if (unanswered.length) parts.push('a silence still unconfirmed by Alertmanager is expired when it turns up');
    const message = `unsilenced by ${actor.name} (${parts.filter(Boolean).join('; ')})`;
    await this.d.db.transaction().execute(async (trx) => {
      await cancel(trx, number, ['silence_end'], now);
      await deleteSilence(trx, number);
      await this.timeline(trx, number, actor, 'unsilence', message, { silence_ids: expired });
      await this.d.cards.refreshCards(trx, number);
    });
    this.d.cards.wake();
    this.log.info({ incident: number, silenceIds: expired }, 'incident unsilenced');
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

  /** One operation's calls share HARK_ALERTMANAGER_TIMEOUT_MS, so a click is still answered in time. */
  private deadline(): { left(): number } {
    const end = performance.now() + this.d.client.timeoutMs;
    return { left: () => Math.max(50, Math.round(end - performance.now())) };
  }

  private async load(number: number): Promise<{ incident: Incident; target: AlertmanagerTarget; settings: SourceSettings }> {
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
    return { incident, target: { url: s.alertmanagerUrl, token: s.alertmanagerToken }, settings: s };
  }

  /** No answer, but Alertmanager may have acted: the attempt stays, and Hark keeps looking for it. */
  private async unconfirmed(number: number, actor: Actor, what: string, err: AlertmanagerError): Promise<HarkError> {
    const message = `${what} may have been created: ${err.message}; Hark checks Alertmanager's silences and the card shows it if it was`;
    this.log.warn({ incident: number, problem: err.problem, status: err.status }, message);
    await this.timeline(this.d.db, number, actor, 'silence_unconfirmed', message, { problem: err.problem, status: err.status ?? null }).catch((e: unknown) =>
      this.log.error({ err: e, incident: number }, 'could not record the unconfirmed silence on the timeline'),
    );
    this.reconciler.checkLater(number);
    return new HarkError('upstream', message, { problem: err.problem, maybe: true });
  }

  /** Alertmanager said no (or nothing, to a request that changes nothing): a timeline line, and the error for the caller. */
  private async failed(number: number, actor: Actor, what: string, err: unknown): Promise<HarkError> {
    if (err instanceof HarkError) return err;
    if (!(err instanceof AlertmanagerError)) {
      this.log.error({ err, incident: number }, `could not ${what}`);
      return new HarkError('upstream', `could not ${what}: ${redactUrlsIn((err as Error)?.message ?? String(err))}`);
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
