// Event and callback delivery with Lark's semantics (docs/lark-notes.md §1.10): one attempt goes to one
// transport target, must be answered within the ack deadline, and failed events are retried
// after 15 s, 5 min, 1 h, 6 h (× timeScale, at most 4 retries) with the same event_id.
// Card callbacks are never retried: the user simply sees error 200341 after 3 s.
import type { Envelope } from './events.ts';
import type { EmulatorLogger } from './options.ts';

export const RETRY_DELAYS_MS = [15_000, 300_000, 3_600_000, 21_600_000];

export type AttemptResult = { ok: true; response?: unknown } | { ok: false; reason: string };

/** A way to hand one payload to the app: the long connection or the HTTP callback URL. */
export interface Transport {
  /** False when nothing can receive right now (no socket connected): the record waits. */
  available(): boolean;
  attempt(payload: string, deadlineMs: number): Promise<AttemptResult>;
}

export interface DeliveryRecord {
  event_id: string;
  event_type: string;
  callback: boolean;
  envelope: Envelope;
  status: 'waiting' | 'in_flight' | 'retry_scheduled' | 'acked' | 'failed';
  attempts: number;
  acked: boolean;
  created_at: number;
  outcomes: { at: number; ok: boolean; reason?: string }[];
  response?: unknown;
  next_attempt_at?: number;
}

const MAX_LOG = 10_000;

export class Delivery {
  readonly log: DeliveryRecord[] = [];
  private waiting: { rec: DeliveryRecord; deadlineAt?: number; done?: (r: AttemptResult) => void }[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly transport: () => Transport,
    private readonly cfg: { ackDeadlineMs: number; timeScale: number; logger: EmulatorLogger },
  ) {}

  /** Queue an event; returns at once (delivery is asynchronous, at least once). */
  pushEvent(envelope: Envelope): DeliveryRecord {
    const rec = this.record(envelope, false);
    this.tryAttempt(rec);
    return rec;
  }

  /** Push a card callback and wait for the app's answer (or failure) within the deadline. */
  pushCallback(envelope: Envelope): Promise<AttemptResult> {
    const rec = this.record(envelope, true);
    const deadlineAt = Date.now() + this.cfg.ackDeadlineMs;
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: AttemptResult) => {
        if (settled) return;
        settled = true;
        this.clear(timer);
        rec.acked = r.ok;
        rec.status = r.ok ? 'acked' : 'failed';
        if (r.ok) rec.response = r.response;
        resolve(r);
      };
      const timer = this.later(() => {
        this.waiting = this.waiting.filter((w) => w.rec !== rec);
        if (!settled) rec.outcomes.push({ at: Date.now(), ok: false, reason: 'timeout' });
        done({ ok: false, reason: 'timeout' });
      }, this.cfg.ackDeadlineMs);
      const t = this.transport();
      if (!t.available()) {
        rec.status = 'waiting';
        this.waiting.push({ rec, deadlineAt, done });
        return;
      }
      void this.runAttempt(rec, t, this.cfg.ackDeadlineMs).then(done);
    });
  }

  /** Called when a socket connects: everything that waited for a receiver goes out now. */
  flushWaiting(): void {
    const items = this.waiting;
    this.waiting = [];
    for (const w of items) {
      if (w.done) {
        const left = (w.deadlineAt ?? 0) - Date.now();
        const t = this.transport();
        if (left <= 0) continue;
        if (!t.available()) { this.waiting.push(w); continue; }
        void this.runAttempt(w.rec, t, left).then(w.done);
      } else {
        this.tryAttempt(w.rec);
      }
    }
  }

  pendingCount(): number {
    return this.log.filter((r) => r.status !== 'acked' && r.status !== 'failed').length;
  }

  reset(): void {
    this.log.length = 0;
    this.waiting = [];
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  close(): void {
    this.closed = true;
    this.reset();
  }

  private record(envelope: Envelope, callback: boolean): DeliveryRecord {
    const rec: DeliveryRecord = {
      event_id: envelope.header.event_id,
      event_type: envelope.header.event_type,
      callback,
      envelope,
      status: 'waiting',
      attempts: 0,
      acked: false,
      created_at: Date.now(),
      outcomes: [],
    };
    this.log.push(rec);
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
    return rec;
  }

  private tryAttempt(rec: DeliveryRecord): void {
    if (this.closed) return;
    const t = this.transport();
    if (!t.available()) {
      rec.status = 'waiting';
      this.waiting.push({ rec });
      return;
    }
    void this.runAttempt(rec, t, this.cfg.ackDeadlineMs).then((r) => {
      if (this.closed) return;
      if (r.ok) {
        rec.acked = true;
        rec.status = 'acked';
        rec.response = r.response;
        return;
      }
      const retryIndex = rec.attempts - 1;
      if (retryIndex >= RETRY_DELAYS_MS.length) {
        rec.status = 'failed';
        this.cfg.logger.warn({ event_id: rec.event_id, attempts: rec.attempts }, 'event delivery failed for good');
        return;
      }
      const delay = RETRY_DELAYS_MS[retryIndex] * this.cfg.timeScale;
      rec.status = 'retry_scheduled';
      rec.next_attempt_at = Date.now() + delay;
      this.later(() => { rec.next_attempt_at = undefined; this.tryAttempt(rec); }, delay);
    });
  }

  private async runAttempt(rec: DeliveryRecord, t: Transport, deadlineMs: number): Promise<AttemptResult> {
    rec.attempts += 1;
    rec.status = 'in_flight';
    let r: AttemptResult;
    try {
      r = await t.attempt(JSON.stringify(rec.envelope), deadlineMs);
    } catch (err) {
      r = { ok: false, reason: String(err) };
    }
    rec.outcomes.push({ at: Date.now(), ok: r.ok, ...(r.ok ? {} : { reason: r.reason }) });
    return r;
  }

  private later(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => { this.timers.delete(t); fn(); }, ms);
    this.timers.add(t);
    return t;
  }

  private clear(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.timers.delete(t);
  }
}
