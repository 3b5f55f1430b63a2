// Emulator configuration: defaults mirror the real Lark Open Platform (docs/lark-notes.md §1.2, §6),
// and every long timer or limit can be turned down so tests run fast and deterministically.

/** Minimal pino-compatible logger; the emulator never requires pino itself. */
export interface EmulatorLogger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

export interface RateLimitSettings {
  /** Per app and per API (send, reply, patch are separate APIs), docs/lark-notes.md §6. */
  appPerSecond: number;
  appPerMinute: number;
  /** Per group chat, shared by all bots → 230020. */
  chatPerSecond: number;
  /** Per receiving user (p2p) → 230020. */
  userPerSecond: number;
  /** Per message for PATCH → 230020. */
  messagePatchPerSecond: number;
}

export interface EmulatorOptions extends RateLimitSettings {
  port: number;
  host: string;
  appId: string;
  appSecret: string;
  botName: string;
  tenantKey: string;
  /** Multiplies the event redelivery schedule (15 s, 5 min, 1 h, 6 h). */
  timeScale: number;
  /** How long a pushed event/callback may stay unanswered (docs/lark-notes.md §1.10: 3 s). */
  ackDeadlineMs: number;
  /** ClientConfig seconds sent by the endpoint and in every pong (docs/lark-notes.md §1.2, §0.3). */
  pingInterval: number;
  reconnectCount: number;
  reconnectInterval: number;
  reconnectNonce: number;
  /** Bytes per data frame; larger payloads are split with sum/seq headers (docs/lark-notes.md §1.7). */
  fragmentSize: number;
  /** Long-connection limit per app (docs/lark-notes.md §1.10). */
  maxConnections: number;
  tokenExpireSeconds: number;
  verificationToken: string;
  encryptKey: string;
  /** When set, events and card callbacks are POSTed here (docs/lark-notes.md §4) instead of the WebSocket. */
  callbackUrl: string;
  /** Group messages are delivered only when they @mention the bot (scope im:message.group_at_msg)
   *  unless this is true (the sensitive im:message.group_msg scope), docs/lark-notes.md §3.2. */
  receiveAllGroupMessages: boolean;
  /** Scopes the app holds at start besides im:message.group_msg (that one follows receiveAllGroupMessages). */
  scopes: string[];
  /** The tenant's SMS/phone urgent quota at start (docs/lark-notes.md "Urgent notices"); generous by default. */
  urgentQuota: number;
  logger: EmulatorLogger;
}

export const silentLogger: EmulatorLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export const defaultOptions: EmulatorOptions = {
  port: 9100,
  host: '127.0.0.1',
  appId: 'cli_0123456789abcdef',
  appSecret: 'emulator-secret',
  botName: 'Hark',
  tenantKey: '736588c9260f175d',
  timeScale: 1,
  ackDeadlineMs: 3000,
  pingInterval: 120,
  reconnectCount: -1,
  reconnectInterval: 120,
  reconnectNonce: 30,
  fragmentSize: 64 * 1024,
  maxConnections: 50,
  appPerSecond: 50,
  appPerMinute: 1000,
  chatPerSecond: 5,
  userPerSecond: 5,
  messagePatchPerSecond: 5,
  tokenExpireSeconds: 7200,
  verificationToken: 'emulator-verification-token',
  encryptKey: '',
  callbackUrl: '',
  receiveAllGroupMessages: false,
  // What a Lark app set up as the README says has been granted.
  scopes: [
    'im:chat',
    'im:message',
    'im:message:send_as_bot',
    'im:message.p2p_msg:readonly',
    'im:message.group_at_msg:readonly',
    'im:message.urgent',
    'im:message.urgent:sms',
    'im:message.urgent:phone',
    'im:message.pins:write_only',
    'im:datasync.feed_card.time_sensitive:write',
    'contact:user.base:readonly',
  ],
  urgentQuota: 10_000,
  logger: silentLogger,
};

export function resolveOptions(opts: Partial<EmulatorOptions> = {}): EmulatorOptions {
  const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  const o = { ...defaultOptions, ...defined } as EmulatorOptions;
  if (!/^cli_[0-9a-fA-F]{16}$/.test(o.appId)) {
    // WSClient.start() silently does nothing for other ids (docs/lark-notes.md §0.5): fail loudly instead.
    throw new Error(`emulator appId must match cli_ + 16 hex digits (got ${o.appId})`);
  }
  if (!(o.fragmentSize > 0)) throw new Error('fragmentSize must be > 0');
  if (!(o.timeScale > 0)) throw new Error('timeScale must be > 0');
  return o;
}

function num(env: Record<string, string | undefined>, key: string): number | undefined {
  const raw = env[key];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`${key} must be a number (got "${raw}")`);
  return n;
}

/** Reads EMULATOR_PORT, EMULATOR_HOST, EMULATOR_APP_ID, EMULATOR_APP_SECRET, EMULATOR_TIME_SCALE,
 *  EMULATOR_CALLBACK_URL, EMULATOR_ENCRYPT_KEY, EMULATOR_VERIFICATION_TOKEN. */
export function emulatorOptionsFromEnv(env: Record<string, string | undefined> = process.env): Partial<EmulatorOptions> {
  const out: Partial<EmulatorOptions> = {
    port: num(env, 'EMULATOR_PORT'),
    host: env.EMULATOR_HOST || undefined,
    appId: env.EMULATOR_APP_ID || undefined,
    appSecret: env.EMULATOR_APP_SECRET || undefined,
    timeScale: num(env, 'EMULATOR_TIME_SCALE'),
    callbackUrl: env.EMULATOR_CALLBACK_URL || undefined,
    encryptKey: env.EMULATOR_ENCRYPT_KEY || undefined,
    verificationToken: env.EMULATOR_VERIFICATION_TOKEN || undefined,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as Partial<EmulatorOptions>;
}

/** The scopes the app holds at start (and after a reset). */
export function initialScopes(o: EmulatorOptions): string[] {
  return [...o.scopes, ...(o.receiveAllGroupMessages ? ['im:message.group_msg'] : [])];
}

export function pickRateLimits(o: RateLimitSettings): RateLimitSettings {
  return {
    appPerSecond: o.appPerSecond,
    appPerMinute: o.appPerMinute,
    chatPerSecond: o.chatPerSecond,
    userPerSecond: o.userPerSecond,
    messagePatchPerSecond: o.messagePatchPerSecond,
  };
}
