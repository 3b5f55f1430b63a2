import { sql, type Kysely, type Transaction } from 'kysely';
import type { IncidentChange, IncidentListener } from '../incident/ports.ts';
import type { Incident } from '../incident/types.ts';
import type { ChatDirectory } from '../store/chat-repo.ts';
import { param, prepare } from '../store/prepared.ts';
import type { DB } from '../store/schema.ts';
import type { DeliveryConfig } from './config.ts';
import { chatsFor, priorityOf, type ChatTarget } from './dispatch.ts';
import { enqueuePatch, enqueueSend, PATCH_KEY_PREFIX } from './outbox.ts';
import { addDeliveryNote } from './timeline.ts';

// The delivery side of every incident change: outbox rows written inside the change's
// transaction (so a change and its notifications commit or roll back together), then a nudge to
// the worker. Nothing here talks to Lark.

export interface MemberTarget {
  /** Member name, for timeline sentences. */
  name: string;
  /** Lark open_id once linked; null means never linked. */
  openId: string | null;
}

export interface NotifyMemberRequest {
  member: MemberTarget;
  /** The incident this message is about: its timeline records the outcome. */
  incidentNumber?: number | null;
  /** A card to send as is (e.g. the link card); omitted: the incident's live card, kept up to date. */
  card?: object | null;
  /** Defaults to the incident's send priority, or warning's. */
  priority?: number;
  /** Raise this Lark urgent notice on the card once it is delivered (an escalation level's `urgent`). */
  urgent?: 'app' | 'sms' | 'phone' | null;
}

export type NotifyMemberResult = 'queued' | 'not_linked';

export class DeliveryListener implements IncidentListener {
  constructor(
    private readonly chats: ChatDirectory,
    private readonly config: DeliveryConfig,
    private readonly clock: () => number,
    /** Wakes the local worker; called right after the enqueue (see notifySoon). */
    private readonly notify: () => void,
  ) {}

  async onChange(trx: Transaction<DB>, change: IncidentChange): Promise<void> {
    const now = this.clock();
    const inc = change.incident;
    // Wake the worker only when there is something for it: a click on the only copy queues nothing.
    let queued = false;
    if (change.type === 'created') {
      const targets = await this.targets(trx, inc);
      for (const t of targets) await this.placeCard(trx, inc, t, now);
      queued = targets.length > 0;
    } else {
      queued = await this.patchCopies(trx, inc, now, change.type === 'state_changed' ? change.answeredCopy : undefined);
      // A severity that rose may now pass a group's minimum: post there too.
      if (change.type === 'alert_added' && change.previous.severity !== inc.severity) {
        await this.addMissingCopies(trx, inc, now);
        queued = true;
      }
    }
    if (queued) this.notify();
  }

  /**
   * Sends a card to a member privately, through the outbox (escalation, `link`). An unlinked
   * member gets a timeline sentence instead of a send.
   */
  async notifyMember(db: Kysely<DB>, req: NotifyMemberRequest): Promise<NotifyMemberResult> {
    const now = this.clock();
    if (!req.member.openId) {
      if (req.incidentNumber != null) {
        await addDeliveryNote(db, req.incidentNumber, now, `not linked: ${req.member.name} has never opened Hark in Lark`, {
          member: req.member.name,
        });
      }
      return 'not_linked';
    }
    let priority = req.priority;
    if (priority === undefined && req.incidentNumber != null) {
      const row = await db.selectFrom('incidents').select('severity').where('number', '=', req.incidentNumber).executeTakeFirst();
      priority = priorityOf((row?.severity as Incident['severity']) ?? 'warning', req.card ? 'send' : 'page');
    }
    await enqueueSend(
      db,
      {
        subject: req.card ? 'card' : 'incident',
        incidentNumber: req.incidentNumber ?? null,
        targetType: 'open_id',
        targetId: req.member.openId,
        targetName: req.member.name,
        card: req.card ?? null,
        priority: priority ?? priorityOf('warning', 'send'),
        urgent: req.card ? null : (req.urgent ?? null),
      },
      now,
    );
    this.notify();
    return 'queued';
  }

  private async targets(db: Kysely<DB>, inc: Incident): Promise<ChatTarget[]> {
    return chatsFor(inc, await this.chats.subscribersOf(db, inc.sourceId));
  }

  /** A new card for the chat, unless the chat is over its per-minute budget: then the storm card counts it. */
  private async placeCard(db: Kysely<DB>, inc: Incident, chat: ChatTarget, now: number): Promise<void> {
    const recent = await db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('target_id', '=', chat.chatId)
      .where('created_at', '>', now - 60_000)
      .where('op', '=', 'send')
      .where('subject', '=', 'incident')
      .executeTakeFirst();
    if (Number(recent?.n ?? 0) < this.config.stormPerMinute) {
      await enqueueSend(
        db,
        {
          subject: 'incident',
          incidentNumber: inc.number,
          targetType: 'chat_id',
          targetId: chat.chatId,
          targetName: chat.name,
          priority: priorityOf(inc.severity, 'send'),
        },
        now,
      );
      return;
    }
    await this.collapse(db, inc, chat, now);
  }

  private async collapse(db: Kysely<DB>, inc: Incident, chat: ChatTarget, now: number): Promise<void> {
    const openKey = `${chat.chatId}:${inc.sourceId}`;
    let storm = await db.selectFrom('storms').selectAll().where('open_key', '=', openKey).executeTakeFirst();
    if (storm && storm.last_collapsed_at < now - this.config.stormQuietMs) {
      await db.updateTable('storms').set({ open_key: null }).where('id', '=', storm.id).execute();
      storm = undefined;
    }
    if (!storm) {
      // ON CONFLICT DO NOTHING + re-read: another replica may open the same storm concurrently.
      await db
        .insertInto('storms')
        .values({
          chat_id: chat.chatId,
          source_id: inc.sourceId,
          open_key: openKey,
          started_at: now,
          last_collapsed_at: now,
          message_id: null,
          rendered_hash: null,
          expired_at: null,
        })
        .onConflict((oc) => oc.column('open_key').doNothing())
        .execute();
      storm = await db.selectFrom('storms').selectAll().where('open_key', '=', openKey).executeTakeFirstOrThrow();
    } else {
      await db.updateTable('storms').set({ last_collapsed_at: now }).where('id', '=', storm.id).execute();
    }
    await db
      .insertInto('storm_incidents')
      .values({ storm_id: storm.id, incident_number: inc.number, created_at: now })
      .onConflict((oc) => oc.columns(['storm_id', 'incident_number']).doNothing())
      .execute();
    await this.refreshStorm(db, storm, now);
    await addDeliveryNote(
      db,
      inc.number,
      now,
      `not posted in group ${chat.name}: it already had ${this.config.stormPerMinute} new incidents this minute; counted on its storm card instead`,
      { chat_id: chat.chatId, storm_id: storm.id },
    );
  }

  /** The storm card is sent once (coalesced by pending key) and updated in place afterwards. */
  private async refreshStorm(
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
   * Every live copy of the incident's card, and the storm cards that count it, get an update;
   * except `answered`, the copy whose card-callback answer shows this version (marked fresh, so a
   * pending update of it is skipped too). Returns whether anything was queued.
   */
  private async patchCopies(db: Kysely<DB>, inc: Incident, now: number, answered?: string): Promise<boolean> {
    let queued = false;
    // One statement reads both the live copies and the storms that count the incident (see
    // copiesAndStorms): copies first, in the order read, then the storms, as two queries did.
    const rows = await copiesAndStorms.rows(db, { number: inc.number });
    for (const c of rows) {
      if (c.storm_id !== null) continue;
      const copy = { message_id: c.message_id!, target_type: c.target_type, target_id: c.target_id, target_name: c.target_name };
      if (copy.message_id === answered) {
        // Only a pending update of this copy can be held back by the mark; without one (the usual
        // case) the answer is all the copy needs, and the change writes one row less.
        if (c.patch_pending) await this.markFresh(db, copy.message_id, inc.version);
        continue;
      }
      queued = true;
      await patchCopy(db, inc.number, inc.severity, copy, now);
    }
    for (const r of rows) {
      if (r.storm_id === null) continue;
      const storm = { id: r.storm_id, chat_id: r.target_id, message_id: r.message_id, expired_at: r.expired_at };
      if (storm.message_id && storm.expired_at === null) {
        await this.refreshStorm(db, storm, now);
        queued = true;
      }
    }
    return queued;
  }

  private async addMissingCopies(db: Kysely<DB>, inc: Incident, now: number): Promise<void> {
    const targets = await this.targets(db, inc);
    if (!targets.length) return;
    const have = new Set<string>();
    const sent = await db.selectFrom('incident_messages').select('target_id').where('incident_number', '=', inc.number).execute();
    for (const r of sent) have.add(r.target_id);
    const queued = await db
      .selectFrom('outbox')
      .select('target_id')
      .where('incident_number', '=', inc.number)
      .where('op', '=', 'send')
      .where('status', 'in', ['pending', 'done'])
      .execute();
    for (const r of queued) have.add(r.target_id);
    const stormed = await db
      .selectFrom('storm_incidents')
      .innerJoin('storms', 'storms.id', 'storm_incidents.storm_id')
      .select('storms.chat_id')
      .where('storm_incidents.incident_number', '=', inc.number)
      .execute();
    for (const r of stormed) have.add(r.chat_id);
    for (const t of targets) if (!have.has(t.chatId)) await this.placeCard(db, inc, t, now);
  }

  /**
   * The card-callback answer already showed `version` on this copy (a change made with
   * TxOption.answeredCopy): a pending update of that copy is skipped when it would show nothing newer.
   */
  private async markFresh(db: Kysely<DB>, messageId: string, version: number): Promise<void> {
    await markFreshCopy.execute(db, { messageId, version });
  }

  /**
   * The callback answer went out without the card (the click missed its answer budget): forget that
   * the copy was answered and queue its update, so it catches up through the outbox like the others.
   */
  async refreshCopy(db: Kysely<DB>, messageId: string): Promise<void> {
    const copy = await db
      .selectFrom('incident_messages')
      .innerJoin('incidents', 'incidents.number', 'incident_messages.incident_number')
      .select(['incident_messages.message_id', 'incident_number', 'incidents.severity', 'target_type', 'target_id', 'target_name', 'expired_at'])
      .where('incident_messages.message_id', '=', messageId)
      .executeTakeFirst();
    if (!copy || copy.expired_at !== null) return;
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('incident_messages').set({ fresh_version: null }).where('message_id', '=', messageId).execute();
      await patchCopy(trx, Number(copy.incident_number), copy.severity as Incident['severity'], copy, this.clock());
    });
    this.notify();
  }
}

// The statements of every change (prepared: see store/prepared.ts).

/**
 * The incident's live card copies (storm_id null) and, in the same statement, the storm cards that
 * count it (storm_id set; message_id, expired_at and target_id = chat_id are the storm's). Most
 * incidents were never in a storm: the second half then costs an index probe, not a statement.
 */
const copiesAndStorms = prepare('card copies and storms of an incident', { number: param<number>(2) }, (db, p) =>
  db
    .selectFrom('incident_messages')
    .select((eb) => [
      sql<number | null>`null`.as('storm_id'),
      // NOT NULL here; typed like the storms' so that the two halves have one row type.
      eb.ref('message_id').$castTo<string | null>().as('message_id'),
      'target_type',
      'target_id',
      'target_name',
      'expired_at',
      // Whether an update of this copy is waiting in the outbox (its pending_key is unique).
      eb
        .exists(eb.selectFrom('outbox').select(sql<number>`1`.as('one')).where('outbox.pending_key', '=', sql<string>`${sql.lit(PATCH_KEY_PREFIX)} || incident_messages.message_id`))
        .$castTo<number | boolean>()
        .as('patch_pending'),
    ])
    .where('incident_number', '=', p.number)
    .where('expired_at', 'is', null)
    .unionAll(
      db
        .selectFrom('storm_incidents')
        .innerJoin('storms', 'storms.id', 'storm_incidents.storm_id')
        .select([
          'storms.id as storm_id',
          'storms.message_id',
          sql<string>`'chat_id'`.as('target_type'),
          'storms.chat_id as target_id',
          sql<string | null>`null`.as('target_name'),
          'storms.expired_at',
          sql<number | boolean>`false`.as('patch_pending'),
        ])
        .where('storm_incidents.incident_number', '=', p.number),
    ),
);

const markFreshCopy = prepare('mark a card copy fresh', { messageId: param<string>(), version: param<number>(2) }, (db, p) =>
  db
    .updateTable('incident_messages')
    .set({ fresh_version: sql<number>`case when fresh_version is null or fresh_version < ${p.version} then ${p.version} else fresh_version end` })
    .where('message_id', '=', p.messageId),
);

/** Queues the update of one copy of an incident's card (coalesced with any pending one). */
export function patchCopy(
  db: Kysely<DB>,
  incidentNumber: number,
  severity: Incident['severity'],
  copy: { message_id: string; target_type: string; target_id: string; target_name: string | null },
  now: number,
): Promise<void> {
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
