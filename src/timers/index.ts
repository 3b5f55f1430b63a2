import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../incident/ports.ts';
import type { Logger } from '../log.ts';
import type { DB } from '../store/schema.ts';
import { TimerRegistry, type TimerGroupOptions, type TimerHandler, type TimerPort } from './registry.ts';
import { defaultScannerConfig, TimerScanner, type ScannerConfig } from './scanner.ts';

// Durable timers (issue 23): rows with a due time in the `timers` table (store/timer-repo.ts),
// one loop over registered kinds. Escalation steps, snooze ends, heartbeats, silence ends, handoff
// and daily notices and the war-room sweep each register a kind and a handler here.

export { TimerRegistry, type TimerGroupHook, type TimerGroupOptions, type TimerHandler, type TimerPort } from './registry.ts';
export { TimerScanner, defaultScannerConfig, type ScannerConfig } from './scanner.ts';

export interface TimersDeps {
  store: { db: Kysely<DB>; engine: 'sqlite' | 'postgres' };
  clock: Clock;
  logger: Logger;
  config?: Partial<ScannerConfig>;
  /** Replica identity recorded on fired timers; default random per process. */
  owner?: string;
  /** Told how late each timer fired after its due time (hark_timer_lag_seconds). */
  onFired: (kind: string, lagMs: number) => void;
}

export interface Timers extends TimerPort {
  /** `start()` once the app is up; `await stop()` on shutdown (before closing the store). */
  readonly scanner: TimerScanner;
  /** The registered kinds, sorted. */
  kinds(): string[];
}

/** The timer engine; features register their kinds on it while Hark is built. Nothing starts here. */
export function createTimers(deps: TimersDeps): Timers {
  const config: ScannerConfig = {
    ...defaultScannerConfig,
    ...Object.fromEntries(Object.entries(deps.config ?? {}).filter(([, v]) => v !== undefined)),
  };
  if (!(config.pollMs > 0) || !(config.concurrency >= 1) || !(config.batch >= 1) || !(config.fireBatch >= 1)) {
    throw new RangeError('escalation config: pollMs, concurrency, batch and fireBatch must be positive');
  }
  const registry = new TimerRegistry();
  const scanner = new TimerScanner({
    db: deps.store.db,
    postgres: deps.store.engine === 'postgres',
    registry,
    clock: deps.clock,
    log: deps.logger.child({ component: 'timers' }),
    owner: deps.owner ?? `t-${crypto.randomBytes(5).toString('hex')}`,
    config,
    onFired: deps.onFired,
  });
  return {
    scanner,
    register: (kind: string, handler: TimerHandler, group?: TimerGroupOptions) => registry.register(kind, handler, group),
    scheduled: (dueAt: number) => scanner.poke(dueAt),
    kinds: () => registry.kinds(),
  };
}
