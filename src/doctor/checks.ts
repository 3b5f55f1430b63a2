// The checks of `hark doctor`, each one line: what it found, or what is wrong and how to fix it.
// They only read: no migration, no message, no file is written (a missing SQLite file is reported,
// not created).
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { botInfo, grantedScopes, tenantToken, type LarkTarget } from '../lark/probe.ts';
import { appPage, FEATURE_SCOPES, REQUIRED_SCOPES, scopesPage, type RequiredScope } from '../lark/scopes.ts';
import { probeRedis } from '../state/probe.ts';
import { openStore, probeStore } from '../store/db.ts';
import { pendingMigrations } from '../store/migrate.ts';
import { readReceiptEvidence } from '../store/page-repo.ts';
import { redactUrl, redactUrlsIn } from '../redact.ts';

export type Status = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  readonly name: string;
  readonly status: Status;
  readonly detail: string;
}

const result = (name: string, status: Status, detail: string): CheckResult => ({ name, status, detail });

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Hides the password of a connection URL (parsed: `redis://:PASS@host` has no user name). */
export const redact = redactUrl;

export async function checkDatabase(config: Config): Promise<CheckResult> {
  const name = 'database';
  const url = config.databaseUrl;
  if (url.startsWith('sqlite:')) {
    const file = path.resolve(url.slice('sqlite:'.length) || './data/hark.db');
    if (!fs.existsSync(file)) {
      let dir = path.dirname(file);
      while (!fs.existsSync(dir)) dir = path.dirname(dir);
      try {
        fs.accessSync(dir, fs.constants.W_OK);
      } catch {
        return result(name, 'fail', `SQLite file ${file} does not exist and ${dir} is not writable: fix the permissions or DATABASE_URL`);
      }
      return result(name, 'ok', `SQLite file ${file} does not exist yet; hark start (or hark migrate) creates and migrates it`);
    }
  }
  const store = openStore(url, { poolSize: 1 });
  try {
    await withTimeout(probeStore(store), 5000, 'the database');
    const pending = await withTimeout(pendingMigrations(store.db), 10_000, 'the database');
    if (pending.length) {
      return result(name, 'fail', `${redact(url)} is reachable but ${pending.length} migration(s) are pending (${pending.join(', ')}): run hark migrate (hark start also applies them)`);
    }
    return result(name, 'ok', `${redact(url)} is reachable and migrated`);
  } catch (err) {
    return result(name, 'fail', `${redact(url)}: ${redactUrlsIn((err as Error).message)}; check DATABASE_URL and that the database is running`);
  } finally {
    await store.close().catch(() => undefined);
  }
}

export async function checkRedis(config: Config): Promise<CheckResult> {
  if (!config.redisUrl) return result('redis', 'skip', 'REDIS_URL is not set: shared state is in-process, fine for one replica and wrong for two');
  const r = await probeRedis(config.redisUrl);
  if (!r.ok) return result('redis', 'fail', `${redact(config.redisUrl)}: ${redactUrlsIn(r.error)}; check REDIS_URL and that Redis is running`);
  return result('redis', 'ok', `${redact(config.redisUrl)} answers PING (Redis ${r.version}), keys under ${config.redisPrefix}`);
}

/** Credentials, bot and permissions: the later checks need the tenant token of the first. */
export async function checkLark(config: Config): Promise<CheckResult[]> {
  const t: LarkTarget = config.lark;
  const later = ['lark bot', 'lark permissions'];
  if (!t.appId || !t.appSecret) {
    return [
      result('lark credentials', 'fail', 'LARK_APP_ID and LARK_APP_SECRET are not set: copy them from Credentials & Basic Info in the developer console'),
      ...later.map((n) => result(n, 'skip', 'needs working credentials')),
    ];
  }
  const token = await tenantToken(t);
  if (!token.ok) {
    const fix = token.code === undefined ? 'check LARK_DOMAIN and the network' : `copy App ID and App Secret again from Credentials & Basic Info: ${appPage(t.domain, t.appId)}`;
    return [
      result('lark credentials', 'fail', `no tenant token for ${t.appId} from ${t.domain}: ${token.error}; ${fix}`),
      ...later.map((n) => result(n, 'skip', 'needs working credentials')),
    ];
  }
  const out = [result('lark credentials', 'ok', `${t.appId} got a tenant token from ${t.domain}`)];

  const bot = await botInfo(t, token.value);
  if (!bot.ok) {
    out.push(result('lark bot', 'fail', `bot info: ${bot.error}; enable the Bot feature (Features → Bot) and publish a version: ${appPage(t.domain, t.appId)}`));
  } else if (bot.value.activateStatus !== 2) {
    out.push(result('lark bot', 'fail', `bot "${bot.value.name}" is not enabled in the tenant (activate_status ${bot.value.activateStatus}): publish the app and have an admin enable it`));
  } else {
    out.push(result('lark bot', 'ok', `bot "${bot.value.name}" (${bot.value.openId}) is enabled`));
  }

  const scopes = await grantedScopes(t, token.value);
  if (!scopes.ok) {
    out.push(result('lark permissions', 'fail', `cannot list the app's scopes: ${scopes.error}`));
  } else {
    const missing = REQUIRED_SCOPES.filter((s) => !scopes.value.get(s.scope));
    const off = FEATURE_SCOPES.filter((s) => !scopes.value.get(s.scope));
    const each = (list: readonly RequiredScope[]) => list.map((s) => `${s.scope} (to ${s.why})`).join(', ');
    const page = (list: readonly RequiredScope[]) => scopesPage(t.domain, t.appId, list.map((s) => s.scope));
    if (missing.length) {
      const also = off.length ? `; features also off until granted: ${each(off)}` : '';
      out.push(result('lark permissions', 'fail', `missing ${each(missing)}: add and publish them at ${page([...missing, ...off])}${also}`));
    } else if (off.length) {
      out.push(result('lark permissions', 'warn', `Hark's own are granted; not granted, so Lark will refuse to ${off.map((s) => s.why).join('; to ')}: add ${off.map((s) => s.scope).join(', ')} at ${page(off)} if you want that`));
    } else {
      out.push(result('lark permissions', 'ok', `granted: ${[...REQUIRED_SCOPES, ...FEATURE_SCOPES].map((s) => s.scope).join(', ')}`));
    }
  }
  return out;
}

/** Pages older than this with no read receipt at all suggest the event is not subscribed. */
const RECEIPT_GRACE_MS = 60 * 60_000;
/** How many such pages it takes before doctor says so (a person may simply not have looked yet). */
const RECEIPT_EVIDENCE = 5;

/**
 * Issue 25: Lark has no API that lists an app's event subscriptions, so doctor reads the evidence
 * Hark keeps: pages sent an hour ago or more and not one ever reported read means Lark is not
 * sending im.message.message_read_v1 (not subscribed in Events & Callbacks).
 */
export async function checkReadReceipts(config: Config, databaseOk: boolean): Promise<CheckResult> {
  const name = 'read receipts';
  const how = `subscribe im.message.message_read_v1 ("Message read") in Events & Callbacks${config.lark.appId ? ` (${appPage(config.lark.domain, config.lark.appId)})` : ''}`;
  if (!databaseOk) return result(name, 'skip', 'fix the database first');
  const store = openStore(config.databaseUrl, { poolSize: 1 });
  try {
    const e = await withTimeout(readReceiptEvidence(store.db, Date.now() - RECEIPT_GRACE_MS), 5000, 'the database');
    if (e.paged >= RECEIPT_EVIDENCE && e.seen === 0) {
      return result(name, 'warn', `none of the ${e.paged} pages sent an hour ago or more was ever reported read, so Lark is not sending read receipts: ${how}; until then cards say "not seen" and unseen_after buzzes everyone`);
    }
    return result(name, 'ok', e.seen > 0 ? `${e.seen} page(s) reported read so far` : `no evidence yet; make sure to ${how}`);
  } catch (err) {
    return result(name, 'skip', `could not read the pages: ${redactUrlsIn((err as Error).message)}`);
  } finally {
    await store.close().catch(() => undefined);
  }
}

function isLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '0.0.0.0' || host === '[::1]' || host.startsWith('127.');
}

export function checkEventMode(config: Config): CheckResult {
  const name = 'event mode';
  if (config.eventMode === 'ws') {
    const local = isLocal(config.publicUrl);
    return result(
      name,
      local ? 'warn' : 'ok',
      'ws: events and card clicks arrive over the long connection (Events & Callbacks → "receive through persistent connection")' +
        (local ? `; HARK_PUBLIC_URL is ${config.publicUrl}, which employees' devices cannot open for the web app and login` : ''),
    );
  }
  const problems: string[] = [];
  if (!config.lark.verificationToken) problems.push('LARK_VERIFICATION_TOKEN is not set');
  if (!config.lark.encryptKey) problems.push('LARK_ENCRYPT_KEY is not set, so callbacks would arrive unencrypted: set an Encrypt Key in Events & Callbacks → Encryption Strategy and the same in LARK_ENCRYPT_KEY');
  if (!config.publicUrl.startsWith('https://')) problems.push(`HARK_PUBLIC_URL ${config.publicUrl} is not https: Lark sends callbacks only to a public https request URL`);
  else if (isLocal(config.publicUrl)) problems.push(`HARK_PUBLIC_URL ${config.publicUrl} is not reachable from Lark`);
  if (problems.length) return result(name, 'fail', `http: ${problems.join('; ')}`);
  return result(name, 'ok', `http: callbacks at ${config.publicUrl}/lark/callback, encrypted and verified`);
}
