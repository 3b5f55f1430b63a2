import type { Transaction } from 'kysely';
import type { Clock, IncidentChange, IncidentListener } from '../incident/ports.ts';
import { activeHold } from '../store/maintenance-repo.ts';
import type { DB } from '../store/schema.ts';
import type { Runs } from './runs.ts';

// The maintenance gate (README "Maintenance and noise"): stands in front of delivery's and
// escalation's listeners. An incident that opens while a window covers its source (and labels) is
// recorded as usual but held: its changes reach neither the groups nor anyone's phone, only the
// window's card counts them. When the window ends, Runs.finish hands what still fires to the same
// listeners as a new incident, so it pages from then.

export class MaintenanceGate implements IncidentListener {
  constructor(
    private readonly runs: Runs,
    /** Delivery and escalation, in that order. */
    private readonly inner: IncidentListener,
    private readonly clock: Clock,
  ) {}

  async onChange(trx: Transaction<DB>, change: IncidentChange): Promise<void> {
    const now = this.clock.now();
    if (change.type === 'created') {
      if (await this.runs.hold(trx, change.incident, change.alerts.filter((a) => a.status === 'firing').length, now)) return;
      return this.inner.onChange(trx, change);
    }
    const run = await activeHold(trx, change.incident.number);
    if (run === null) return this.inner.onChange(trx, change);
    await this.runs.counted(trx, run, now, change.type === 'alert_added' ? change.alerts.length : 0);
  }
}
