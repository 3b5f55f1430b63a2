// War rooms (README "War room"): a Lark group for one incident with its people, the live incident
// card pinned in it, a summary at the end. One room per incident across replicas: the war_rooms
// row (primary key = incident) decides who creates it, and Lark's creation uuid makes a retry or a
// takeover find the same group (docs/lark-notes.md §13). Nothing here runs inside an
// incident change: the card and the pages never wait for Lark's group APIs.
import type { OutboxEntry } from '../store/outbox-repo.ts';
import { patchCopy } from '../delivery/copies.ts';
import { HarkError } from '../errors.ts';
import { parseSeverity } from '../incident/severity.ts';
import type { Via } from '../incident/types.ts';
import { classifyLarkError } from '../lark/client.ts';
import { chatAppLink } from '../lark/groups.ts';
import { findMemberByEmail, findMemberById } from '../store/member-repo.ts';
import * as repo from '../store/war-room-repo.ts';
import { explainGroupRefusal, roomName, roomUuid } from './names.ts';
import { retryingLark } from './retry.ts';
import { RoomPeople } from './room-people.ts';
import { DEFAULT_WAR_ROOM_CONFIG, type Asker, type RoomInfo, type WarRoomConfig, type WarRoomDeps } from './types.ts';

export { DEFAULT_WAR_ROOM_CONFIG, type Asker, type RoomInfo, type WarRoomConfig, type WarRoomDeps } from './types.ts';

export class WarRoomService {
  readonly config: WarRoomConfig;
  private readonly people: RoomPeople;
  private readonly retry: { retries: number; minMs: number };
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly d: WarRoomDeps) {
    this.config = { ...DEFAULT_WAR_ROOM_CONFIG, ...d.config };
    this.retry = { retries: this.config.retries, minMs: this.config.retryMinMs };
    this.people = new RoomPeople(d, this.retry);
  }

  /** Adds the room's waiting people now (also run by the sweep). */
  syncMembers(incidentNumber: number): Promise<void> {
    return this.people.syncMembers(incidentNumber);
  }

  private pinCard(incidentNumber: number): Promise<void> {
    return this.people.pinCard(incidentNumber);
  }

  private now(): number {
    return this.d.clock();
  }

  /** The incident's room, if it is open. */
  async find(incidentNumber: number): Promise<RoomInfo | null> {
    const room = await repo.findRoom(this.d.db, incidentNumber);
    return room?.status === 'open' && room.chat_id ? info(room, false) : null;
  }

  async askerByMemberId(id: number, via: Via): Promise<Asker> {
    const m = await findMemberById(this.d.db, id);
    if (!m) throw new HarkError('not_found', `no member ${id}`);
    return { openId: m.openId, name: m.name, memberId: m.id, via };
  }

  async askerByEmail(email: string, via: Via): Promise<Asker> {
    const m = await findMemberByEmail(this.d.db, email);
    if (!m) throw new HarkError('invalid', `by: no member with email ${email}; POST /api/v1/members adds one`);
    return { openId: m.openId, name: m.name, memberId: m.id, via };
  }

  async isRoom(chatId: string): Promise<boolean> {
    return (await repo.findRoomByChat(this.d.db, chatId)) !== null;
  }

  /**
   * Opens the incident's war room, or answers with the one it has. However often, concurrently and
   * on whichever replica this is called, one group results. Throws HarkError not_found (no such
   * incident), conflict (resolved, no room) or unavailable (Lark refused or is still being asked).
   */
  async open(incidentNumber: number, asker: Asker): Promise<RoomInfo> {
    const { db } = this.d;
    const inc = await repo.incidentBrief(db, incidentNumber);
    if (!inc) throw new HarkError('not_found', `no incident #${incidentNumber}`);
    const existing = await repo.findRoom(db, incidentNumber);
    if (existing?.status === 'open' && existing.chat_id) {
      // Asking again answers with the room; the asker joins it if they were not in it yet.
      if (asker.openId) {
        await repo.addPendingMember(db, incidentNumber, asker.openId, asker.name, this.now());
        this.track(this.syncMembers(incidentNumber));
      }
      return info(existing, false);
    }
    if (inc.status === 'resolved') {
      throw new HarkError('conflict', `#${incidentNumber} is resolved: a war room is for an incident still being worked on (reopen it first)`);
    }
    const now = this.now();
    if (!existing) {
      await repo.insertRoom(db, {
        incidentNumber,
        uuid: roomUuid(await this.installId(), incidentNumber),
        name: roomName(incidentNumber, inc.title),
        requestedBy: asker.name,
        now,
      });
    } else if (existing.status === 'failed') {
      await repo.reopenFailed(db, incidentNumber, asker.name, now);
    }
    if (asker.openId) await repo.addPendingMember(db, incidentNumber, asker.openId, asker.name, now);
    const created = await this.create(incidentNumber, asker);
    const room = await this.waitSettled(incidentNumber);
    if (room.status === 'open' && room.chat_id) return info(room, created);
    if (room.status === 'failed') throw new HarkError('unavailable', `no war room for #${incidentNumber}: ${room.last_error ?? 'Lark refused'}`);
    throw new HarkError(
      'unavailable',
      `the war room for #${incidentNumber} is not open yet${room.last_error ? ` (${room.last_error})` : ''}; Hark keeps trying, ask again in a moment`,
    );
  }

  private installIdCache: string | null = null;
  private async installId(): Promise<string> {
    if (this.installIdCache) return this.installIdCache;
    this.installIdCache = await repo.installId(this.d.db);
    return this.installIdCache;
  }

  /** Polls the room row until it is open or failed, or the wait runs out (another request is creating it). */
  private async waitSettled(incidentNumber: number) {
    const deadline = Date.now() + this.config.waitMs;
    for (;;) {
      const room = await repo.findRoom(this.d.db, incidentNumber);
      if (!room) throw new HarkError('not_found', `no war room for #${incidentNumber}`);
      // Open, failed, or given up on for now after a passing fault (the sweep tries again): answer.
      if (room.status !== 'opening' || room.last_error || Date.now() >= deadline) return room;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Creates the group if this process wins the room's lease: the people so far, the card copy, the
   * timeline. Returns whether this call made it. Failures are recorded, never thrown.
   */
  async create(incidentNumber: number, asker?: Asker): Promise<boolean> {
    const { db } = this.d;
    if (!(await repo.claimOpening(db, incidentNumber, this.now(), this.config.leaseMs))) return false;
    const room = (await repo.findRoom(db, incidentNumber))!;
    const actor = asker ? { id: asker.memberId, name: asker.name, via: asker.via } : undefined;
    // Asked for while open, but resolved before Lark could make the group (a retry after a fault): no room.
    if ((await repo.incidentBrief(db, incidentNumber))?.status === 'resolved') {
      const why = 'the incident was resolved before the group could be made';
      if (await repo.markFailed(db, incidentNumber, why, this.now())) await repo.addRoomNote(db, incidentNumber, this.now(), `war room not opened: ${why}`);
      return false;
    }
    try {
      await this.gatherPeople(incidentNumber);
      const pending = await repo.membersOf(db, incidentNumber, 'pending');
      let placed = pending.map((m) => m.open_id);
      let chatId: string;
      try {
        chatId = (await retryingLark(() => this.d.groups.createGroup({ name: room.name, userOpenIds: placed, uuid: room.uuid }), this.retry)).chatId;
      } catch (err) {
        // Someone the bot cannot see fails the whole creation: make the group, then add who can be added.
        if (classifyLarkError(err).code !== 232043) throw err;
        placed = [];
        chatId = (await retryingLark(() => this.d.groups.createGroup({ name: room.name, userOpenIds: [], uuid: room.uuid }), this.retry)).chatId;
      }
      const link = chatAppLink(this.d.larkDomain, chatId);
      const won = await db.transaction().execute(async (trx) => {
        const now = this.now();
        if (!(await repo.markOpen(trx, incidentNumber, chatId, link, now))) return false;
        for (const id of placed) await repo.setMemberStatus(trx, incidentNumber, id, 'added', now);
        await this.d.chats.botAdded(chatId, room.name, trx);
        const severity = parseSeverity((await repo.incidentBrief(trx, incidentNumber))?.severity ?? '') ?? 'warning';
        // The room gets its own copy of the live card (pinned once sent, see afterSend) ...
        await this.d.send.send(trx, {
          to: { type: 'chat_id', id: chatId, name: room.name }, kind: 'incident', incident: incidentNumber, severity, key: `war-room-card:${incidentNumber}`,
        });
        // ... and every other copy now shows "War room: #42 …" with its link.
        const copies = await repo.liveCopies(trx, incidentNumber);
        for (const c of copies) await patchCopy(trx, incidentNumber, severity, c, now);
        const names = (await repo.membersOf(trx, incidentNumber, 'added')).map((m) => m.name);
        const unlinked = await repo.unlinkedPaged(trx, incidentNumber);
        await repo.addRoomNote(
          trx, incidentNumber, now,
          `war room "${room.name}" opened (asked by ${room.requested_by})${names.length ? ` with ${names.join(', ')}` : ''}`,
          actor, { chat_id: chatId },
        );
        for (const name of unlinked) {
          await repo.addRoomNote(trx, incidentNumber, now, `not added to the war room: ${name} has never opened Hark in Lark (not linked)`);
        }
        return true;
      });
      this.d.notify();
      if (won) this.d.log.info({ incident: incidentNumber, chatId }, 'war room opened');
      await this.syncMembers(incidentNumber);
      return won;
    } catch (err) {
      await this.failedCreate(incidentNumber, room, err, actor);
      return false;
    }
  }

  private async failedCreate(incidentNumber: number, room: repo.WarRoom, err: unknown, actor?: { id: number | null; name: string; via: string }) {
    const e = classifyLarkError(err);
    const why = explainGroupRefusal(e);
    const now = this.now();
    if (e.kind === 'permanent') {
      this.d.log.warn({ incident: incidentNumber, code: e.code, msg: e.message }, 'Lark refused to create the war room');
      if (await repo.markFailed(this.d.db, incidentNumber, why, now)) {
        await repo.addRoomNote(this.d.db, incidentNumber, now, `war room not opened: ${why}`, actor);
      }
      return;
    }
    this.d.log.info({ incident: incidentNumber, code: e.code, msg: e.message }, 'war room not created yet; will retry');
    await repo.releaseOpening(this.d.db, incidentNumber, why, now + this.config.retryLaterMs);
    // Said once: the first time this room hit a passing fault.
    if (!room.last_error) {
      await repo.addRoomNote(this.d.db, incidentNumber, now, `war room not opened yet: ${why}; Hark tries again shortly`, actor);
    }
  }

  /** The people a new room starts with: who acknowledged and who was paged so far (linked ones). */
  private async gatherPeople(incidentNumber: number): Promise<void> {
    const { db } = this.d;
    const now = this.now();
    const acker = await repo.ackerOf(db, incidentNumber);
    if (acker) await repo.addPendingMember(db, incidentNumber, acker.openId, acker.name, now);
    for (const p of await repo.pagedPeople(db, incidentNumber)) await repo.addPendingMember(db, incidentNumber, p.openId, p.name, now);
  }

  /**
   * Delivery sent a message (Delivery.onSent): the room's copy of the card gets pinned, and a person
   * paged privately about an incident with a room joins the room.
   */
  afterSend(row: OutboxEntry, messageId: string): void {
    if (row.subject !== 'incident' || row.incident_number === null) return;
    const n = Number(row.incident_number);
    this.track(
      (async () => {
        if (row.target_type === 'chat_id') {
          const room = await repo.findRoomByChat(this.d.db, row.target_id);
          if (room && Number(room.incident_number) === n && (await repo.setCardMessage(this.d.db, n, messageId))) await this.pinCard(n);
          return;
        }
        const room = await repo.findRoom(this.d.db, n);
        if (!room || room.status === 'failed') return;
        await repo.addPendingMember(this.d.db, n, row.target_id, row.target_name ?? row.target_id, this.now());
        await this.syncMembers(n);
      })().catch((err) => this.d.log.warn({ err, incident: n }, 'war room follow-up failed; the sweep retries')),
    );
  }

  /** Finishes what was left: rooms still to create, cards to pin, people to add. Fired as a durable timer (kind war_room_sweep, src/warroom/index.ts) by one replica each time. */
  async sweep(): Promise<void> {
    const { db } = this.d;
    for (const room of await repo.roomsToFinish(db, this.now())) {
      const n = Number(room.incident_number);
      if (room.status === 'opening') await this.create(n);
      else await this.pinCard(n).catch((err) => this.d.log.info({ err, incident: n }, 'pin failed; retrying later'));
    }
    for (const n of await repo.roomsWithPendingMembers(db)) await this.syncMembers(n);
  }

  private sweeping: Promise<void> | null = null;

  /** Runs the sweep now (soon after a change that asked for a room) unless one is running. */
  kick(): void {
    if (this.sweeping) return;
    this.sweeping = this.sweep()
      .catch((err) => this.d.log.warn({ err }, 'war room sweep failed'))
      .finally(() => {
        this.sweeping = null;
      });
    this.track(this.sweeping);
  }

  /** Waits for Lark calls in flight (the sweep itself is a durable timer, src/warroom/index.ts). */
  async stop(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  private track(p: Promise<unknown>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }
}

function info(room: repo.WarRoom, created: boolean): RoomInfo {
  return { chatId: room.chat_id!, name: room.name, link: room.link ?? '', created };
}
