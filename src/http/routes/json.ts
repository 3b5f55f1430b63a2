import type { Alert, Incident, IncidentDetail, Member, Source, Stamp, TimelineEntry } from '../../incident/types.ts';

// Domain objects → the admin API's JSON (snake_case, ISO 8601 times). One place, so every
// route answers with the same shapes.

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const stamp = (s: Stamp | null) => (s ? { id: s.id, name: s.name, at: iso(s.at) } : null);

export function incidentJson(i: Incident, sourceName: string) {
  return {
    number: i.number,
    title: i.title,
    description: i.description,
    status: i.status,
    severity: i.severity,
    source: sourceName,
    group_key: i.groupKey,
    labels: i.labels,
    links: i.links,
    snoozed_until: iso(i.snoozedUntil),
    snoozed_by: stamp(i.snoozedBy),
    acked_by: stamp(i.ackedBy),
    acknowledged_until: iso(i.ackedUntil ?? null),
    resolved_by: stamp(i.resolvedBy),
    last_action: { kind: i.lastAction.kind, via: i.lastAction.via, ...stamp(i.lastAction.by) },
    version: i.version,
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
  };
}

export function alertJson(a: Alert) {
  return {
    fingerprint: a.fingerprint,
    status: a.status,
    severity: a.severity,
    title: a.title,
    labels: a.labels,
    annotations: a.annotations,
    extra: a.extra,
    starts_at: iso(a.startsAt),
    ends_at: iso(a.endsAt),
    updated_at: iso(a.updatedAt),
  };
}

export function timelineJson(t: TimelineEntry) {
  return {
    at: iso(t.at),
    kind: t.kind,
    via: t.via,
    actor: t.actorName === null ? null : { id: t.actorId, name: t.actorName },
    message: t.message,
    data: t.data,
  };
}

export function incidentDetailJson(d: IncidentDetail) {
  return {
    ...incidentJson(d.incident, d.source.name),
    alerts: d.alerts.map(alertJson),
    timeline: d.timeline.map(timelineJson),
  };
}

export const sourceJson = (s: Source) => ({ name: s.name, kind: s.kind, created_at: iso(s.createdAt) });

export const memberJson = (m: Member) => ({
  id: m.id,
  name: m.name,
  email: m.email,
  role: m.role,
  lark_open_id: m.openId,
  linked: m.openId !== null,
  created_at: iso(m.createdAt),
  linked_at: iso(m.linkedAt),
});

/** One page of an incident (issue 25): who, at which level (null: added by hand), when paged, when read. */
export const pageJson = (p: { name: string; email: string | null; level: number | null; pagedAt: number; seenAt: number | null }) => ({
  member: { name: p.name, email: p.email },
  level: p.level,
  paged_at: new Date(p.pagedAt).toISOString(),
  ...(p.seenAt !== null ? { seen_at: new Date(p.seenAt).toISOString() } : {}),
});
