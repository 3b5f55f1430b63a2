import Router from '@koa/router';
import { z } from 'zod';
import { HarkError } from '../../errors.ts';
import { parseOrThrow } from '../../incident/validate.ts';
import type { Asker, RoomInfo } from '../../warroom/service.ts';
import { jsonBody } from '../body.ts';
import { requirePrincipal, type Authenticator } from './auth.ts';
import { ACTING_ROLES } from '../../incident/types.ts';

export interface WarRoomRoutesPort {
  open(incidentNumber: number, asker: Asker): Promise<RoomInfo>;
  askerByMemberId(id: number, via: Asker['via']): Promise<Asker>;
  askerByEmail(email: string, via: Asker['via']): Promise<Asker>;
}

const roomBody = z
  .object({ by: z.string().trim().email({ message: 'must be the email of a member' }).optional() })
  .default({});

/** POST /api/v1/incidents/:number/room → {chat_id, name, url, created}: the same chat_id on every call. */
export function warRoomRouter(deps: { warRooms: WarRoomRoutesPort; authenticators: readonly Authenticator[] }): Router {
  const router = new Router();
  const responders = requirePrincipal(deps.authenticators, ACTING_ROLES);

  router.post('/api/v1/incidents/:number/room', responders, jsonBody(16 * 1024), async (ctx) => {
    const raw = String(ctx.params.number ?? '').replace(/^#/, '');
    if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) {
      throw new HarkError('invalid', `number: "${ctx.params.number}" is not an incident number such as 42`);
    }
    const body = parseOrThrow(roomBody, ctx.request.body ?? {});
    const p = ctx.state.principal!;
    let asker: Asker;
    if (p.kind === 'member') {
      if (body.by !== undefined) throw new HarkError('forbidden', 'by: only the admin token may act as another member');
      asker = await deps.warRooms.askerByMemberId(p.memberId, 'web');
    } else {
      asker = body.by ? await deps.warRooms.askerByEmail(body.by, 'api') : { openId: null, name: p.name, memberId: null, via: 'api' };
    }
    const room = await deps.warRooms.open(Number(raw), asker);
    ctx.body = { chat_id: room.chatId, name: room.name, url: room.link, created: room.created };
  });
  return router;
}
