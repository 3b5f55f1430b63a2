// Delivery settings. Defaults follow Lark's limits (docs/lark-notes.md §6) with head-room: sends are paced a
// little under each limit so that Lark's sliding windows never refuse us.

export interface DeliveryConfig {
  /** Base URL of the web app, for the card's "open" link. */
  publicUrl: string;
  /** Cards sent per second per app and API (send and update are separate APIs). Lark: 50/s and 1000/min. */
  appPerSecond: number;
  appPerMinute: number;
  /** Lark: 5/s per group (shared by all bots), per user and per message update. */
  chatPerSecond: number;
  userPerSecond: number;
  messagePerSecond: number;
  /** The app-wide limit is used at this fraction (network jitter must not push us over). */
  pacing: number;
  /** Per group, person and message the fraction is lower (5/s → 4/s): room to line up with the app-wide slots. */
  targetPacing: number;
  /** New incident cards per group per minute before the rest collapse into one storm card. */
  stormPerMinute: number;
  /** A storm ends after this long without a collapsed incident; the next one gets a new card. */
  stormQuietMs: number;
  /** How long a claimed row is held before another worker may take it over. */
  leaseMs: number;
  /** Polling for rows written by other replicas. */
  pollMs: number;
  /** Sends and updates in flight per worker. */
  maxInFlight: number;
  /** Backoff of transient failures (network, 5xx): base · 2^attempt, capped, with jitter. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Give up on a send after this long: Lark's uuid dedup lasts 1 hour, a later retry could post twice. */
  giveUpAfterMs: number;
  /** Finished outbox rows are deleted after this long. */
  keepDoneMs: number;
}

export const defaultDeliveryConfig: DeliveryConfig = {
  publicUrl: 'http://localhost:3000',
  appPerSecond: 15,
  appPerMinute: 950,
  chatPerSecond: 5,
  userPerSecond: 5,
  messagePerSecond: 5,
  pacing: 0.95,
  targetPacing: 0.8,
  stormPerMinute: 20,
  stormQuietMs: 10 * 60_000,
  leaseMs: 30_000,
  pollMs: 500,
  maxInFlight: 32,
  retryBaseMs: 1000,
  retryMaxMs: 5 * 60_000,
  giveUpAfterMs: 50 * 60_000,
  keepDoneMs: 7 * 86_400_000,
};

export function deliveryConfig(partial: Partial<DeliveryConfig> = {}): DeliveryConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const c = { ...defaultDeliveryConfig, ...defined } as DeliveryConfig;
  for (const k of ['appPerSecond', 'appPerMinute', 'chatPerSecond', 'userPerSecond', 'messagePerSecond', 'stormPerMinute', 'leaseMs', 'pollMs', 'maxInFlight'] as const) {
    if (!(c[k] > 0)) throw new RangeError(`delivery config: ${k} must be positive`);
  }
  if (!(c.pacing > 0 && c.pacing <= 1)) throw new RangeError('delivery config: pacing must be in (0, 1]');
  if (!(c.targetPacing > 0 && c.targetPacing <= 1)) throw new RangeError('delivery config: targetPacing must be in (0, 1]');
  return Object.freeze(c);
}
