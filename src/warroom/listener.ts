// The war-room side of every incident change, inside the change's transaction (like delivery's
// outbox rows): rows only, never a Lark call, so a change never waits for the group APIs.
// - acknowledged: whoever acknowledged joins the room;
// - resolved: the summary card is queued for the room (built from the timeline as it stands);
// - a new critical incident of a source with war_room.auto_for = critical: its room is asked for.
// The service's sweep (and a kick right after) does the Lark side.
import type { Kysely, Transaction } from 'kysely';
import type { Sending } from '../delivery/outbound.ts';
import type { IncidentChange, IncidentListener } from '../incident/ports.ts';
import { renderWarRoomSummaryCard } from '../render/index.ts';
import type { DB } from '../store/schema.ts';
import * as repo from '../store/war-room-repo.ts';
import { roomName, roomUuid } from './names.ts';
import { summaryView } from './summary.ts';

export interface WarRoomListenerDeps {
  clock: () => number;
  publicUrl: string;
  /** Reads the install id through `db` (the change's transaction: SQLite has one connection). */
  installId: (db: Kysely<DB>) => Promise<string>;
  /** Called after the listener queued room work; the caller's transaction may still be open. */
  kick: () => void;
  /** Delivery's port: the summary card. */
  send: Sending;
}

export class WarRoomListener implements IncidentListener {
  constructor(private readonly d: WarRoomListenerDeps) {}

  async onChange(trx: Transaction<DB>, change: IncidentChange): Promise<void> {
    const inc = change.incident;
    const now = this.d.clock();
    if (change.type === 'created' || (change.type === 'alert_added' && change.previous.severity !== inc.severity)) {
      if (inc.severity !== 'critical') return;
      if ((await repo.autoForOfSource(trx, inc.sourceId)) !== 'critical') return;
      const source = await repo.sourceName(trx, inc.sourceId);
      const inserted = await repo.insertRoom(trx, {
        incidentNumber: inc.number,
        uuid: roomUuid(await this.d.installId(trx), inc.number),
        name: roomName(inc.number, inc.title),
        requestedBy: `Hark (critical incidents of ${source ?? 'this source'} get a war room)`,
        now,
      });
      if (inserted) this.later();
      return;
    }
    if (change.type !== 'state_changed') return;
    const room = await repo.findRoom(trx, inc.number);
    if (!room || room.status === 'failed') return;
    if (change.action === 'ack' && inc.ackedBy?.id != null) {
      const m = await repo.memberLark(trx, inc.ackedBy.id);
      if (m) {
        await repo.addPendingMember(trx, inc.number, m.openId, m.name, now);
        this.later();
      }
      return;
    }
    if (inc.status === 'resolved' && room.status === 'open' && room.chat_id) {
      const row = await repo.incidentForSummary(trx, inc.number);
      const entries = await repo.timelineEntries(trx, inc.number);
      const webUrl = `${this.d.publicUrl.replace(/\/+$/, '')}/h5/incidents/${inc.number}`;
      const card = renderWarRoomSummaryCard(summaryView(row, entries, webUrl, now), { lang: 'both', now });
      await this.d.send.send(trx, {
        to: { type: 'chat_id', id: room.chat_id, name: room.name }, kind: 'summary', incident: inc.number, card, key: `war-room-summary:${inc.number}:${inc.version}`,
      });
    }
  }

  /** The transaction is still open here: give it a moment to commit, then let the sweep act. */
  private later(): void {
    setTimeout(() => this.d.kick(), 50).unref();
  }
}
