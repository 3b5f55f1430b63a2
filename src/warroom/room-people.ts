// The people and the pin of an open room: adds whoever is waiting (one member change at a time per
// group in this process; Lark answers 232019 to concurrent ones, which retryingLark retries across
// replicas) and pins the room's card copy. Outcomes go on the incident's timeline in words.
import type { Kysely } from 'kysely';
import { classifyLarkError } from '../lark/client.ts';
import type { LarkGroupApi } from '../lark/groups.ts';
import type { Logger } from '../log.ts';
import type { DB } from '../store/schema.ts';
import * as repo from '../store/war-room-repo.ts';
import { explainGroupRefusal } from './names.ts';
import { retryingLark } from './retry.ts';

export class RoomPeople {
  private readonly syncing = new Map<number, Promise<void>>();

  constructor(
    private readonly d: { db: Kysely<DB>; groups: LarkGroupApi; log: Logger; clock: () => number },
    private readonly retry: { retries: number; minMs: number },
  ) {}

  private now(): number {
    return this.d.clock();
  }

  /** Puts the room's waiting people in the group and records who could not be added, and why. */
  syncMembers(incidentNumber: number): Promise<void> {
    const prev = this.syncing.get(incidentNumber) ?? Promise.resolve();
    const next = prev.then(() => this.syncOnce(incidentNumber)).catch((err) => {
      this.d.log.warn({ err, incident: incidentNumber }, 'war room members not synchronised; the sweep retries');
    });
    this.syncing.set(incidentNumber, next);
    void next.finally(() => {
      if (this.syncing.get(incidentNumber) === next) this.syncing.delete(incidentNumber);
    });
    return next;
  }

  private async syncOnce(incidentNumber: number): Promise<void> {
    const { db } = this.d;
    const room = await repo.findRoom(db, incidentNumber);
    if (!room || room.status !== 'open' || !room.chat_id) return;
    const pending = await repo.membersOf(db, incidentNumber, 'pending');
    if (!pending.length) return;
    let result: { invalid: string[]; unknown: string[] };
    try {
      result = await retryingLark(() => this.d.groups.addMembers(room.chat_id!, pending.map((p) => p.open_id)), this.retry);
    } catch (err) {
      const e = classifyLarkError(err);
      if (e.kind !== 'permanent') throw e;
      const now = this.now();
      for (const p of pending) {
        if (await repo.setMemberStatus(db, incidentNumber, p.open_id, 'invalid', now)) {
          await repo.addRoomNote(db, incidentNumber, now, `not added to the war room: ${p.name}: ${explainGroupRefusal(e)}`);
        }
      }
      return;
    }
    const now = this.now();
    const added: string[] = [];
    await db.transaction().execute(async (trx) => {
      for (const p of pending) {
        const status = result.invalid.includes(p.open_id) ? 'invalid' : result.unknown.includes(p.open_id) ? 'unknown' : 'added';
        if (!(await repo.setMemberStatus(trx, incidentNumber, p.open_id, status, now))) continue;
        if (status === 'added') added.push(p.name);
        else {
          const why = status === 'invalid' ? `${p.name} is outside the app's availability` : `Lark does not know ${p.name}`;
          await repo.addRoomNote(trx, incidentNumber, now, `not added to the war room: ${why}`);
        }
      }
      if (added.length) await repo.addRoomNote(trx, incidentNumber, now, `added to the war room: ${added.join(', ')}`);
    });
  }

  async pinCard(incidentNumber: number): Promise<void> {
    const room = await repo.findRoom(this.d.db, incidentNumber);
    if (!room?.card_message_id || room.pinned_at !== null) return;
    try {
      await retryingLark(() => this.d.groups.pin(room.card_message_id!), this.retry);
      await repo.markPinned(this.d.db, incidentNumber, this.now());
      await repo.addRoomNote(this.d.db, incidentNumber, this.now(), 'incident card pinned in the war room');
    } catch (err) {
      const e = classifyLarkError(err);
      if (e.kind !== 'permanent') throw e;
      // Not worth retrying: record it and stop (pinned_at marks the attempt as finished).
      await repo.markPinned(this.d.db, incidentNumber, this.now());
      await repo.addRoomNote(this.d.db, incidentNumber, this.now(), `incident card not pinned in the war room: ${explainGroupRefusal(e)}`);
    }
  }
}
