import type { Kysely } from 'kysely';
import type { IncidentListener } from '../incident/ports.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { DB } from '../store/schema.ts';
import { incidentInsight, pageContext } from '../store/insights-repo.ts';
import { walk } from './figures.ts';
import { classifyHours, hoursRule, zoneOr } from './hours.ts';

// The insights as Prometheus sees them (README "Metrics"): hark_incident_ack_seconds when an
// incident is acknowledged the first time (from its first page, as MTTA), hark_incident_resolve_seconds
// at each resolution (from its opening, as MTTR), hark_pages_total{team, hours} per page delivered,
// classed like the figures. `team` is the owning team's name, "none" without one.

const NONE = 'none';

export function insightMetrics(d: { db: Kysely<DB>; metrics: Metrics; logger: Logger }) {
  const listener: IncidentListener = {
    async onChange(trx, change) {
      if (change.type !== 'state_changed') return;
      const action = change.action;
      if (action !== 'ack' && action !== 'resolve' && action !== 'auto_resolve') return;
      const found = await incidentInsight(trx, change.incident.number);
      if (!found) return;
      const w = walk(found.incident, found.entries);
      const labels = { team: found.team ?? NONE, severity: change.incident.severity };
      if (action === 'ack') {
        const acks = found.entries.filter((e) => e.kind === 'ack').length;
        if (acks === 1 && w.firstAck !== null) d.metrics.incidentAck.observe(labels, Math.max(0, (w.firstAck - (w.firstPage ?? w.openAt)) / 1000));
      } else if (w.resolvedAt !== null) {
        d.metrics.incidentResolve.observe(labels, Math.max(0, (w.resolvedAt - w.openAt) / 1000));
      }
    },
  };
  const paged = (incidentNumber: number, openId: string, at: number): void => {
    pageContext(d.db, incidentNumber, openId).then(
      (c) => {
        const hours = classifyHours(at, zoneOr(c.memberZone, zoneOr(c.teamZone, 'UTC')), hoursRule(c.settings));
        d.metrics.pages.inc({ team: c.team ?? NONE, hours });
      },
      (err: Error) => d.logger.warn({ err: err.message, incident: incidentNumber }, 'page not counted in hark_pages_total'),
    );
  };
  return { listener, paged };
}
