import type { Kysely } from 'kysely';
import type { Severity } from '../incident/types.ts';
import { enqueueSend } from '../store/outbox-repo.ts';
import type { DB } from '../store/schema.ts';
import { priorityOf } from './dispatch.ts';

// How a feature sends something (docs/ARCHITECTURE.md): `delivery.send(db, {to, kind, card or
// incident})`. This is the one writer of new outbox rows: it picks the row's priority from what
// the message is (pages first) and wakes the worker, so no author has to remember either.

/**
 * What a message is, which decides its place in the queue:
 * - `page`: an incident's card to a person being paged (ahead of all group traffic);
 * - `incident`: an incident's live card in a group;
 * - `personal`: any other card to one person (a handoff notice, the link card);
 * - `notice`: any other card in a group (a handoff notice, the welcome card);
 * - `summary`: the card that closes an incident's war room.
 */
export type SendKind = 'page' | 'incident' | 'personal' | 'notice' | 'summary';

export interface Outbound {
  to: { type: 'chat_id' | 'open_id'; id: string; name?: string | null };
  kind: SendKind;
  /** The incident it is about; without `card`, its live card (rendered when sent, kept up to date). */
  incident?: number | null;
  /** A card to send as is. */
  card?: object | null;
  /** The incident's severity (pages and incident cards of worse severities go first); default warning. */
  severity?: Severity;
  /** At most one waiting message per key (a retry or a second replica queues none). */
  key?: string;
  /** A page's Lark urgent notice, raised once the card is delivered. */
  urgent?: 'app' | 'sms' | 'phone' | null;
}

/** The outbox priority of a message (lower goes first; dispatch.ts priorityOf). */
export function priorityFor(m: Pick<Outbound, 'kind' | 'severity'>): number {
  switch (m.kind) {
    case 'page':
      return priorityOf(m.severity ?? 'warning', 'page');
    case 'incident':
      return priorityOf(m.severity ?? 'warning', 'send');
    case 'personal':
      return priorityOf(m.severity ?? 'warning', 'send');
    case 'notice':
      return priorityOf('info', 'send');
    case 'summary':
      return priorityOf('critical', 'patch');
  }
}

/** Delivery's sending port: a message written in the caller's transaction, the worker woken. */
export interface Sending {
  send(db: Kysely<DB>, message: Outbound): Promise<void>;
}

export class Outbox implements Sending {
  constructor(
    private readonly clock: () => number,
    /** Wakes the local worker (it looks again shortly if the transaction has not committed yet). */
    private readonly wake: () => void,
  ) {}

  async send(db: Kysely<DB>, m: Outbound): Promise<void> {
    await enqueueSend(
      db,
      {
        subject: m.card ? 'card' : 'incident',
        incidentNumber: m.incident ?? null,
        targetType: m.to.type,
        targetId: m.to.id,
        targetName: m.to.name ?? null,
        card: m.card ?? null,
        priority: priorityFor(m),
        pendingKey: m.key ?? null,
        urgent: m.kind === 'page' ? (m.urgent ?? null) : null,
      },
      this.clock(),
    );
    this.wake();
  }
}
