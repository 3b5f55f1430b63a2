import fs from 'node:fs';
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
  /** HARK_CARDS_DIR: card templates an operator edited, instead of the shipped cards/. */
  readonly cardsDir: string | null;
  /** HARK_METRICS_PORT: serve /metrics on this port only (not on HARK_PORT); null = on HARK_PORT. */
  readonly metricsPort: number | null;
  /** How long a request body may take to arrive (HARK_BODY_TIMEOUT_MS); past it 408. */
  readonly bodyTimeoutMs: number;
  /** How long Hark waits for Alertmanager when silencing from a card (a click is answered within 3 s). */
  readonly alertmanagerTimeoutMs: number;
  /** HARK_URGENT_QUOTA: the tenant's SMS/phone urgent notices per month; null: not told (pages by hand buzz in-app). */
  readonly urgentQuota: number | null;
  /** HARK_URGENT_RESERVE: of those, what only escalation policies may spend; null: a fifth of the quota. */
  readonly urgentReserve: number | null;
  /** HARK_RETENTION_DAYS: resolved incidents older than this many days are deleted (src/retention/); 0 keeps everything. */
  readonly retentionDays: number;
}

export interface ConfigProblem {
  readonly variable: string;
  /** One line naming the variable and the fix. */
  readonly message: string;
}

/** Every bad variable at once, one line each; `variable` is the first of them. */
export class ConfigError extends Error {
  readonly variable: string;
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map((p) => p.message).join('\n'));
    this.name = 'ConfigError';
    this.variable = problems[0]?.variable ?? 'environment';
  }
}

/**
 * Secrets may come from files (the `_FILE` convention of container images, e.g. Docker or
 * Kubernetes secrets mounted as files): `LARK_APP_SECRET_FILE=/run/secrets/lark` sets
 * LARK_APP_SECRET to that file's content, without its trailing newline.
 */
export const FILE_VARIABLES = [
  'LARK_APP_SECRET',
  'LARK_VERIFICATION_TOKEN',
  'LARK_ENCRYPT_KEY',
  'HARK_SESSION_SECRET',
  'HARK_ADMIN_TOKEN',
  'DATABASE_URL',
  'REDIS_URL',
] as const;

const DOMAINS: Record<string, string> = {
  feishu: 'https://open.feishu.cn',
  lark: 'https://open.larksuite.com',
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const portRule = (v: string) => /^\d+$/.test(v) && Number(v) <= 65535;

// Each rule carries the sentence a person needs to fix it; every failing one is reported.
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
    .refine(portRule, { message: 'must be a port number between 0 and 65535' }),
  HARK_METRICS_PORT: z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || portRule(v), { message: 'must be a port number between 0 and 65535 (or unset: /metrics on HARK_PORT)' }),
  HARK_CARDS_DIR: z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || isDirectory(v), { message: 'must be a directory holding card templates (copy cards/ and edit the copy)' }),
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
  HARK_URGENT_QUOTA: z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || (/^\d{1,9}$/.test(v) && Number(v) >= 1), {
      message: "must be a whole number of SMS/phone urgent notices per month, at least 1 (the tenant's quota in Lark's admin console)",
    }),
  HARK_URGENT_RESERVE: z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || /^\d{1,9}$/.test(v), { message: 'must be a whole number of SMS/phone urgent notices (0 or more)' }),
  HARK_RETENTION_DAYS: z
    .string()
    .trim()
    .default('400')
    .refine((v) => /^\d{1,6}$/.test(v), { message: 'must be a whole number of days (e.g. 400), or 0 to keep every incident' }),
});

/** Every environment variable Hark reads (deploy/compose.yaml and the README are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export interface LoadConfigOptions {
  /** `start` needs real credentials and a session secret; `demo` and tests fill their own. */
  requireCredentials?: boolean;
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** Replaces each `X_FILE` by X = the file's content; a problem for an unreadable file or both set. */
function readFileVariables(env: Record<string, string>, problems: ConfigProblem[]): Record<string, string> {
  const out = { ...env };
  for (const variable of FILE_VARIABLES) {
    const fileVar = `${variable}_FILE`;
    const file = env[fileVar];
    if (!file) continue;
    delete out[fileVar];
    if (env[variable]) {
      problems.push({ variable: fileVar, message: `${fileVar} and ${variable} are both set: keep one of them` });
      continue;
    }
    try {
      out[variable] = fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      problems.push({
        variable: fileVar,
        message: `${fileVar} names a file that cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}: ${file}): mount the secret there or set ${variable} instead`,
      });
    }
  }
  return out;
}

function requiredProblems(e: Record<string, string | undefined>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const variable of ['LARK_APP_ID', 'LARK_APP_SECRET'] as const) {
    if (!e[variable]) {
      problems.push({
        variable,
        message: `${variable} is not set: set LARK_APP_ID and LARK_APP_SECRET from your Lark app's "Credentials & Basic Info" page, or run \`npm run demo\` to try Hark against the built-in Lark emulator`,
      });
    }
  }
  if (!e.HARK_SESSION_SECRET || e.HARK_SESSION_SECRET.trim().length < 16) {
    problems.push({
      variable: 'HARK_SESSION_SECRET',
      message: 'HARK_SESSION_SECRET must be set to a random string of at least 16 characters (e.g. `openssl rand -hex 32`); it signs web sessions',
    });
  }
  if (e.HARK_EVENT_MODE?.trim() === 'http' && !e.LARK_VERIFICATION_TOKEN) {
    problems.push({
      variable: 'LARK_VERIFICATION_TOKEN',
      message: 'LARK_VERIFICATION_TOKEN is required when HARK_EVENT_MODE=http: copy it from Events & Callbacks → Encryption Strategy',
    });
  }
  return problems;
}

export function loadConfig(env: Record<string, string | undefined>, opts: LoadConfigOptions = {}): Config {
  const problems: ConfigProblem[] = [];
  // Treat empty strings as unset so `FOO=` in a .env file means "default".
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>;
  const cleaned = readFileVariables(set, problems);
  const parsed = schema.safeParse(cleaned);
  const seen = new Set(problems.map((p) => p.variable));
  for (const issue of parsed.error?.issues ?? []) {
    const variable = String(issue.path[0] ?? 'environment');
    if (seen.has(variable)) continue;
    seen.add(variable);
    // Secrets are never echoed back.
    const got = (FILE_VARIABLES as readonly string[]).includes(variable) ? '' : ` (got ${JSON.stringify(cleaned[variable])})`;
    problems.push({ variable, message: `${variable} ${issue.message}${got}` });
  }
  if (opts.requireCredentials) {
    problems.push(...requiredProblems(cleaned).filter((p) => !seen.has(p.variable) && !seen.has(`${p.variable}_FILE`)));
  }
  const admins = (cleaned.HARK_ADMINS ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const badAdmin = admins.find((a) => !/^[^@\s]+@[^@\s]+$/.test(a));
  if (badAdmin) {
    problems.push({ variable: 'HARK_ADMINS', message: `HARK_ADMINS must be comma-separated email addresses; "${badAdmin}" is not one` });
  }
  if (problems.length || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
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
    cardsDir: e.HARK_CARDS_DIR || null,
    metricsPort: e.HARK_METRICS_PORT ? Number(e.HARK_METRICS_PORT) : null,
    bodyTimeoutMs: Number(e.HARK_BODY_TIMEOUT_MS),
    alertmanagerTimeoutMs: Number(e.HARK_ALERTMANAGER_TIMEOUT_MS),
    urgentQuota: e.HARK_URGENT_QUOTA ? Number(e.HARK_URGENT_QUOTA) : null,
    urgentReserve: e.HARK_URGENT_RESERVE ? Number(e.HARK_URGENT_RESERVE) : null,
    retentionDays: Number(e.HARK_RETENTION_DAYS),
  });
}

/** The three URLs a Lark app needs (README "Connect a real Lark app", steps 3–5). */
export function larkAppUrls(publicUrl: string): { callback: string; webApp: string; redirect: string } {
  const base = publicUrl.replace(/\/+$/, '');
  return { callback: `${base}/lark/callback`, webApp: `${base}/h5`, redirect: `${base}/auth/lark/callback` };
}
