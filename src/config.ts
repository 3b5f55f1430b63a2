import { z } from 'zod';

/**
 * Configuration is a pure function of an environment object (README "Configuration"), so tests build
 * configs without touching process.env and nothing reads the environment on import.
 */
export interface Config {
  readonly lark: {
    readonly appId: string;
    readonly appSecret: string;
    readonly verificationToken: string;
    readonly encryptKey: string;
    /** Base URL of the Open Platform: https://open.feishu.cn, https://open.larksuite.com or the emulator. */
    readonly domain: string;
  };
  readonly eventMode: 'ws' | 'http';
  readonly publicUrl: string;
  readonly port: number;
  readonly databaseUrl: string;
  readonly redisUrl: string | null;
  readonly redisPrefix: string;
  readonly sessionSecret: string;
  readonly admins: readonly string[];
  readonly adminToken: string | null;
  readonly logLevel: string;
  /** How long a request body may take to arrive (HARK_BODY_TIMEOUT_MS); past it 408. */
  readonly bodyTimeoutMs: number;
  /** How long Hark waits for Alertmanager when silencing from a card (a click is answered within 3 s). */
  readonly alertmanagerTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

const DOMAINS: Record<string, string> = {
  feishu: 'https://open.feishu.cn',
  lark: 'https://open.larksuite.com',
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

// Each rule carries the sentence a person needs to fix it; the first failing one is reported.
const schema = z.object({
  LARK_APP_ID: z.string().trim().default(''),
  LARK_APP_SECRET: z.string().trim().default(''),
  LARK_VERIFICATION_TOKEN: z.string().trim().default(''),
  LARK_ENCRYPT_KEY: z.string().trim().default(''),
  LARK_DOMAIN: z
    .string()
    .trim()
    .default('feishu')
    .refine((v) => v in DOMAINS || /^https?:\/\/[^\s/]+/.test(v), {
      message: 'must be "feishu", "lark" or a base URL such as http://127.0.0.1:9100',
    }),
  HARK_EVENT_MODE: z.enum(['ws', 'http'], { message: 'must be "ws" (long connection) or "http"' }).default('ws'),
  HARK_PUBLIC_URL: z
    .string()
    .trim()
    .default('http://localhost:3000')
    .refine((v) => /^https?:\/\/[^\s]+$/.test(v), { message: 'must be an http(s) URL such as https://hark.example.com' }),
  HARK_PORT: z
    .string()
    .trim()
    .default('3000')
    .refine((v) => /^\d+$/.test(v) && Number(v) <= 65535, { message: 'must be a port number between 0 and 65535' }),
  DATABASE_URL: z
    .string()
    .trim()
    .default('sqlite:./data/hark.db')
    .refine((v) => /^(sqlite:|postgres(ql)?:\/\/)/.test(v), {
      message: 'must start with sqlite: (e.g. sqlite:./data/hark.db) or postgres://',
    }),
  REDIS_URL: z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || /^rediss?:\/\//.test(v), { message: 'must be a redis:// or rediss:// URL' }),
  HARK_REDIS_PREFIX: z.string().default('hark:'),
  HARK_SESSION_SECRET: z.string().default(''),
  HARK_ADMINS: z.string().default(''),
  HARK_ADMIN_TOKEN: z.string().trim().optional(),
  HARK_BODY_TIMEOUT_MS: z
    .string()
    .trim()
    .default('5000')
    .refine((v) => /^\d+$/.test(v) && Number(v) >= 100 && Number(v) <= 120_000, {
      message: 'must be a number of milliseconds between 100 and 120000 (e.g. 5000)',
    }),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  HARK_ALERTMANAGER_TIMEOUT_MS: z
    .string()
    .trim()
    .default('2000')
    .refine((v) => /^\d+$/.test(v) && Number(v) >= 100 && Number(v) <= 2000, {
      message: 'must be a number of milliseconds from 100 to 2000 (a card click must be answered within 3 s)',
    }),
});

export interface LoadConfigOptions {
  /** `start` needs real credentials and a session secret; `demo` and tests fill their own. */
  requireCredentials?: boolean;
}

export function loadConfig(env: Record<string, string | undefined>, opts: LoadConfigOptions = {}): Config {
  // Treat empty strings as unset so `FOO=` in a .env file means "default".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(variable, `${variable} ${issue.message} (got ${JSON.stringify(cleaned[variable])})`);
  }
  const e = parsed.data;
  if (opts.requireCredentials) {
    if (!e.LARK_APP_ID || !e.LARK_APP_SECRET) {
      const missing = !e.LARK_APP_ID ? 'LARK_APP_ID' : 'LARK_APP_SECRET';
      throw new ConfigError(
        missing,
        `${missing} is not set: set LARK_APP_ID and LARK_APP_SECRET from your Lark app's "Credentials & Basic Info" page, or run \`npm run demo\` to try Hark against the built-in Lark emulator`,
      );
    }
    if (!e.HARK_SESSION_SECRET || e.HARK_SESSION_SECRET.length < 16) {
      throw new ConfigError(
        'HARK_SESSION_SECRET',
        'HARK_SESSION_SECRET must be set to a random string of at least 16 characters (e.g. `openssl rand -hex 32`); it signs web sessions',
      );
    }
    if (e.HARK_EVENT_MODE === 'http' && !e.LARK_VERIFICATION_TOKEN) {
      throw new ConfigError(
        'LARK_VERIFICATION_TOKEN',
        'LARK_VERIFICATION_TOKEN is required when HARK_EVENT_MODE=http: copy it from Events & Callbacks → Encryption Strategy',
      );
    }
  }
  const admins = e.HARK_ADMINS.split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const badAdmin = admins.find((a) => !/^[^@\s]+@[^@\s]+$/.test(a));
  if (badAdmin) {
    throw new ConfigError('HARK_ADMINS', `HARK_ADMINS must be comma-separated email addresses; "${badAdmin}" is not one`);
  }
  return Object.freeze({
    lark: Object.freeze({
      appId: e.LARK_APP_ID,
      appSecret: e.LARK_APP_SECRET,
      verificationToken: e.LARK_VERIFICATION_TOKEN,
      encryptKey: e.LARK_ENCRYPT_KEY,
      domain: (DOMAINS[e.LARK_DOMAIN] ?? e.LARK_DOMAIN).replace(/\/+$/, ''),
    }),
    eventMode: e.HARK_EVENT_MODE,
    publicUrl: e.HARK_PUBLIC_URL.replace(/\/+$/, ''),
    port: Number(e.HARK_PORT),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL || null,
    redisPrefix: e.HARK_REDIS_PREFIX,
    sessionSecret: e.HARK_SESSION_SECRET,
    admins: Object.freeze(admins),
    adminToken: e.HARK_ADMIN_TOKEN || null,
    logLevel: e.LOG_LEVEL,
    bodyTimeoutMs: Number(e.HARK_BODY_TIMEOUT_MS),
    alertmanagerTimeoutMs: Number(e.HARK_ALERTMANAGER_TIMEOUT_MS),
  });
}

/** The three URLs a Lark app needs (README "Connect a real Lark app", steps 3–5). */
export function larkAppUrls(publicUrl: string): { callback: string; webApp: string; redirect: string } {
  const base = publicUrl.replace(/\/+$/, '');
  return { callback: `${base}/lark/callback`, webApp: `${base}/h5`, redirect: `${base}/auth/lark/callback` };
}
