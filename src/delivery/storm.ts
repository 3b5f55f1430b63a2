import type { Kysely } from 'kysely';
import type { Incident } from '../incident/types.ts';
import { addToStorm, closeStorm, findOpenStorm, openStorm } from '../store/card-repo.ts';
import { enqueuePatch, enqueueSend } from '../store/outbox-repo.ts';
import type { DB } from '../store/schema.ts';
import type { DeliveryConfig } from './config.ts';
import type { ChatTarget } from './dispatch.ts';
import { addDeliveryNote } from './timeline.ts';
import { scheduleStormEnd, stormState } from '../store/storm-timer-repo.ts';

// Alert storms: once a chat got stormPerMinute new incident cards in a minute, further incidents of
// that source are counted on one storm card (sent once, then updated in place) instead of posted.

/** Counts the incident on the chat's open storm card (opening one if needed) and says so in its timeline. */
export async function collapseIntoStorm(db: Kysely<DB>, config: DeliveryConfig, inc: Incident, chat: ChatTarget, now: number): Promise<void> {
  const openKey = `${chat.chatId}:${inc.sourceId}`;
  let storm = await findOpenStorm(db, openKey);
  if (storm && storm.last_collapsed_at < now - config.stormQuietMs) {
    // Its end timer has not fired yet: end it here, its card becomes the summary.
    await closeStorm(db, storm.id);
    await refreshStorm(db, storm, now);
    storm = undefined;
  }
  const opened = !storm;
  if (!storm) storm = await openStorm(db, { chatId: chat.chatId, sourceId: inc.sourceId, openKey, now });
  await addToStorm(db, storm.id, inc.number, now, !opened);
  await refreshStorm(db, storm, now);
  await scheduleStormEnd(db, storm.id, now + config.stormQuietMs, now);
  await addDeliveryNote(
    db,
    inc.number,
    now,
    `not posted in group ${chat.name}: it already had ${config.stormPerMinute} new incidents this minute; counted on its storm card instead`,
    { chat_id: chat.chatId, storm_id: storm.id },
  );
}

/** The storm card is sent once (coalesced by pending key) and updated in place afterwards. */
export async function refreshStorm(
  db: Kysely<DB>,
  storm: { id: number; chat_id: string; message_id: string | null; expired_at: number | null },
  now: number,
): Promise<void> {
  if (storm.expired_at !== null) return;
  if (storm.message_id) {
    await enqueuePatch(
      db,
      { subject: 'storm', stormId: storm.id, messageId: storm.message_id, targetType: 'chat_id', targetId: storm.chat_id, priority: 0 },
      now,
    );
  } else {
    await enqueueSend(
      db,
      { subject: 'storm', stormId: storm.id, targetType: 'chat_id', targetId: storm.chat_id, priority: 0, pendingKey: `storm-send:${storm.id}` },
      now,
    );
  }
}

/**
 * `storm_end` timer (fired by escalation's scanner in its transaction): a storm quiet for
 * stormQuietMs ends, and its card becomes the summary (how many incidents it covered, which are
 * still open). One kind, one function, for the scanner's registry.
 */
export async function endStorm(db: Kysely<DB>, config: DeliveryConfig, timer: { data: string | null }, now: number): Promise<boolean> {
  const id = Number((JSON.parse(timer.data ?? '{}') as { storm?: number }).storm);
  const s = Number.isFinite(id) ? await stormState(db, id) : null;
  if (!s || !s.open) return false;
  if (s.lastCollapsedAt > now - config.stormQuietMs) {
    // Moved meanwhile (the timer was re-armed in the same transaction as the collapse): wait again.
    await scheduleStormEnd(db, id, s.lastCollapsedAt + config.stormQuietMs, now);
    return false;
  }
  await closeStorm(db, id);
  await refreshStorm(db, { id, chat_id: s.chatId, message_id: s.messageId, expired_at: s.expiredAt }, now);
  return true;
}
