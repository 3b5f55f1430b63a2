import type { Source } from './types.ts';

/**
 * Keys of `PATCH /api/v1/sources/:name`'s body owned by the feature they configure (war rooms:
 * `war_room`; Alertmanager silences and heartbeats add theirs). Each feature validates and stores
 * its own part; the route (src/http/routes/source-settings.ts) checks every part before applying
 * any. buildHark collects them.
 */
export interface SourceSetting<T = unknown> {
  readonly keys: readonly string[];
  /** Validates this feature's part of the body (only its keys are passed); throws HarkError invalid naming the field. */
  parse(part: Record<string, unknown>): T;
  apply(source: Source, value: T): Promise<void>;
  /** The settings as they stand, merged into the answer. */
  view(source: Source): Promise<Record<string, unknown>>;
}
