import type { HistoryBatch } from '../src/store/history-repo.ts';

// Generated history for the scale benchmark: what a busy year leaves in the real schema. Each
// incident (resolved, spread evenly over YEAR_DAYS before now) has ALERTS alerts, TIMELINE
// timeline entries (opened, alert joins, deliveries, an ack, notes, resolved), CARDS card copies
// (a group's and a responder's private card), as many finished outbox rows, and one fired timer
// (its escalation step). 100,000 incidents give 1,000,000 alerts and 5,000,000 timeline rows.

export const ALERTS = 10;
export const TIMELINE = 50;
export const CARDS = 2;
/** The history spans this many days before now (bench/scale-disk.ts picks its retention from it). */
export const YEAR_DAYS = 400;
const SEVERITIES = ['critical', 'warning', 'warning', 'info'];
const SERVICES = ['checkout', 'payments', 'search', 'auth', 'ledger', 'gateway', 'inventory', 'email'];
const VIAS = ['card', 'command', 'web', 'api'];

export interface HistoryWorld {
  sourceIds: number[];
  members: { id: number; name: string }[];
  chatIds: string[];
  /** Total incidents the whole fill writes: their creation times spread over the year. */
  total: number;
  now: number;
}

/** Incidents first..first+count-1 of the fill (1-based position `k` in the year), with everything they leave behind. */
export function historyBatch(world: HistoryWorld, firstNumber: number, firstK: number, count: number): HistoryBatch {
  const b: HistoryBatch = { incidents: [], alerts: [], timeline: [], cardCopies: [], outbox: [], timers: [] };
  const span = YEAR_DAYS * 86_400_000;
  for (let i = 0; i < count; i++) {
    const number = firstNumber + i;
    const k = firstK + i;
    const created = world.now - span + Math.floor((k / world.total) * (span - 86_400_000));
    const acked = created + 60_000 + (k % 17) * 30_000;
    const resolved = acked + 600_000 + (k % 31) * 120_000;
    const sourceId = world.sourceIds[k % world.sourceIds.length];
    const who = world.members[k % world.members.length];
    const service = SERVICES[k % SERVICES.length];
    const severity = SEVERITIES[k % SEVERITIES.length];
    const alertname = `${service[0].toUpperCase()}${service.slice(1)}Errors${k % 13}`;
    const labels = JSON.stringify({ alertname, service, severity, env: 'prod', cluster: `c${k % 5}` });
    const title = `${alertname}: error rate above 5% on ${service}`;
    b.incidents.push({
      number, source_id: sourceId, group_key: `{}:{alertname="${alertname}"}`, open_key: null, title,
      description: `Error rate of ${service} has been above 5% for 5 minutes.`, status: 'resolved', severity, labels,
      links: JSON.stringify([{ text: 'Runbook', href: `https://runbooks.example/${service}` }]),
      snoozed_until: null, snoozed_by: null, snoozed_by_name: null, snoozed_at: null,
      acked_by: who.id, acked_by_name: who.name, acked_at: acked, acked_until: null,
      resolved_by: null, resolved_by_name: null, resolved_at: resolved,
      last_action: 'resolve', last_action_by: null, last_action_by_name: 'Alertmanager', last_action_via: 'auto', last_action_at: resolved,
      version: 3 + (TIMELINE >> 3), created_at: created, updated_at: resolved,
    });
    for (let a = 0; a < ALERTS; a++) {
      b.alerts.push({
        incident_number: number, fingerprint: `${(k * ALERTS + a).toString(16).padStart(16, '0')}`, status: 'resolved', severity,
        title, labels: JSON.stringify({ alertname, service, severity, instance: `${service}-${a}:9090`, env: 'prod' }),
        annotations: JSON.stringify({ summary: title, description: `Instance ${service}-${a} returns 5xx.` }),
        extra: null, starts_at: created + a * 1000, ends_at: resolved, updated_at: resolved,
      });
    }
    const via = VIAS[k % VIAS.length];
    for (let t = 0; t < TIMELINE; t++) {
      const at = created + Math.floor(((resolved - created) * t) / TIMELINE);
      const [kind, message, actor] =
        t === 0 ? ['open', `Opened by ${alertname}`, null]
        : t === 10 ? ['ack', `Acknowledged by ${who.name}`, who]
        : t === TIMELINE - 1 ? ['resolve', 'Resolved: every alert resolved', null]
        : t % 7 === 0 ? ['note', `Looking at ${service} dashboards, step ${t}`, who]
        : t % 3 === 0 ? ['delivery', `Card delivered to group ${world.chatIds[t % world.chatIds.length]}`, null]
        : ['alert', `Alert ${service}-${t % ALERTS} firing again`, null];
      b.timeline.push({
        incident_number: number, at, kind, via: actor ? via : 'auto', actor_id: actor?.id ?? null, actor_name: actor?.name ?? 'Hark',
        message, data: kind === 'delivery' ? JSON.stringify({ chat_id: world.chatIds[t % world.chatIds.length] }) : null,
      });
    }
    for (let c = 0; c < CARDS; c++) {
      const target = c === 0 ? { type: 'chat_id', id: world.chatIds[k % world.chatIds.length] } : { type: 'open_id', id: `ou_hist_${who.id}` };
      const messageId = `om_hist_${number}_${c}`;
      b.outbox.push({
        op: 'send', subject: 'incident', incident_number: number, storm_id: null, target_type: target.type, target_id: target.id, target_name: null,
        message_id: null, card: null, rate_key: `${target.type}:${target.id}`, priority: c === 0 ? 1 : 0, status: 'done', pending_key: null,
        next_attempt_at: created, lease_owner: null, lease_until: null, last_error: null, result_message_id: messageId,
        created_at: created, updated_at: created + 400, done_at: created + 400,
      });
      b.cardCopies.push({
        incident_number: number, message_id: messageId, target_type: target.type, target_id: target.id, target_name: null,
        outbox_id: null, sent_at: created + 400, rendered_version: 3, rendered_hash: `h${k}`, fresh_version: null, expired_at: null,
      });
    }
    b.timers.push({
      kind: 'escalate', incident_number: number, due_at: created + 300_000, data: JSON.stringify({ level: 0, round: 0 }), status: 'done',
      pending_key: null, created_at: created, updated_at: acked, done_at: acked,
    });
  }
  return b;
}
