// Sample data for `hark cards preview`: every card of cards/ in each of its looks, rendered by the
// same functions Hark uses at run time, at a fixed time so the output does not change between runs.
import {
  renderHelpCard,
  renderIncidentCard,
  renderIncidentListCard,
  renderLinkCard,
  renderMaintenanceCard,
  renderReportCard,
  renderPersonalWeekCard,
  renderOncallCard,
  renderHandoffCard,
  renderAckReminderCard,
  renderDeclareCard,
  renderStormCard,
  renderSubscriptionCard,
  renderWarRoomSummaryCard,
  renderWelcomeCard,
  type Card,
  type IncidentView,
  type RenderOptions,
} from '../render/index.ts';

/** 2026-03-01 10:07 UTC: the moment every sample is drawn at. */
export const SAMPLE_NOW = Date.UTC(2026, 2, 1, 10, 7, 0);
const MIN = 60_000;

export interface Sample {
  /** Template name (the file in cards/ without .json). */
  template: string;
  /** The look, e.g. `triggered-critical`; used in file names. */
  state: string;
  /** One line saying what the sample shows. */
  caption: string;
  render(opts: RenderOptions): Card;
}

export function sampleIncident(over: Partial<IncidentView> = {}): IncidentView {
  return {
    number: 42,
    title: 'Checkout latency above 2 s',
    status: 'triggered',
    snoozedUntil: null,
    severity: 'critical',
    source: 'prometheus',
    labels: { alertname: 'CheckoutLatencyHigh', service: 'checkout', env: 'prod', region: 'eu-west-1' },
    startedAt: SAMPLE_NOW - 5 * MIN,
    firingCount: 2,
    alertCount: 3,
    ackedBy: null,
    ackedAt: null,
    resolvedBy: null,
    resolvedAt: null,
    description: 'p99 latency of the checkout service has been above 2 s for 5 minutes.',
    links: [
      { title: 'Runbook', url: 'https://runbooks.example.com/checkout-latency' },
      { title: 'Dashboard', url: 'https://grafana.example.com/d/checkout' },
    ],
    webUrl: 'http://localhost:3000/h5/incidents/42',
    nextEscalation: { level: 2, at: SAMPLE_NOW + 10 * MIN },
    ...over,
  };
}

const acked = { status: 'acknowledged', ackedBy: 'Alice Wang', ackedAt: SAMPLE_NOW - 2 * MIN, nextEscalation: null } as const;

/** The incident card in each state, in the order a person meets them. */
export const INCIDENT_STATES: Record<string, { caption: string; view: IncidentView }> = {
  'triggered-critical': { caption: 'A new critical incident: red, with Acknowledge, Resolve and Snooze', view: sampleIncident() },
  'triggered-warning': {
    caption: 'A warning: orange',
    view: sampleIncident({ number: 43, title: 'Disk 85% full on db-2', severity: 'warning', source: 'node-exporter',
      labels: { alertname: 'DiskFilling', instance: 'db-2', env: 'prod' }, links: [], description: null, nextEscalation: null }),
  },
  'triggered-info': {
    caption: 'An info: blue',
    view: sampleIncident({ number: 44, title: 'Certificate for api.example.com expires in 14 days', severity: 'info',
      source: 'blackbox', labels: {}, links: [], description: null, firingCount: 1, alertCount: 1, nextEscalation: null }),
  },
  'triggered-seen': {
    caption: 'Paged at level 1: who has read their private card ("seen 10:02") and who has not',
    view: sampleIncident({ paged: { level: 1, people: [{ name: 'Alice Wang', seenAt: SAMPLE_NOW - 2 * MIN }, { name: 'Bob Li', seenAt: null }] } }),
  },
  acknowledged: { caption: 'Acknowledged by a responder: light blue, Unacknowledge instead of Acknowledge', view: sampleIncident(acked) },
  'acknowledged-timebox': {
    caption: 'Acknowledged for 30 minutes: "Acknowledged by … until 10:35"',
    view: sampleIncident({ ...acked, ackedUntil: SAMPLE_NOW + 28 * MIN }),
  },
  snoozed: {
    caption: 'Snoozed: grey, shows when it comes back',
    view: sampleIncident({ ...acked, snoozedUntil: SAMPLE_NOW + 2 * 60 * MIN }),
  },
  resolved: {
    caption: 'Resolved by a person: green, Reopen',
    view: sampleIncident({ ...acked, status: 'resolved', resolvedBy: 'Bob Li', resolvedAt: SAMPLE_NOW - MIN, firingCount: 0 }),
  },
  'resolved-automatically': {
    caption: 'Resolved by itself when every alert resolved',
    view: sampleIncident({ status: 'resolved', resolvedAt: SAMPLE_NOW - 30_000, firingCount: 0, nextEscalation: null }),
  },
};

const listItems = [
  sampleIncident(),
  sampleIncident({ ...acked, number: 43, title: 'Disk 85% full on db-2', severity: 'warning', startedAt: SAMPLE_NOW - 40 * MIN }),
  sampleIncident({ number: 44, title: 'Certificate for api.example.com expires in 14 days', severity: 'info', startedAt: SAMPLE_NOW - 3 * 60 * MIN }),
];

const oncallSchedules = [
  { name: 'payments-primary', timeZone: 'Asia/Shanghai', members: ['Alice Wang'], until: SAMPLE_NOW + 23 * 60 * MIN, next: ['Bob Li'] },
  { name: 'payments-nights', timeZone: 'Europe/Berlin', members: [], until: SAMPLE_NOW + 11 * 60 * MIN, next: ['Carol Chen'] },
];

export const SAMPLES: Sample[] = [
  ...Object.entries(INCIDENT_STATES).map(([state, s]): Sample => ({
    template: 'incident', state, caption: s.caption, render: (o) => renderIncidentCard(s.view, o),
  })),
  { template: 'incident-list', state: 'group', caption: '@Hark list in a group', render: (o) => renderIncidentListCard(listItems, { ...o, scope: 'group' }) },
  { template: 'incident-list', state: 'mine-empty', caption: 'list in a private chat, nothing open', render: (o) => renderIncidentListCard([], { ...o, scope: 'mine' }) },
  {
    template: 'ack-reminder', state: 'ran-out', caption: "Privately to the acker when the acknowledgement's time box ends",
    render: (o) => renderAckReminderCard({ number: 42, title: 'Checkout latency above 2 s', until: SAMPLE_NOW, handBackAt: SAMPLE_NOW + 10 * MIN }, o),
  },
  {
    template: 'declare', state: 'pick-source', caption: '@Hark declare in a group of several sources; in a private chat or from the bot menu when no teams exist',
    render: (o) => renderDeclareCard({ sources: ['payments', 'checkout'], title: 'Checkout fails for everyone', severity: 'critical' }, o),
  },
  {
    template: 'declare', state: 'pick-team', caption: '@Hark declare in a private chat or from the bot menu when teams exist: your teams first',
    render: (o) => renderDeclareCard(
      { sources: ['payments', 'checkout'], teams: [{ name: 'payments-team', mine: true }, { name: 'search-team', mine: false }], title: 'Checkout fails for everyone' },
      o,
    ),
  },
  { template: 'help', state: 'default', caption: '@Hark help', render: (o) => renderHelpCard(o) },
  {
    template: 'link', state: 'pending-action', caption: 'An unlinked person pressed a button',
    render: (o) => renderLinkCard({ linkUrl: 'http://localhost:3000/h5', pendingAction: 'ack 42' }, o),
  },
  { template: 'welcome', state: 'with-sources', caption: 'Hark added to a group', render: (o) => renderWelcomeCard({ chatName: 'SRE on-call', sources: ['prometheus', 'grafana', 'demo'] }, o) },
  { template: 'welcome', state: 'no-sources', caption: 'Hark added before any source exists', render: (o) => renderWelcomeCard({ chatName: 'SRE on-call', sources: [] }, o) },
  {
    template: 'subscription', state: 'changed', caption: '@Hark subscribe prometheus warning',
    render: (o) => renderSubscriptionCard({
      chatName: 'SRE on-call', changed: 'Subscribed to prometheus (warning and above)',
      subscriptions: [
        { source: 'prometheus', minSeverity: 'warning', labels: {} },
        { source: 'grafana', minSeverity: 'critical', labels: { team: 'payments' } },
      ],
    }, o),
  },
  { template: 'subscription', state: 'empty', caption: 'A group with no subscriptions', render: (o) => renderSubscriptionCard({ chatName: 'SRE on-call', subscriptions: [] }, o) },
  {
    template: 'oncall', state: 'now', caption: '@Hark oncall: who is on call per schedule, until when, who is next',
    render: (o) => renderOncallCard({ schedules: oncallSchedules }, o),
  },
  {
    template: 'oncall', state: 'took-over', caption: 'After Take over: the presser is on call until the end of the shift',
    render: (o) => renderOncallCard({ schedules: [{ ...oncallSchedules[0], members: ['Carol Chen'] }], tookOver: { who: 'Carol Chen', schedule: 'payments-primary', until: SAMPLE_NOW + 23 * 60 * MIN, timeZone: 'Asia/Shanghai' } }, o),
  },
  {
    template: 'handoff', state: 'chat', caption: "A handoff, in the schedule's notify chats",
    render: (o) => renderHandoffCard({ schedule: 'payments-primary', timeZone: 'Asia/Shanghai', audience: 'chat', members: ['Bob Li'], until: SAMPLE_NOW + 7 * 24 * 60 * MIN, next: ['Carol Chen'], previous: ['Alice Wang'] }, o),
  },
  {
    template: 'handoff', state: 'outgoing', caption: 'Privately to the person going off, with the incidents they still hold',
    render: (o) => renderHandoffCard({ schedule: 'payments-primary', timeZone: 'Asia/Shanghai', audience: 'outgoing', members: ['Bob Li'], until: SAMPLE_NOW + 7 * 24 * 60 * MIN, next: ['Carol Chen'], previous: ['Alice Wang'], incidents: [{ number: 42, title: 'Checkout latency above 2 s', url: 'http://localhost:3000/h5/incidents/42' }] }, o),
  },
  { template: 'oncall', state: 'group-none', caption: '@Hark oncall in a group whose sources escalate to no schedule', render: (o) => renderOncallCard({ schedules: [], empty: 'group' }, o) },
  {
    template: 'storm', state: 'critical', caption: 'Many incidents at once from one source',
    render: (o) => renderStormCard({ source: 'prometheus', chatName: 'SRE on-call', collapsed: 37, waiting: 12, bySeverity: { critical: 4, warning: 30, info: 3 }, since: SAMPLE_NOW - 60_000 }, o),
  },
  {
    template: 'storm', state: 'ended', caption: 'The same card once the storm has been quiet for 10 minutes: what it covered, what is still open',
    render: (o) => renderStormCard({
      source: 'prometheus', chatName: 'SRE on-call', collapsed: 37, waiting: 0, bySeverity: { critical: 4, warning: 30, info: 3 }, since: SAMPLE_NOW - 15 * MIN,
      ended: true, stillOpen: [{ number: 61, title: 'Disk almost full on db-3' }, { number: 64, title: 'Replication lag above 30 s on db-2' }],
    }, o),
  },
  {
    template: 'maintenance', state: 'active', caption: 'Posted when a maintenance window starts, counting what fires',
    render: (o) => renderMaintenanceCard({ source: 'payments', reason: 'db-upgrade', labels: ['env=prod'], by: 'Alice Wang', start: SAMPLE_NOW - 20 * MIN, end: SAMPLE_NOW + 70 * MIN, endedAt: null, endedBy: null, incidents: 3, alerts: 7, firing: [] }, o),
  },
  {
    template: 'maintenance', state: 'summary', caption: 'The same card when the window ends: what fired, what still fires (paged from then)',
    render: (o) => renderMaintenanceCard({
      source: 'payments', reason: 'db-upgrade', labels: [], by: 'Alice Wang', start: SAMPLE_NOW - 90 * MIN, end: SAMPLE_NOW, endedAt: SAMPLE_NOW, endedBy: null, incidents: 3, alerts: 7,
      firing: [{ number: 57, title: 'Replication lag above 30 s on db-2' }],
    }, o),
  },
  {
    template: 'war-room-summary', state: 'resolved', caption: 'Posted in the war room when the incident resolves',
    render: (o) => renderWarRoomSummaryCard({
      number: 42, title: 'Checkout latency above 2 s', severity: 'critical',
      startedAt: SAMPLE_NOW - 72 * MIN, resolvedAt: SAMPLE_NOW, resolvedBy: 'Erin', ackedBy: 'Bob', ackedAt: SAMPLE_NOW - 68 * MIN,
      escalations: [
        { at: SAMPLE_NOW - 71 * MIN, who: null, text: 'escalated to level 1: Alice, Bob' },
        { at: SAMPLE_NOW - 70 * MIN, who: null, text: 'buzzed Alice by phone (urgent)' },
      ],
      notes: [{ at: SAMPLE_NOW - 40 * MIN, who: 'Bob', text: 'Rolled back the 10:40 checkout deploy; latency recovering.' }],
      events: [
        { at: SAMPLE_NOW - 72 * MIN, who: null, text: '#42 opened from prometheus: 1 alert firing' },
        { at: SAMPLE_NOW - 68 * MIN, who: 'Bob', text: '#42 acknowledged by Bob' },
        { at: SAMPLE_NOW, who: 'Erin', text: '#42 resolved by Erin' },
      ],
      webUrl: 'http://localhost:3000/h5/incidents/42',
    }, o),
  },
  {
    template: 'insights-report', state: 'weekly', caption: "The weekly report in a team's home group: figures, two native charts, the noisiest alerts",
    render: (o) => renderReportCard({
      team: 'payments', timeZone: 'Asia/Shanghai', from: SAMPLE_NOW - 7 * 24 * 60 * MIN, to: SAMPLE_NOW, incidents: 23, previousIncidents: 31,
      mttaP50: 150, mttaP90: 540, mttrP50: 2400, mttrP90: 9000, ackedWithin5m: 0.78, escalated: 3, pages: { work: 11, off: 4, sleep: 2 },
      series: [
        { day: '2026-02-22', by_severity: { critical: 1, warning: 2 }, mtta_p50_s: 120 }, { day: '2026-02-23', by_severity: { warning: 4 }, mtta_p50_s: 200 },
        { day: '2026-02-24', by_severity: { critical: 2, info: 1 }, mtta_p50_s: 90 }, { day: '2026-02-25', by_severity: { warning: 3 }, mtta_p50_s: 300 },
        { day: '2026-02-26', by_severity: { critical: 1, warning: 1 }, mtta_p50_s: 150 }, { day: '2026-02-27', by_severity: { warning: 5 }, mtta_p50_s: 420 },
        { day: '2026-02-28', by_severity: { info: 3 }, mtta_p50_s: null },
      ],
      noisiest: [
        { title: 'Disk almost full on db-3', source: 'prometheus', count: 9, auto_resolved: 0.89, flapping: 2, last_incident: 61, silenceable: true },
        { title: 'Checkout latency above 2 s', source: 'prometheus', count: 4, auto_resolved: 0.25, flapping: 0, last_incident: 42, silenceable: true },
        { title: 'Nightly export failed', source: 'jobs', count: 3, auto_resolved: 0, flapping: 0, last_incident: 58, silenceable: false },
      ],
      publicUrl: 'http://localhost:3000',
    }, o),
  },
  {
    template: 'insights-personal', state: 'week', caption: 'Privately, with the weekly report, to everyone paged that week: their pages, night pages, time on call',
    render: (o) => renderPersonalWeekCard({
      team: 'payments', timeZone: 'Asia/Shanghai', from: SAMPLE_NOW - 7 * 24 * 60 * MIN, to: SAMPLE_NOW, pages: 3, nightPages: 2, sleepFrom: '22:00', sleepTo: '08:00',
      onCallMs: 98 * 60 * MIN, ackP50S: 210, acked: 2, resolved: 1, webUrl: 'http://localhost:3000/h5/insights?team=payments&member=alice%40example.com',
    }, o),
  },
];
