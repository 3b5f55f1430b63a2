import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Clock } from '../incident/ports.ts';
import type { Store } from '../store/db.ts';
import type { Timers } from '../timers/index.ts';
import { createRollup } from '../insights/rollup.ts';
import { createRetention, type Retention, type RetentionConfig } from './index.ts';

/**
 * The pruner as buildHark and `hark prune` build it. `beforeDelete` is the port through which what
 * must outlive an incident is kept before it is deleted, in the batch's transaction: the insights'
 * daily aggregates (src/insights/rollup.ts, README "Retention").
 */
export function buildRetention(
  config: Config,
  store: Store,
  deps: { clock: Clock; logger: Logger; timers?: Timers; config?: Partial<Omit<RetentionConfig, 'days'>> },
): Retention {
  return createRetention({
    db: store.db,
    postgres: store.engine === 'postgres',
    clock: deps.clock,
    logger: deps.logger,
    timers: deps.timers,
    config: { ...deps.config, days: config.retentionDays },
    beforeDelete: createRollup(deps.clock, store.engine === 'postgres'),
  });
}
