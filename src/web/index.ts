import crypto from 'node:crypto';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Clock } from '../incident/ports.ts';
import type { MemberRole } from '../incident/types.ts';
import type { Store } from '../store/db.ts';
import { LarkOAuth } from '../auth/lark-oauth.ts';
import { MemberLinks } from '../auth/linking.ts';
import { PendingActions } from '../auth/pending-actions.ts';
import { SessionStore } from '../auth/sessions.ts';
import { WebAuth } from '../auth/web-auth.ts';
import type { WebIncidents, WebWarRooms } from './actions.ts';
import { Templates } from './render.ts';

export interface WebDeps {
  config: Config;
  logger: Logger;
  store: Pick<Store, 'db'>;
  incidents: WebIncidents;
  clock: Clock;
  /** Role of a person who links without a roster entry (default viewer). */
  defaultRole?: MemberRole;
  /** Zone the web app prints times in (default: the server's, i.e. TZ). */
  timeZone?: string;
  /** Injected for tests of network failures. */
  fetch?: typeof fetch;
  /** War rooms (src/warroom): the incident page offers to open one. */
  warRooms: WebWarRooms;
}

/**
 * The web app's services: sessions, member links, pending actions, the Lark OAuth client and the
 * page templates. Its routers (OAuth login, /h5 pages, member link API) are built in
 * src/http/routes/web.ts from these.
 */
export interface Web {
  /** For the API's auth middleware: a session cookie plus X-CSRF-Token counts as that member. */
  auth: WebAuth;
  links: MemberLinks;
  pending: PendingActions;
  sessions: SessionStore;
  incidents: WebIncidents;
  templates: Templates;
  oauth: LarkOAuth | null;
  clock: Clock;
  logger: Logger;
  sessionSecret: string;
  timeZone: string;
  warRooms: WebWarRooms;
}

export function createWeb(deps: WebDeps): Web {
  const { config } = deps;
  const { clock } = deps;
  const db = deps.store.db;
  const sessions = new SessionStore(db, clock);
  const links = new MemberLinks(db, clock, { admins: config.admins, defaultRole: deps.defaultRole ?? 'viewer' });
  // Shared with the chat-operations handler, which calls remember() for unlinked clickers.
  const pending = new PendingActions(db, clock);
  const secure = config.publicUrl.startsWith('https://');
  const logger = deps.logger.child({ component: 'web' });
  // `hark start` refuses to run without HARK_SESSION_SECRET; elsewhere (a dev run without one) a
  // per-process secret keeps the web app working, at the price of logins not surviving a restart.
  let sessionSecret = config.sessionSecret;
  if (!sessionSecret) {
    sessionSecret = crypto.randomBytes(32).toString('hex');
    logger.warn('HARK_SESSION_SECRET is not set: using a random one, so web logins end when Hark restarts and do not work across replicas');
  }
  const auth = new WebAuth({ sessions, links, sessionSecret, secure });
  const oauth =
    config.lark.appId && config.lark.appSecret
      ? new LarkOAuth({
          domain: config.lark.domain,
          appId: config.lark.appId,
          appSecret: config.lark.appSecret,
          redirectUri: `${config.publicUrl}/auth/lark/callback`,
          fetch: deps.fetch,
        })
      : null;
  const timeZone = deps.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  return {
    auth, links, pending, sessions, incidents: deps.incidents, templates: new Templates(), oauth, clock, logger, sessionSecret, timeZone,
    warRooms: deps.warRooms,
  };
}

export { PendingActions } from '../auth/pending-actions.ts';
export { webSessionAuthenticator } from '../auth/web-auth.ts';
export type { PendingAction, PendingActionInput } from '../auth/pending-actions.ts';
