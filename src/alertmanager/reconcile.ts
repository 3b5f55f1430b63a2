import type { Kysely, Transaction } from 'kysely';
import { formatTime } from '../incident/incident.ts';
import type { Clock } from '../incident/ports.ts';
import type { Logger } from '../log.ts';
import {
  deleteSilence,
  dropSilenceAttempt,
  incidentsWithSilenceAttempts,
  putSilence,
  silenceAttemptsOf,
  silenceOf,
} from '../store/alertmanager-repo.ts';
import { insertTimeline } from '../store/incident-repo.ts';
import type { DB, SilenceAttemptRow } from '../store/schema.ts';
import { cancel, schedule } from '../store/timer-repo.ts';
import type { AlertmanagerClient, AlertmanagerTarget, ListedSilence, Matcher } from './client.ts';
import { parseMarker } from './marker.ts';
import { describeMatchers } from './matchers.ts';

// Hark's record of an incident's silence against Alertmanager's list (issue 29 item 2). A silence
// asked for is an attempt (silence_attempts) until its outcome is known. `settle` reads
// Alertmanager's GET /api/v2/silences: an attempt found there is adopted (the card and timeline
// show it) or, if it was unsilenced meanwhile, expired; an attempt not found within the horizon is
// dropped with a timeline line. After a request without an answer, and at start-up (a crash between
// Alertmanager's answer and Hark's commit), `checkLater` keeps settling until no attempt is left.

/** What redraws the incident's card copies after a change that is not a new incident version. */
export interface CardRefresher {
  refreshCards(db: Kysely<DB>, incidentNumber: number): Promise<void>;
  wake(): void;
}

export interface ReconcilerDeps {
  db: Kysely<DB>;
  client: AlertmanagerClient;
  cards: CardRefresher;
  /** This Hark, as silence markers name it. */
  instance: string;
  clock: Clock;
  log: Logger;
  scheduled: (dueAt: number) => void;
  /** How long an attempt not in Alertmanager's list is still waited for. */
  horizonMs: number;
  /** The incident's Alertmanager (throws when it has none any more). */
  target(incident: number): Promise<AlertmanagerTarget>;
}

export interface Recorded {
  silenceId: string;
  matchers: readonly Matcher[] | string;
  startsAt: number;
  until: number;
  actorId: number | null;
  actorName: string;
  /** The attempt this answers, dropped in the same transaction. */
  token?: string;
}

const isLive = (s: ListedSilence) => s.state === 'active' || s.state === 'pending';

export class Reconciler {
  private readonly waiting = new Map<number, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly d: ReconcilerDeps) {}

  /** This Hark's live silences of the incident in Alertmanager's list. */
  liveOf(incident: number, listed: readonly ListedSilence[]): ListedSilence[] {
    return listed.filter((s) => {
      const m = parseMarker(s.comment);
      return isLive(s) && m !== null && m.instance === this.d.instance && m.incident === incident;
    });
  }

  /** Brings Hark's record of the incident's silence in line with Alertmanager's list. */
  async settle(incident: number, target: AlertmanagerTarget, listed: readonly ListedSilence[]): Promise<void> {
    const now = this.d.clock.now();
    const byToken = new Map<string, ListedSilence>();
    for (const s of listed) {
      const m = parseMarker(s.comment);
      if (m && m.instance === this.d.instance && m.incident === incident) byToken.set(m.token, s);
    }
    const attempts = await silenceAttemptsOf(this.d.db, incident);
    let answered: { attempt: SilenceAttemptRow; silence: ListedSilence } | null = null;
    const unwanted = new Set<string>();
    for (const a of attempts) {
      const found = byToken.get(a.token);
      if (a.state === 'cancelled') {
        // Unsilenced while Alertmanager was still making it: expire it now that it shows (never adopt it).
        if (found) unwanted.add(found.id);
        if (found && isLive(found)) await this.d.client.expireSilence(target, found.id, this.backgroundMs());
        if (found || now - a.created_at > this.d.horizonMs) await dropSilenceAttempt(this.d.db, a.token);
      } else if (found && isLive(found)) {
        answered = { attempt: a, silence: found };
      } else if (found) {
        await dropSilenceAttempt(this.d.db, a.token); // made, then expired at Alertmanager since
      } else if (now - a.created_at > this.d.horizonMs && (await dropSilenceAttempt(this.d.db, a.token))) {
        await this.line(this.d.db, incident, 'silence_unconfirmed',
          `Alertmanager never showed the silence ${a.created_by_name} asked for at ${formatTime(a.created_at, now)}: nothing was silenced`, { token: a.token });
      }
    }
    const current = await silenceOf(this.d.db, incident);
    const live = this.liveOf(incident, listed).filter((s) => !unwanted.has(s.id));
    const currentLive = current !== null && live.some((s) => s.id === current.silence_id);
    if (answered) {
      await this.adopt(incident, answered.silence, answered.attempt);
    } else if (!currentLive && live.length) {
      // A silence of this incident with no attempt left (given up on, then made): show it.
      await this.adopt(incident, [...live].sort((x, y) => y.endsAt - x.endsAt)[0], null);
    } else if (current && !currentLive && current.ends_at > now && listed.some((s) => s.id === current.silence_id)) {
      await this.forget(incident, now); // expired at Alertmanager directly
    }
  }

  /** Records a silence Alertmanager holds as the incident's (in the caller's transaction). */
  async record(trx: Transaction<DB>, incident: number, r: Recorded): Promise<void> {
    const now = this.d.clock.now();
    // The timer row before the silence row: the scanner ending a silence takes them in that order.
    await schedule(trx, { kind: 'silence_end', incidentNumber: incident, dueAt: r.until }, now);
    await putSilence(trx, {
      incident_number: incident,
      silence_id: r.silenceId,
      matchers: typeof r.matchers === 'string' ? r.matchers : JSON.stringify(r.matchers),
      starts_at: r.startsAt,
      ends_at: r.until,
      created_by: r.actorId,
      created_by_name: r.actorName,
      created_at: now,
    });
    if (r.token) await dropSilenceAttempt(trx, r.token);
  }

  /** The recorded silence is no more: the cards stop showing it. */
  async forget(incident: number, now: number): Promise<void> {
    await this.d.db.transaction().execute(async (trx) => {
      await cancel(trx, incident, ['silence_end'], now);
      await deleteSilence(trx, incident);
      await this.d.cards.refreshCards(trx, incident);
    });
    this.d.cards.wake();
  }

  private async adopt(incident: number, s: ListedSilence, attempt: SilenceAttemptRow | null): Promise<void> {
    const now = this.d.clock.now();
    const adopted = await this.d.db.transaction().execute(async (trx) => {
      const current = await silenceOf(trx, incident);
      if (current && current.silence_id === s.id && current.ends_at === s.endsAt) {
        if (attempt) await dropSilenceAttempt(trx, attempt.token);
        return false;
      }
      // Another replica (or the answer itself) got there first.
      if (attempt && !(await dropSilenceAttempt(trx, attempt.token))) return false;
      const by = attempt?.created_by_name ?? current?.created_by_name ?? 'Alertmanager';
      await this.record(trx, incident, {
        silenceId: s.id,
        matchers: attempt?.matchers ?? current?.matchers ?? '[]',
        startsAt: attempt?.created_at ?? now,
        until: s.endsAt,
        actorId: attempt?.created_by ?? current?.created_by ?? null,
        actorName: by,
      });
      const matchers = JSON.parse(attempt?.matchers ?? current?.matchers ?? '[]') as Matcher[];
      await this.line(trx, incident, 'silence',
        `silenced until ${formatTime(s.endsAt, now)} by ${by} (${describeMatchers(matchers)}; Alertmanager silence ${s.id}, confirmed after Hark had stopped waiting)`,
        { silence_id: s.id, until: s.endsAt });
      await this.d.cards.refreshCards(trx, incident);
      return true;
    });
    if (!adopted) return;
    this.d.cards.wake();
    this.d.scheduled(s.endsAt);
    this.d.log.info({ incident, silenceId: s.id }, 'silence found at Alertmanager and recorded');
  }

  /** Settles the incident again soon, and again, until none of its attempts is left. */
  checkLater(incident: number, delayMs = this.d.client.timeoutMs): void {
    if (this.stopped || this.waiting.has(incident)) return;
    const t = setTimeout(() => {
      this.waiting.delete(incident);
      void this.check(incident).then(
        (left) => left && this.checkLater(incident, Math.min(delayMs * 2, this.d.horizonMs / 4)),
        (err: unknown) => {
          this.d.log.warn({ err, incident }, 'could not check Alertmanager for an unconfirmed silence; trying again');
          this.checkLater(incident, Math.min(delayMs * 2, this.d.horizonMs / 4));
        },
      );
    }, delayMs);
    t.unref();
    this.waiting.set(incident, t);
  }

  /** Start-up: attempts a previous process left unanswered (it crashed, or stopped waiting). */
  sweep(): void {
    void incidentsWithSilenceAttempts(this.d.db).then(
      (incidents) => incidents.forEach((n) => this.checkLater(n, 0)),
      (err: unknown) => this.d.log.warn({ err }, 'could not look for unconfirmed silences'),
    );
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.waiting.values()) clearTimeout(t);
    this.waiting.clear();
  }

  /** True while attempts are left. */
  private async check(incident: number): Promise<boolean> {
    if ((await silenceAttemptsOf(this.d.db, incident)).length === 0) return false;
    let target: AlertmanagerTarget;
    try {
      target = await this.d.target(incident);
    } catch {
      return false; // the source lost its Alertmanager: nothing to look at
    }
    await this.settle(incident, target, await this.d.client.listSilences(target, this.backgroundMs()));
    return (await silenceAttemptsOf(this.d.db, incident)).length > 0;
  }

  /** Background calls answer no click: they may wait longer. */
  private backgroundMs(): number {
    return 5 * this.d.client.timeoutMs;
  }

  private async line(db: Kysely<DB>, incident: number, kind: string, message: string, data: unknown): Promise<void> {
    await insertTimeline(db, [
      { incident_number: incident, at: this.d.clock.now(), kind, via: 'auto', actor_id: null, actor_name: 'Hark', message, data: JSON.stringify(data) },
    ]);
  }
}
