// The war-room service's public shapes and settings.
import type { Kysely } from 'kysely';
import type { Sending } from '../delivery/outbound.ts';
import type { Via } from '../incident/types.ts';
import type { LarkGroupApi } from '../lark/groups.ts';
import type { Logger } from '../log.ts';
import type { ChatDirectory } from '../delivery/chats.ts';
import type { DB } from '../store/schema.ts';

export interface Asker {
  /** Lark open_id of the person asking (null: the admin token or Hark itself). */
  openId: string | null;
  name: string;
  memberId: number | null;
  via: Via;
}

export interface RoomInfo {
  chatId: string;
  name: string;
  link: string;
  /** This request made the group (false: it existed, or another request made it). */
  created: boolean;
}

export interface WarRoomConfig {
  /** How often every replica looks for rooms to finish (Lark refused for a while, a replica died). */
  sweepMs: number;
  /** How long one replica owns a room's creation before another may take over. */
  leaseMs: number;
  /** How long a request waits for a room another request is creating. */
  waitMs: number;
  /** Tries of one Lark call within a request, and the first back-off. */
  retries: number;
  retryMinMs: number;
  /** After a request gave up on a passing fault, the sweep tries again this much later. */
  retryLaterMs: number;
}

export const DEFAULT_WAR_ROOM_CONFIG: WarRoomConfig = {
  sweepMs: 5_000,
  leaseMs: 30_000,
  waitMs: 20_000,
  retries: 3,
  retryMinMs: 200,
  retryLaterMs: 10_000,
};

export interface WarRoomDeps {
  db: Kysely<DB>;
  groups: LarkGroupApi;
  chats: ChatDirectory;
  /** Wakes the delivery worker (the updated copies elsewhere). */
  notify: () => void;
  /** Delivery's port: the room's own copy of the card. */
  send: Sending;
  clock: () => number;
  log: Logger;
  /** LARK_DOMAIN as configured: decides the applink's form. */
  larkDomain: string;
  publicUrl: string;
  config?: Partial<WarRoomConfig>;
}
