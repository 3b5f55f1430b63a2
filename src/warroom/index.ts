// War rooms, assembled for the composition root: the service (Lark side; also the port of the bot,
// the web app and the routes in src/http/routes/war-room.ts), the incident listener (rows in each
// change's transaction) and the `war_room` source setting.
import type { Kysely } from 'kysely';
import { warRoomSettingSchema } from './setting-schema.ts';
import { z } from 'zod';
import type { DeliveryOutbox, SentHook } from '../delivery/index.ts';
import type { SourceSetting } from '../incident/source-setting.ts';
import type { LarkGroupApi } from '../lark/groups.ts';
import { parseOrThrow } from '../incident/validate.ts';
import type { Logger } from '../log.ts';
import type { DB } from '../store/schema.ts';
import * as repo from '../store/war-room-repo.ts';
import { schedule } from '../store/timer-repo.ts';
import type { TimerPort } from '../timers/registry.ts';
import { WarRoomListener } from './listener.ts';
import { WarRoomService, type WarRoomConfig } from './service.ts';

export { WarRoomService, type Asker, type RoomInfo, type WarRoomConfig } from './service.ts';
export { WarRoomListener } from './listener.ts';

export interface WarRoomModuleDeps {
  db: Kysely<DB>;
  groups: LarkGroupApi;
  delivery: Pick<DeliveryOutbox, 'chats' | 'notify' | 'send'>;
  clock: () => number;
  logger: Logger;
  larkDomain: string;
  publicUrl: string;
  config?: Partial<WarRoomConfig>;
  /** The timer engine: the sweep is a durable timer (kind `war_room_sweep`), fired by one replica each time. */
  timers: TimerPort;
}

/** The sweep's timer kind: one waiting row (incident 0), rescheduled each time it fires. */
export const SWEEP_KIND = 'war_room_sweep';

export interface WarRooms {
  readonly service: WarRoomService;
  readonly listener: WarRoomListener;
  /** For delivery's worker (DeliveryOutbox.withWorker): the room's card copy is pinned once sent, paged people added. */
  readonly afterSend: SentHook;
  /** `war_room` of PATCH /api/v1/sources/:name, for a settings router shared with other features. */
  readonly sourceSetting: SourceSetting<{ auto_for: 'critical' | null }>;
  /** Schedules the sweep (at once: whatever was left while Hark was down is finished now). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createWarRooms(deps: WarRoomModuleDeps): WarRooms {
  const clock = deps.clock;
  const log = deps.logger.child({ component: 'war-room' });
  const service = new WarRoomService({
    db: deps.db,
    groups: deps.groups,
    chats: deps.delivery.chats,
    notify: () => deps.delivery.notify(),
    send: deps.delivery,
    clock,
    log,
    larkDomain: deps.larkDomain,
    publicUrl: deps.publicUrl,
    config: deps.config,
  });
  const sweepAt = async (db: Kysely<DB>, dueAt: number, now: number) => {
    await schedule(db, { kind: SWEEP_KIND, incidentNumber: 0, dueAt }, now);
    deps.timers.scheduled(dueAt);
  };
  // The next sweep is scheduled in the firing's transaction; the sweep's Lark calls run after it.
  deps.timers.register(SWEEP_KIND, async (trx, _timer, now) => {
    await sweepAt(trx, now + service.config.sweepMs, now);
    service.kick();
  });
  const listener = new WarRoomListener({
    clock,
    publicUrl: deps.publicUrl,
    installId: (db) => repo.installId(db),
    kick: () => service.kick(),
    send: deps.delivery,
  });
  const sourceSetting: SourceSetting<{ auto_for: 'critical' | null }> = {
    keys: ['war_room'],
    parse: (part) => parseOrThrow(z.object({ war_room: warRoomSettingSchema }), part).war_room,
    apply: (source, value) => repo.setAutoFor(deps.db, source.id, value.auto_for, clock()),
    view: async (source) => ({ war_room: { auto_for: await repo.autoForOfSource(deps.db, source.id) } }),
  };
  return {
    afterSend: (row, messageId) => service.afterSend(row, messageId),
    service,
    listener,
    sourceSetting,
    start: async () => {
      const now = clock();
      await sweepAt(deps.db, now, now);
    },
    stop: () => service.stop(),
  };
}
