// War rooms, assembled for main.ts: the service (Lark side), the incident listener (rows in each
// change's transaction), the routes, the source setting and the bot's port.
import type Router from '@koa/router';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Delivery } from '../delivery/index.ts';
import type { Authenticator } from '../http/routes/auth.ts';
import { sourceSettingsRouter, type SourceSetting } from '../http/routes/source-settings.ts';
import { warRoomRouter } from '../http/routes/war-room.ts';
import type { LarkGroupApi } from '../lark/groups.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { DB } from '../store/schema.ts';
import { findSourceByName } from '../store/source-repo.ts';
import * as repo from '../store/war-room-repo.ts';
import { WarRoomListener } from './listener.ts';
import { WarRoomService, type WarRoomConfig } from './service.ts';

export { WarRoomService, type Asker, type RoomInfo, type WarRoomConfig } from './service.ts';
export { WarRoomListener } from './listener.ts';

export interface WarRoomModuleDeps {
  db: Kysely<DB>;
  groups: LarkGroupApi;
  delivery: Pick<Delivery, 'chats' | 'notify' | 'onSent'>;
  clock?: () => number;
  logger?: Logger;
  larkDomain: string;
  publicUrl: string;
  config?: Partial<WarRoomConfig>;
  /** Admin API authenticators; without them no routers are built. */
  authenticators?: readonly Authenticator[];
}

export interface WarRooms {
  readonly service: WarRoomService;
  readonly listener: WarRoomListener;
  /** POST /api/v1/incidents/:number/room and PATCH /api/v1/sources/:name; put them before the generic incident routes. */
  readonly routers: Router[];
  /** `war_room` of PATCH /api/v1/sources/:name, for a settings router shared with other features. */
  readonly sourceSetting: SourceSetting<{ auto_for: 'critical' | null }>;
  start(): void;
  stop(): Promise<void>;
}

export function createWarRooms(deps: WarRoomModuleDeps): WarRooms {
  const clock = deps.clock ?? Date.now;
  const log = (deps.logger ?? silentLogger).child({ component: 'war-room' });
  const service = new WarRoomService({
    db: deps.db,
    groups: deps.groups,
    chats: deps.delivery.chats,
    notify: () => deps.delivery.notify(),
    clock,
    log,
    larkDomain: deps.larkDomain,
    publicUrl: deps.publicUrl,
    config: deps.config,
  });
  deps.delivery.onSent((row, messageId) => service.afterSend(row, messageId));
  const listener = new WarRoomListener({
    clock,
    publicUrl: deps.publicUrl,
    installId: async (db) => (await db.selectFrom('delivery_meta').select('value').where('key', '=', 'install_id').executeTakeFirst())?.value ?? 'x',
    kick: () => service.kick(),
    notify: () => deps.delivery.notify(),
  });
  const sourceSetting: SourceSetting<{ auto_for: 'critical' | null }> = {
    key: 'war_room',
    schema: z.object({ auto_for: z.enum(['critical']).nullable() }).strict(),
    apply: (source, value) => repo.setAutoFor(deps.db, source.id, value.auto_for, clock()),
    view: async (source) => ({ auto_for: await repo.autoForOfSource(deps.db, source.id) }),
  };
  const routers = deps.authenticators
    ? [
        warRoomRouter({ warRooms: service, authenticators: deps.authenticators }),
        sourceSettingsRouter({ settings: [sourceSetting], findSource: (name) => findSourceByName(deps.db, name), authenticators: deps.authenticators }),
      ]
    : [];
  return {
    service,
    listener,
    routers,
    sourceSetting,
    start: () => service.start(),
    stop: () => service.stop(),
  };
}
