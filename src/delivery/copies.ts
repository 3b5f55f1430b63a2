import type { Kysely } from 'kysely';
import type { Incident } from '../incident/types.ts';
import { clearCopyFresh, clearFreshMarks, copyWithSeverity, liveCopiesOf, type CopyTarget } from '../store/card-repo.ts';
import { enqueuePatch } from '../store/outbox-repo.ts';
import type { DB } from '../store/schema.ts';
import { priorityOf } from './dispatch.ts';

// Updates of copies of an incident's card already in chats: queued through the outbox (coalesced
// per copy), never sent from here.

/** Queues the update of one copy of an incident's card (coalesced with any pending one). */
export function patchCopy(db: Kysely<DB>, incidentNumber: number, severity: Incident['severity'], copy: CopyTarget, now: number): Promise<void> {
  return enqueuePatch(
    db,
    {
      subject: 'incident',
      incidentNumber,
      messageId: copy.message_id,
      targetType: copy.target_type as 'chat_id' | 'open_id',
      targetId: copy.target_id,
      targetName: copy.target_name,
      priority: priorityOf(severity, 'patch'),
    },
    now,
  );
}

/**
 * The callback answer went out without the card (the click missed its answer budget): forget that
 * the copy was answered and queue its update, so it catches up through the outbox like the others.
 * Returns whether an update was queued.
 */
export async function refreshCopy(db: Kysely<DB>, messageId: string, now: () => number): Promise<boolean> {
  const copy = await copyWithSeverity(db, messageId);
  if (!copy || copy.expired_at !== null) return false;
  await db.transaction().execute(async (trx) => {
    await clearCopyFresh(trx, messageId);
    await patchCopy(trx, Number(copy.incident_number), copy.severity as Incident['severity'], copy, now());
  });
  return true;
}

/**
 * An update for every live copy of the incident's card (coalesced with any pending one). What
 * changed (e.g. the next escalation step) is not a new incident version, so a copy whose click
 * answer showed the current version is no longer up to date either: its mark is dropped, or the
 * worker would skip redrawing it.
 */
export async function refreshAllCopies(db: Kysely<DB>, incidentNumber: number, now: number): Promise<void> {
  const copies = await liveCopiesOf(db, incidentNumber);
  if (copies.some((c) => c.fresh_version !== null)) await clearFreshMarks(db, incidentNumber);
  for (const c of copies) await patchCopy(db, incidentNumber, c.severity as Incident['severity'], c, now);
}
