import type { HeartbeatService } from '../alertmanager/heartbeats.ts';
import { splitWatchdog } from '../alertmanager/heartbeat-alert.ts';
import type { Clock } from '../incident/ports.ts';
import type { IncidentService } from '../incident/service.ts';
import type { Source, SourceKind } from '../incident/types.ts';
import { normalizePayload } from './normalize.ts';

// One received alert payload, whatever carried it: validated and normalised, Alertmanager's
// Watchdog taken out as a heartbeat ping (never an incident), the rest grouped into an incident.
// http/routes/ingest.ts authenticates, bounds and reads the request, then hands the body here.

/** What the sender is told (the ingest routes' JSON answer). */
export interface IngestAnswer {
  incident: number | null;
  status: string | null;
  created: boolean;
  changed: boolean;
  alerts: number;
  /** Present when the payload held Alertmanager's Watchdog: whether it counted as a ping. */
  heartbeat?: boolean;
  message: string;
}

export interface IngestDeps {
  incidents: Pick<IncidentService, 'ingest'>;
  /** Heartbeats (src/alertmanager): an Alertmanager `Watchdog` alert is a ping, never an incident. */
  heartbeats: Pick<HeartbeatService, 'ping'>;
  clock: Clock;
}

export class IngestService {
  constructor(private readonly deps: IngestDeps) {}

  async receive(source: Source, kind: SourceKind, body: unknown, opts: { rawBody?: string } = {}): Promise<IngestAnswer> {
    let batch = normalizePayload(kind, body, this.deps.clock.now());
    if (kind === 'alertmanager') {
      const { rest, ping } = splitWatchdog(batch);
      if (ping) await this.deps.heartbeats.ping(source);
      if (rest.alerts.length === 0) {
        return { incident: null, status: null, created: false, changed: false, alerts: 0, heartbeat: ping, message: ping ? 'Watchdog: heartbeat recorded' : 'Watchdog resolved: ignored' };
      }
      batch = rest;
    }
    const result = await this.deps.incidents.ingest(source, batch, { rawBody: opts.rawBody });
    return {
      incident: result.incident?.number ?? null,
      status: result.incident?.status ?? null,
      created: result.created,
      changed: result.changed,
      alerts: batch.alerts.length,
      message: result.message,
    };
  }
}
