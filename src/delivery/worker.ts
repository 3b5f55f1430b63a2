import type { Kysely } from 'kysely';
import type { Logger } from '../log.ts';
import type { DB } from '../store/schema.ts';
import type { DeliveryConfig } from './config.ts';
import { claim, purgeFinished, type OutboxEntry } from '../store/outbox-repo.ts';
import { isPage } from './dispatch.ts';
import { Sender, type SenderDeps } from './sender.ts';

// The outbox worker: claims due rows with a lease (several workers and replicas never hold one
// row at once), hands each to the Sender, and keeps up to maxInFlight calls going. It wakes at
// once when this process enqueues (notify) and polls for rows written by other replicas.

export interface WorkerDeps {
  db: Kysely<DB>;
  postgres: boolean;
  /** What the worker's Sender needs; the worker gives it `notify` and `alive` (its own). */
  sender: Omit<SenderDeps, 'notify' | 'alive'>;
  /** Rung when this process writes outbox rows: the worker looks at once instead of at the next poll. */
  doorbell: Doorbell;
  config: DeliveryConfig;
  clock: () => number;
  log: Logger;
  owner: string;
}

const PURGE_EVERY_MS = 3_600_000;
/** A notify may arrive before its transaction commits (PostgreSQL: another connection); look again this soon. */
const RECHECK_MS = 50;

/** How the outbox's writers wake the worker, which is built after them (its hooks come from the features). */
export class Doorbell {
  private answer: (() => void) | null = null;
  ring(): void {
    this.answer?.();
  }
  /** The worker answers (in its constructor). */
  answeredBy(answer: () => void): void {
    this.answer = answer;
  }
}

export class DeliveryWorker {
  private running = false;
  /** kill(): the process "died"; the Sender writes nothing more. */
  private killed = false;
  private readonly sender: Sender;
  private loopDone: Promise<void> | null = null;
  private readonly inflight = new Map<number, Promise<void>>();
  private readonly perKey = new Map<string, number>();
  /** Pages (dispatch.ts isPage) claimed and not yet finished. */
  private pages = 0;
  private readonly chains = new Map<string, Promise<void>>();
  private kicked = false;
  private wake: (() => void) | null = null;
  private lastPurge = 0;

  constructor(private readonly d: WorkerDeps) {
    this.sender = new Sender({ ...d.sender, notify: () => this.notify(), alive: () => !this.killed });
    d.doorbell.answeredBy(() => this.notify());
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.killed = false;
    this.loopDone = this.loop();
  }

  /** New rows were committed (or are about to be): look now instead of at the next poll. */
  notify(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Stops claiming and waits for the calls in flight to finish and be recorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
    await Promise.allSettled([...this.inflight.values()]);
  }

  /**
   * Stops at once as a crash would: calls in flight may still reach Lark but nothing more is
   * written, and their leases run out so another worker takes the rows over (tests, benchmark).
   */
  kill(): void {
    this.running = false;
    this.killed = true;
    this.wake?.();
  }

  private capFor(rateKey: string): number {
    const c = this.d.config;
    if (rateKey.startsWith('msg:')) return 1;
    return Math.max(1, Math.ceil(rateKey.startsWith('user:') ? c.userPerSecond : c.chatPerSecond));
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const wasKicked = this.kicked;
      this.kicked = false;
      let claimed = 0;
      try {
        claimed = await this.fill();
        await this.maybePurge();
      } catch (err) {
        this.d.log.error({ err }, 'outbox claim failed; retrying at the next poll');
      }
      if (!this.running) break;
      if (claimed > 0 && this.inflight.size < this.d.config.maxInFlight) continue;
      if (claimed === 0 && wasKicked) {
        // Kicked, yet nothing to claim: the kicker's transaction has not committed yet. Look again
        // shortly, once, however many more kicks arrive meanwhile (a thousand escalation steps firing
        // kick a thousand times, and each claim is a query against the same database).
        await this.sleep(RECHECK_MS, { kicks: false });
        continue;
      }
      if (this.kicked) continue;
      await this.sleep(this.d.config.pollMs);
    }
  }

  /** Sleeps `ms`; a kick ends it early unless `kicks` is false (stop() always does). */
  private sleep(ms: number, opts: { kicks?: boolean } = {}): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        if (opts.kicks === false && this.running) return;
        this.wake = null;
        done();
      };
    });
  }

  /** Group sends ('chat:') and card updates ('msg:') in flight, each capped (see groupLookaheadMs). */
  private groupInFlight(): { chat: number; msg: number } {
    const n = { chat: 0, msg: 0 };
    for (const [key, count] of this.perKey) {
      if (key.startsWith('chat:')) n.chat += count;
      else if (key.startsWith('msg:')) n.msg += count;
    }
    return n;
  }

  private async fill(): Promise<number> {
    const room = this.d.config.maxInFlight - this.inflight.size;
    if (room <= 0) return 0;
    const c = this.d.config;
    const groupCap = Math.max(2, Math.ceil((c.appPerSecond * c.pacing * c.groupLookaheadMs) / 1000));
    const group = this.groupInFlight();
    let pages = this.pages;
    const rows = await claim(this.d.db, {
      owner: this.d.owner,
      now: this.d.clock(),
      leaseMs: this.d.config.leaseMs,
      limit: room,
      perKey: Math.max(this.capFor('chat:'), this.capFor('user:')),
      // Called once per candidate, pages first: counts this claim's rows against the caps too.
      skip: (key, priority) => {
        if ((this.perKey.get(key) ?? 0) >= this.capFor(key)) return true;
        if (isPage(priority)) {
          pages++;
          return false;
        }
        const kind = key.startsWith('chat:') ? 'chat' : key.startsWith('msg:') ? 'msg' : null;
        if (kind === null) return false;
        // Group sends book the same per-app slots as pages, first come first served: while a page
        // waits for one, at most one group send holds a slot ahead of it.
        if (group[kind] >= (kind === 'chat' && pages > 0 ? 1 : groupCap)) return true;
        group[kind]++;
        return false;
      },
      postgres: this.d.postgres,
    });
    // Run them even when stop() came meanwhile: stop() waits for them (kill() makes them no-ops).
    for (const row of rows) this.run(row);
    return rows.length;
  }

  /**
   * Rows of one rate key (one group, one person, one message) run one after another in claim
   * order, so a group sees its cards in priority order; different keys run side by side.
   */
  private run(row: OutboxEntry): void {
    const key = row.rate_key;
    const page = isPage(row.priority);
    if (page) this.pages++;
    this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
    const prev = this.chains.get(key) ?? Promise.resolve();
    const p = prev
      .then(() => this.sender.deliver(row))
      .catch((err) => this.d.log.error({ err, outbox: row.id }, 'delivery failed unexpectedly'))
      .finally(() => {
        this.inflight.delete(row.id);
        if (page) this.pages--;
        if (this.chains.get(key) === p) this.chains.delete(key);
        const n = (this.perKey.get(key) ?? 1) - 1;
        if (n <= 0) this.perKey.delete(key);
        else this.perKey.set(key, n);
        this.wake?.();
      });
    this.chains.set(key, p);
    this.inflight.set(row.id, p);
  }

  private async maybePurge(): Promise<void> {
    const now = this.d.clock();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    const n = await purgeFinished(this.d.db, now - this.d.config.keepDoneMs);
    if (n) this.d.log.info({ purged: n }, 'old outbox rows deleted');
  }
}
