import type Router from '@koa/router';
import type { ChatDirectory } from '../../delivery/chats.ts';
import type { Web } from '../../web/index.ts';
import type { Authenticator } from './auth.ts';
import { createAuthRouter } from './oauth.ts';
import { createAdminRouter } from './web-admin.ts';
import { createPageRouter, type PageDeps } from './web-pages.ts';

/** The OAuth login, the web app under /h5, and the member link/unlink API over the web services. */
export function webRouters(
  web: Web,
  chats: Pick<ChatDirectory, 'list'>,
  authenticators: readonly Authenticator[],
  /** Finishes a Take over pressed before linking (schedules). */
  takeOver: PageDeps['takeOver'],
  paging: PageDeps['paging'],
  declare: PageDeps['declare'],
): Router[] {
  const { auth, links, templates, clock, logger, sessionSecret } = web;
  return [
    createAuthRouter({ oauth: web.oauth, auth, links, templates, clock, logger, sessionSecret }),
    createPageRouter({
      incidents: web.incidents, pending: web.pending, links, auth, templates, clock, timeZone: web.timeZone, sessionSecret, takeOver, paging, warRooms: web.warRooms, declare,
    }),
    createAdminRouter({ chats, links, auth, templates, authenticators }),
  ];
}
