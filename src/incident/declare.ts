import crypto from 'node:crypto';
import { HarkError } from '../errors.ts';
import type { IngestResult } from './service.ts';
import type { NormalizedAlertBatch } from '../ingest/types.ts';
import { SEVERITIES, type Actor, type Link, type Severity, type Source } from './types.ts';

// Declaring an incident by hand (issue 25): `@Hark declare <title> [severity]`, the bot menu, the
// web app's Declare form, `POST /api/v1/incidents`. It opens like any incident of its source (one
// firing alert of its own, a group key nobody else has), so its card goes to the groups that
// subscribe to the source and its escalation policy pages; it ends when someone resolves it.

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 4000;
/** A person declaring an outage means it: pages like a critical alert unless told otherwise. */
export const DEFAULT_DECLARED_SEVERITY: Severity = 'critical';

export interface DeclareRequest {
  title: string;
  severity?: Severity | null;
  description?: string | null;
  /** Where the description came from (the replied Lark message), shown on the incident. */
  link?: Link | null;
  /** The same in words for the timeline: "a message in ops (om_…)". */
  from?: string | null;
  actor: Actor;
}

/** The one incident-service operation declaring needs. */
export interface Ingester {
  ingest(source: Source, batch: NormalizedAlertBatch, opts: { declaredBy: Actor; declaredFrom?: string }): Promise<IngestResult>;
}

/** Checks a declaration's words; throws HarkError('invalid') naming the field. */
export function checkDeclaration(r: { title?: unknown; severity?: unknown; description?: unknown }): { title: string; severity: Severity; description: string | null } {
  const title = typeof r.title === 'string' ? r.title.trim() : '';
  if (!title) throw new HarkError('invalid', 'title: required, a few words saying what is wrong');
  if (title.length > TITLE_MAX) throw new HarkError('invalid', `title: at most ${TITLE_MAX} characters (this one has ${title.length})`);
  if (r.severity != null && !(SEVERITIES as readonly unknown[]).includes(r.severity)) {
    throw new HarkError('invalid', `severity: "${String(r.severity)}" is not one of ${SEVERITIES.join(', ')}`);
  }
  if (r.description != null && typeof r.description !== 'string') throw new HarkError('invalid', 'description: must be text');
  const description = typeof r.description === 'string' && r.description.trim() ? r.description.trim().slice(0, DESCRIPTION_MAX) : null;
  return { title, severity: (r.severity as Severity | null | undefined) ?? DEFAULT_DECLARED_SEVERITY, description };
}

export async function declareIncident(incidents: Ingester, source: Source, req: DeclareRequest): Promise<number> {
  const d = checkDeclaration(req);
  const now = Date.now();
  const batch: NormalizedAlertBatch = {
    groupKey: `declared:${crypto.randomUUID()}`,
    title: d.title,
    description: d.description,
    labels: {},
    links: req.link ? [req.link] : [],
    alerts: [
      {
        fingerprint: 'declared',
        status: 'firing',
        severity: d.severity,
        title: d.title,
        labels: {},
        annotations: { declared_by: req.actor.name },
        extra: null,
        startsAt: now,
        endsAt: null,
      },
    ],
    truncatedAlerts: 0,
  };
  const r = await incidents.ingest(source, batch, { declaredBy: req.actor, ...(req.from ? { declaredFrom: req.from } : {}) });
  return r.incident!.number;
}

/**
 * The source a team-declared incident opens on (issue 25; README "Declare an incident"): the one
 * named, which must be the team's, or else the team's only source; a team with several sources
 * must say which, one with none cannot declare. Throws HarkError('invalid') in words.
 */
export function pickTeamSource(team: string, teamSources: readonly string[], named?: string | null): string {
  if (named) {
    if (!teamSources.includes(named)) {
      throw new HarkError('invalid', `source: ${named} is not a source of team ${team}; its sources are ${teamSources.join(', ') || 'none'}`);
    }
    return named;
  }
  if (teamSources.length === 1) return teamSources[0];
  if (teamSources.length === 0) {
    throw new HarkError('invalid', `team: ${team} owns no source to open the incident on; give one of its sources the team (sources[].team in the configuration file)`);
  }
  throw new HarkError('invalid', `source: team ${team} owns ${teamSources.length} sources (${teamSources.join(', ')}); add "source" to say which`);
}
