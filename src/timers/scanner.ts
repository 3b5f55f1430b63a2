import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../incident/ports.ts';
import type { Logger } from '../log.ts';
import type { Incident } from '../incident/types.ts';
import { lockFreeIncidents } from '../store/incident-repo.ts';
import type { DB } from '../store/schema.ts';
import { dueTimers, earliestDue, markFailedAttempt, markFired, purgeFinished, type Timer } from '../store/timer-repo.ts';
import { deferWrites, flushWrites } from '../store/write-batch.ts';
import type { TimerRegistry } from './registry.ts';

// The timer scanner: finds due timers in the database and fires each exactly once, whichever
// replica gets there first. Firing a timer, marking it done and its effect (a snooze ending, the
// next escalation level's outbox rows and timer) are one transaction: a crash rolls all of it back
// and the timer is still due, so the next scan (here after a restart, or on another replica) fires
// it. In-process timers only shorten the wait for due times this process scheduled itself.

export interface ScannerConfig {
  /** Look for timers scheduled by other replicas at least this often. */
  pollMs: number;
  /**
   * Transactions firing timers at once per replica (PostgreSQL; SQLite has one writer, so 1 there).
   * A group spends most of its time waiting for round trips, so more groups in flight fire a burst
   * sooner: 1,000 steps due at once on two replicas, p99 1,824–3,093 ms with 4 against 4,427–7,133
   * with 2, alternating runs on the same machine (README "Benchmarks"); 8 was no better than 4.
   */
  concurrency: number;
  /** At most this many timers per scan before sleeping again (keeps stop() prompt). */
  batch: number;
  /**
   * Timers fired in one transaction. A database round trip, not the work, is most of a timer's
   * cost, so a thousand steps falling due together fire several times faster in groups than one by
   * one (bench timer-lag). Since a group's reads are made once (store/read-ahead.ts) and its inserts
   * written together (store/write-batch.ts), a group costs about ten statements whatever its size,
   * so bigger groups mean fewer of them: 1,000 steps on two PostgreSQL replicas, p99 178–417 ms in
   * groups of 50 against 1,082–2,069 in groups of 20 (README "Benchmarks"). A group holds its
   * incidents' locks until it commits, so an ack of one of them waits that long (milliseconds;
   * at most a few hundred in such a burst). A group that fails is fired again one timer at a time.
   */
  fireBatch: number;
  /** A failing timer is retried after retryBaseMs·2^attempts (capped at a minute)… */
  retryBaseMs: number;
  /** …and given up (status failed, logged) after this many attempts. */
  maxAttempts: number;
  /** Fired and cancelled timers are deleted after this long. */
  keepDoneMs: number;
}

export const defaultScannerConfig: ScannerConfig = {
  pollMs: 500,
  concurrency: 4,
  batch: 200,
  fireBatch: 50,
  retryBaseMs: 1000,
  maxAttempts: 12,
  keepDoneMs: 86_400_000,
};

export interface ScannerDeps {
  db: Kysely<DB>;
  postgres: boolean;
  /** Who fires each kind (registry.ts): the scanner knows no kind by name. */
  registry: TimerRegistry;
  clock: Clock;
  log: Logger;
  /** Identity recorded in timers.fired_by (which replica fired it). */
  owner: string;
  config: ScannerConfig;
  /** Told how late each timer fired after its due time (hark_timer_lag_seconds). */
  onFired: (kind: string, lagMs: number) => void;
}

const PURGE_EVERY_MS = 3_600_000;
/** A timer whose incident is busy (an ack in progress) is looked at again this soon. */
const BUSY_RETRY_MS = 20;

export class TimerScanner {
  private running = false;
  private loopDone: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private wakeAt = Infinity;
  private wake: (() => void) | null = null;
  /** Earliest due time poked while a scan ran (its transaction may not have been visible yet). */
  private poked = Infinity;
  private lastPurge = 0;
  /** Timers fired by this scanner (metrics, tests). */
  fired = 0;

  constructor(private readonly d: ScannerDeps) {}

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts scanning; the first scan runs at once, so whatever fell due while Hark was down fires now. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /**
   * Stops scanning and waits for the timers being fired to commit. Nothing is held outside a
   * transaction, so there is nothing to hand back: an unfired timer stays due for the others.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.interrupt();
    await this.loopDone;
  }

  /** A timer due at `dueAt` was scheduled here: wake then instead of at the next poll. */
  poke(dueAt: number): void {
    this.poked = Math.min(this.poked, dueAt);
    if (!this.running || !this.wake || dueAt >= this.wakeAt) return;
    const delay = Math.max(0, dueAt - this.d.clock.now()) + 5;
    this.sleepFor(delay);
  }

  /** Fires every timer due now (up to `batch`); returns how many fired. Tests call it directly. */
  async runDue(): Promise<number> {
    const skip = new Set<number>();
    let fired = 0;
    let budget = this.d.config.batch;
    const workers = this.d.postgres ? Math.max(1, this.d.config.concurrency) : 1;
    const work = async () => {
      while (budget > 0) {
        const limit = Math.min(budget, Math.max(1, this.d.config.fireBatch));
        budget -= limit;
        const r = await this.fireGroup(skip, limit);
        if (r === null) return;
        fired += r;
      }
    };
    await Promise.all(Array.from({ length: workers }, work));
    this.fired += fired;
    return fired;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let delay = this.d.config.pollMs;
      this.poked = Infinity;
      try {
        await this.runDue();
        await this.maybePurge();
        const due = await earliestDue(this.d.db);
        if (due !== null) delay = Math.min(delay, Math.max(BUSY_RETRY_MS, due - this.d.clock.now() + 5));
      } catch (err) {
        this.d.log.error({ err }, 'timer scan failed; retrying at the next poll');
      }
      if (!this.running) break;
      if (this.poked !== Infinity) delay = Math.min(delay, Math.max(BUSY_RETRY_MS, this.poked - this.d.clock.now() + 5));
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.sleepFor(delay);
      });
    }
  }

  private sleepFor(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.wakeAt = this.d.clock.now() + delay;
    this.timer = setTimeout(() => this.interrupt(), delay);
  }

  private interrupt(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wakeAt = Infinity;
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /**
   * Fires up to `limit` due timers (not in `skip`) in one transaction; returns how many fired, or
   * null when none was due. Timers whose incident is busy, or that someone else fired meanwhile,
   * go into `skip`. When the group fails, each of its timers is fired on its own, so one failing
   * timer is retried with backoff (and finally given up) without holding the others back.
   */
  private async fireGroup(skip: Set<number>, limit: number, only?: number): Promise<number | null> {
    const now = this.d.clock.now();
    let claimed: Timer[] = [];
    const lags: { timer: Timer; lag: number }[] = [];
    try {
      const n = await this.d.db.transaction().execute(async (trx): Promise<number | null> => {
        // A group being fired again one at a time is in `skip` (so this scanner's other workers leave
        // it alone meanwhile); `only` names one of them.
        const found = await dueTimers(trx, now, this.d.postgres, only === undefined ? skip : new Set(), limit, only);
        // A query built before another worker's group failed can still claim that group's timers
        // once its rollback frees them: they are that worker's to fire again one at a time, so they
        // are left alone here (it waits for this transaction's lock on them, dueTimers with `only`).
        const timers = only === undefined ? found.filter((t) => !skip.has(t.id)) : found;
        if (timers.length === 0) return null;
        claimed = timers;
        try {
          return await this.fireClaimed(trx, timers, skip, now, lags);
        } catch (err) {
          // Held back from this scanner's other workers before the rollback frees them: they are
          // fired again one at a time below.
          if (only === undefined && timers.length > 1) for (const t of timers) skip.add(t.id);
          throw err;
        }
      });
      for (const { timer, lag } of lags) {
        this.d.onFired(timer.kind, lag);
        this.d.log.debug({ timer: timer.id, kind: timer.kind, incident: timer.incident_number }, 'timer fired');
      }
      return n;
    } catch (err) {
      if (claimed.length === 0) throw err;
      if (claimed.length > 1) {
        // A deadlock or a serialization failure ends up here too: say so, it costs a second.
        this.d.log.warn({ err, timers: claimed.length }, 'a group of timers failed; firing them one at a time');
        for (const t of claimed) skip.add(t.id);
        let fired = 0;
        for (const t of claimed) fired += (await this.fireGroup(skip, 1, t.id)) ?? 0;
        return fired;
      }
      const timer = claimed[0];
      skip.add(timer.id);
      const attempts = timer.attempts + 1;
      const retryAt = attempts >= this.d.config.maxAttempts ? null : now + Math.min(60_000, this.d.config.retryBaseMs * 2 ** (attempts - 1));
      this.d.log.error(
        { err, timer: timer.id, kind: timer.kind, incident: timer.incident_number, attempts },
        retryAt === null ? 'timer kept failing; giving up' : 'timer failed; will retry',
      );
      await markFailedAttempt(this.d.db, timer.id, String((err as Error)?.message ?? err), retryAt, this.d.clock.now()).catch((e: unknown) =>
        this.d.log.error({ err: e, timer: timer.id }, 'could not record the failed timer'),
      );
      return 0;
    }
  }

  /** Fires the claimed timers in the group's transaction; returns how many fired. */
  private async fireClaimed(trx: Transaction<DB>, timers: Timer[], skip: Set<number>, now: number, lags: { timer: Timer; lag: number }[]): Promise<number> {
    // Lock order incident → timer is the one every incident change uses (its listener cancels
    // timers after locking the incident), so never wait for an incident here: come back later.
    // Timers that belong to no incident (incident_number 0: schedule notices) lock nothing else.
    const numbers = [...new Set(timers.map((t) => Number(t.incident_number)).filter((n) => n > 0))];
    const incidents = await lockFreeIncidents(trx, numbers, this.d.postgres);
    const free = timers.filter((t) => Number(t.incident_number) <= 0 || incidents.has(Number(t.incident_number)) || !this.d.postgres);
    const marked = await markFired(trx, free.map((t) => t.id), this.d.owner, now);
    for (const t of timers) if (!marked.has(t.id)) skip.add(t.id);
    await this.beforeGroup(trx, free.filter((t) => marked.has(t.id)), incidents);
    for (const timer of free) {
      if (!marked.has(timer.id)) continue;
      // A kind that asked has its inserts kept and written together below; any other kind's
      // handler sees everything written before it (store/write-batch.ts).
      if (this.d.registry.defersWrites(timer.kind)) deferWrites(trx);
      else await flushWrites(trx);
      await this.effect(trx, timer, now, incidents.get(Number(timer.incident_number)) ?? null);
      lags.push({ timer, lag: now - Number(timer.due_at) });
    }
    await flushWrites(trx);
    return lags.length;
  }

  /** Each kind's group hook (registry.ts), for the kinds with more than one timer in the group. */
  private async beforeGroup(trx: Transaction<DB>, timers: Timer[], incidents: ReadonlyMap<number, Incident>): Promise<void> {
    const byKind = new Map<string, Timer[]>();
    for (const t of timers) byKind.set(t.kind, [...(byKind.get(t.kind) ?? []), t]);
    for (const [kind, list] of byKind) {
      const hook = this.d.registry.beforeGroupOf(kind);
      if (hook && list.length > 1) await hook(trx, list, incidents);
    }
  }

  /** `inc`: the timer's incident, read and locked by fireGroup (null for timers of no incident). */
  private async effect(trx: Transaction<DB>, timer: Timer, now: number, inc: Incident | null): Promise<void> {
    const handler = this.d.registry.handlerOf(timer.kind);
    if (!handler) {
      this.d.log.warn({ timer: timer.id, kind: timer.kind }, 'unknown timer kind; dropped');
      return;
    }
    await handler(trx, timer, now, inc);
  }

  private async maybePurge(): Promise<void> {
    const now = this.d.clock.now();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    const n = await purgeFinished(this.d.db, now - this.d.config.keepDoneMs);
    if (n) this.d.log.info({ purged: n }, 'old timers deleted');
  }
}
