import { HarkError } from '../errors.ts';
import { formatDuration } from './duration.ts';
import type { ActionKind, Actor, Incident, Link, Severity, Stamp } from './types.ts';
import { openKeyOf } from './types.ts';

// The incident state machine (README "Concepts", Incident), pure: no clock, no store. The service
// loads an incident, asks decide() what a command does to it, and stores the result with a
// conditional update, so every rule lives here and is property-tested without I/O.

export type Command =
  /** untilMs: the end of the acknowledgement's time box (issue 25); null or absent: until resolved. */
  | { readonly type: 'ack'; readonly untilMs?: number | null }
  /** The acker (or anyone who may act) moves the end of the time box: "Extend 30 m". */
  | { readonly type: 'ack_extend'; readonly durationMs: number }
  /**
   * Back to triggered, the current level paged again: asked for ("Hand back"), or by Hark when the
   * acker did not answer the reminder within the grace (`timedOut`, the acker's name and the grace).
   */
  | { readonly type: 'hand_back'; readonly timedOut?: { readonly acker: string; readonly graceMs: number } }
  | { readonly type: 'unack' }
  | { readonly type: 'snooze'; readonly durationMs: number }
  | { readonly type: 'resolve' }
  /** groupFree: no other open incident holds this group key, so the reopened one may collect its alerts again. */
  | { readonly type: 'reopen'; readonly groupFree: boolean }
  | { readonly type: 'snooze_end' }
  | { readonly type: 'auto_resolve' };

export type Outcome =
  | { readonly changed: true; readonly incident: Incident; readonly kind: ActionKind; readonly message: string }
  | {
      readonly changed: false;
      readonly incident: Incident;
      /** Who brought the incident into the state asked for, and when ("already acknowledged by Alice at 10:02"). */
      readonly by: Stamp | null;
      readonly message: string;
    };

export const isSnoozed = (inc: Incident, now: number): boolean => inc.snoozedUntil !== null && inc.snoozedUntil > now;

export interface NewIncident {
  number: number;
  sourceId: number;
  groupKey: string;
  title: string;
  description: string | null;
  severity: Severity;
  labels: Record<string, string>;
  links: Link[];
}

/** A freshly opened incident: triggered, holding its group's open key. */
export function openIncident(n: NewIncident, actor: Actor, now: number): Incident {
  return {
    ...n,
    openKey: openKeyOf(n.sourceId, n.groupKey),
    status: 'triggered',
    snoozedUntil: null,
    snoozedBy: null,
    ackedBy: null,
    ackedUntil: null,
    resolvedBy: null,
    lastAction: { kind: 'open', by: stamp(actor, now), via: actor.via },
    version: 0,
    createdAt: now,
    updatedAt: now,
  };
}

/** What `cmd` by `actor` at `now` does to `inc`. Throws HarkError('conflict') for a transition that makes no sense. */
export function decide(inc: Incident, cmd: Command, actor: Actor, now: number): Outcome {
  const n = `#${inc.number}`;
  const by = stamp(actor, now);
  const change = (kind: ActionKind, next: Partial<Incident>, message: string): Outcome => ({
    changed: true,
    kind,
    message,
    incident: {
      ...inc,
      ...next,
      lastAction: { kind, by, via: actor.via },
      version: inc.version + 1,
      updatedAt: now,
    },
  });
  const same = (first: Stamp | null, what: string): Outcome => ({
    changed: false,
    incident: inc,
    by: first,
    message: `${n} is already ${what}${first ? ` by ${first.name} at ${formatTime(first.at, now)}` : ''}`,
  });

  switch (cmd.type) {
    case 'ack':
      if (inc.status === 'resolved') throw conflict(inc, `${n} is resolved; reopen it before acknowledging`);
      if (inc.status === 'acknowledged') return same(inc.ackedBy, 'acknowledged');
      return change(
        'ack',
        { status: 'acknowledged', ackedBy: by, ackedUntil: cmd.untilMs ?? null },
        `${n} acknowledged by ${actor.name}${cmd.untilMs ? ` until ${formatTime(cmd.untilMs, now)}` : ''}`,
      );

    case 'ack_extend': {
      if (inc.status !== 'acknowledged') throw conflict(inc, `${n} is ${inc.status}, not acknowledged; there is no acknowledgement to extend`);
      const until = now + cmd.durationMs;
      return change(
        'ack_extend',
        { ackedUntil: until },
        `${n}: ${actor.name} extended the acknowledgement by ${formatDuration(cmd.durationMs)}, until ${formatTime(until, now)}`,
      );
    }

    case 'hand_back': {
      if (inc.status !== 'acknowledged') {
        if (cmd.timedOut) return { changed: false, incident: inc, by: null, message: `${n} is no longer acknowledged` };
        throw conflict(inc, `${n} is ${inc.status}, not acknowledged; there is nothing to hand back`);
      }
      const t = cmd.timedOut;
      return change(
        'hand_back',
        { status: 'triggered', ackedBy: null, ackedUntil: null },
        t
          ? `${n} back to triggered: ${t.acker} did not answer the reminder within ${formatDuration(t.graceMs)} after the acknowledgement ran out; paging the current level again`
          : `${n} handed back by ${actor.name}; back to triggered, paging the current level again`,
      );
    }

    case 'unack':
      if (inc.status === 'resolved') throw conflict(inc, `${n} is resolved; there is no acknowledgement to take back`);
      if (inc.status === 'triggered') {
        if (inc.lastAction.kind === 'unack') return same(inc.lastAction.by, 'unacknowledged');
        throw conflict(inc, `${n} is not acknowledged`);
      }
      return change('unack', { status: 'triggered', ackedBy: null, ackedUntil: null }, `${n} unacknowledged by ${actor.name}; back to triggered`);

    case 'snooze': {
      if (inc.status === 'resolved') throw conflict(inc, `${n} is resolved; a resolved incident cannot be snoozed`);
      // Two people pressing "snooze 30m" at once is one snooze; a different duration re-snoozes.
      if (isSnoozed(inc, now) && inc.snoozedBy && inc.snoozedUntil! - inc.snoozedBy.at === cmd.durationMs) {
        const r = same(inc.snoozedBy, 'snoozed');
        return { ...r, message: `${r.message} until ${formatTime(inc.snoozedUntil!, now)}` };
      }
      const until = now + cmd.durationMs;
      return change(
        'snooze',
        { snoozedUntil: until, snoozedBy: by },
        `${n} snoozed by ${actor.name} for ${formatDuration(cmd.durationMs)}, until ${formatTime(until, now)}`,
      );
    }

    case 'snooze_end':
      // The scanner may find a snooze that someone else already ended or extended: not an error.
      if (inc.status === 'resolved' || inc.snoozedUntil === null || inc.snoozedUntil > now) {
        return { changed: false, incident: inc, by: null, message: `${n} has no snooze that has ended` };
      }
      return change(
        'snooze_end',
        { status: 'triggered', ackedBy: null, ackedUntil: null, snoozedUntil: null, snoozedBy: null },
        `${n} snooze ended; back to triggered`,
      );

    case 'resolve':
    case 'auto_resolve': {
      if (inc.status === 'resolved') return same(inc.resolvedBy, 'resolved');
      const next = { status: 'resolved', openKey: null, snoozedUntil: null, snoozedBy: null, ackedUntil: null, resolvedBy: by } as const;
      return cmd.type === 'resolve'
        ? change('resolve', next, `${n} resolved by ${actor.name}`)
        : change('auto_resolve', next, `${n} resolved: all alerts resolved`);
    }

    case 'reopen':
      if (inc.status !== 'resolved') {
        if (inc.status === 'triggered' && inc.lastAction.kind === 'reopen') return same(inc.lastAction.by, 'reopened');
        throw conflict(inc, `${n} is ${inc.status}, not resolved; only a resolved incident can be reopened`);
      }
      return change(
        'reopen',
        {
          status: 'triggered',
          openKey: cmd.groupFree ? openKeyOf(inc.sourceId, inc.groupKey) : null,
          ackedBy: null,
          ackedUntil: null,
          resolvedBy: null,
        },
        `${n} reopened by ${actor.name}` +
          (cmd.groupFree ? '' : '; a newer incident is open for the same alerts, so new alerts go there'),
      );
  }
}

/** A transition that makes no sense now; `incident_resolved` when it is because the incident is resolved. */
const conflict = (inc: Incident, message: string) => new HarkError('conflict', message, undefined, inc.status === 'resolved' ? 'incident_resolved' : undefined);

const stamp = (actor: Actor, at: number): Stamp => ({ id: actor.id, name: actor.name, at });

/** "10:02 UTC" today, "2026-05-01 10:02 UTC" otherwise. Surfaces that know the reader's zone use Stamp.at instead. */
export function formatTime(at: number, now: number): string {
  const iso = new Date(at).toISOString();
  const sameDay = iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  return `${sameDay ? '' : `${iso.slice(0, 10)} `}${iso.slice(11, 16)} UTC`;
}
