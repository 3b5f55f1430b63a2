import { HEARTBEAT_GROUP_KEY } from './heartbeat-alert.ts';

/** Source kinds with an Alertmanager API v2 to silence at (Grafana's built-in one included). */
export const SILENCEABLE_KINDS: readonly string[] = ['alertmanager', 'grafana'];

/** Whether an incident of this source can be silenced from Hark (the card offers "Silence ▾"). */
export function canSilence(s: { kind: string; alertmanagerUrl: string | null }, groupKey: string): boolean {
  return SILENCEABLE_KINDS.includes(s.kind) && !!s.alertmanagerUrl && groupKey !== HEARTBEAT_GROUP_KEY;
}
