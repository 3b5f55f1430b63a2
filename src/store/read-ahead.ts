import type { Kysely, Selectable } from 'kysely';
import type { DB, MemberRow } from './schema.ts';

// Reads made once for a group of escalation steps fired in one transaction (issue 28). A step is
// a handful of round trips (its source's policy, the member it pages, the incident's card copies),
// and on a burst of a thousand steps the round trips, not the work, are the cost: the timer
// engine's group hook (src/timers/registry.ts) reads them here for the whole group, and the
// repositories answer a step from what was read for its transaction. Sources and members do not
// change inside a firing; an incident's copies are answered once (the step then changes them:
// the next read goes to the database).

export interface CopyAhead {
  message_id: string;
  target_type: string;
  target_id: string;
  target_name: string | null;
  fresh_version: number | null;
  severity: string;
}

/** What a live copy read gives (card-repo.ts liveCopiesOf reads the same). */
export const LIVE_COPY_COLUMNS = [
  'incident_messages.message_id',
  'incident_messages.target_type',
  'incident_messages.target_id',
  'incident_messages.target_name',
  'incident_messages.fresh_version',
  'incidents.severity',
] as const;

interface Ahead {
  escalations: Map<number, string | null>;
  members: Map<string, Selectable<MemberRow> | null>;
  copies: Map<number, CopyAhead[]>;
}

const ahead = new WeakMap<object, Ahead>();

function of(db: Kysely<DB>): Ahead {
  let a = ahead.get(db);
  if (!a) ahead.set(db, (a = { escalations: new Map(), members: new Map(), copies: new Map() }));
  return a;
}

/** The escalation policies (stored text) of these sources, read once for the transaction. */
export async function readEscalationsAhead(trx: Kysely<DB>, sourceIds: readonly number[]): Promise<Map<number, string | null>> {
  const ids = [...new Set(sourceIds)];
  const a = of(trx);
  if (ids.length) {
    const rows = await trx.selectFrom('sources').select(['id', 'escalation']).where('id', 'in', ids).execute();
    for (const id of ids) a.escalations.set(id, null);
    for (const r of rows) a.escalations.set(Number(r.id), r.escalation);
  }
  return a.escalations;
}

/** The members with these (lowercase) emails, and the incidents' live card copies, read once for the transaction. */
export async function readStepsAhead(trx: Kysely<DB>, emails: readonly string[], incidentNumbers: readonly number[]): Promise<void> {
  const a = of(trx);
  const want = [...new Set(emails)];
  if (want.length) {
    const rows = await trx.selectFrom('members').selectAll().where('email', 'in', want).execute();
    for (const e of want) a.members.set(e, null);
    for (const r of rows) if (r.email) a.members.set(r.email, r);
  }
  const numbers = [...new Set(incidentNumbers)];
  if (numbers.length) {
    const rows = await trx
      .selectFrom('incident_messages')
      .innerJoin('incidents', 'incidents.number', 'incident_messages.incident_number')
      .select(['incident_messages.incident_number', ...LIVE_COPY_COLUMNS])
      .where('incident_messages.incident_number', 'in', numbers)
      .where('incident_messages.expired_at', 'is', null)
      .execute();
    for (const n of numbers) a.copies.set(n, []);
    for (const { incident_number, ...c } of rows) a.copies.get(Number(incident_number))?.push(c);
  }
}

/** A source's policy read ahead for this transaction (undefined: not read ahead). */
export function escalationAhead(db: Kysely<DB>, sourceId: number): string | null | undefined {
  return ahead.get(db)?.escalations.get(sourceId);
}

/** A member read ahead for this transaction by lowercase email (null: no such member; undefined: not read ahead). */
export function memberAhead(db: Kysely<DB>, email: string): Selectable<MemberRow> | null | undefined {
  return ahead.get(db)?.members.get(email);
}

/** An incident's live copies read ahead for this transaction, answered once (undefined: not read ahead, or taken). */
export function takeCopiesAhead(db: Kysely<DB>, incidentNumber: number): CopyAhead[] | undefined {
  const copies = ahead.get(db)?.copies;
  const c = copies?.get(incidentNumber);
  if (c) copies!.delete(incidentNumber);
  return c;
}
