import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { openStore } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { runHark } from './run-cli.ts';

const REDIS = process.env.HARK_TEST_REDIS_URL;
if (!REDIS) console.warn('[hark tests] HARK_TEST_REDIS_URL is not set: hark doctor runs without its Redis check');

let emulator: Emulator;
let dir: string;
let env: Record<string, string>;

/** `hark doctor`'s lines by check name: [status, detail]. */
function lines(stdout: string): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>();
  for (const line of stdout.trim().split('\n')) {
    const m = /^(ok|warn|FAIL|skip)\s+([^:]+): (.*)$/.exec(line);
    if (m) out.set(m[2], [m[1], m[3]]);
  }
  return out;
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-doctor-'));
  const db = path.join(dir, 'hark.db');
  const store = openStore(`sqlite:${db}`);
  await migrateToLatest(store.db);
  await store.close();
  // The secret comes from a file, the way a container mounts it.
  fs.writeFileSync(path.join(dir, 'lark_app_secret'), `${emulator.appSecret}\n`);
  env = {
    LARK_APP_ID: emulator.appId,
    LARK_APP_SECRET_FILE: path.join(dir, 'lark_app_secret'),
    LARK_DOMAIN: emulator.url,
    HARK_SESSION_SECRET: 'x'.repeat(32),
    HARK_PUBLIC_URL: 'https://hark.example.com',
    DATABASE_URL: `sqlite:${db}`,
    ...(REDIS ? { REDIS_URL: REDIS } : {}),
  };
});
afterAll(async () => {
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await fetch(`${emulator.url}/__emulator/reset`, { method: 'POST' });
});

describe('hark doctor against the emulator', { timeout: 120_000 }, () => {
  it('passes every check of a good setup, one line each', async () => {
    const r = await runHark(['doctor'], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const l = lines(r.stdout);
    expect([...l.keys()]).toEqual(['configuration', 'database', 'redis', 'lark credentials', 'lark bot', 'lark permissions', 'event mode', 'read receipts']);
    for (const name of ['configuration', 'database', 'lark credentials', 'lark bot', 'lark permissions', 'event mode', 'read receipts']) {
      expect(l.get(name)?.[0], `${name}: ${l.get(name)?.[1]}`).toBe('ok');
    }
    expect(l.get('redis')?.[0]).toBe(REDIS ? 'ok' : 'skip');
    expect(l.get('database')?.[1]).toContain('reachable and migrated');
    expect(l.get('lark bot')?.[1]).toContain('bot "Hark"');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('all checks passed');
  });

  it('names each missing permission with the console page that grants it', async () => {
    await fetch(`${emulator.url}/__emulator/tenant`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ revoke: ['im:chat', 'im:message.group_at_msg:readonly'] }),
    });
    const r = await runHark(['doctor'], env);
    expect(r.code).toBe(1);
    const [status, detail] = lines(r.stdout).get('lark permissions')!;
    expect(status).toBe('FAIL');
    expect(detail).toContain('im:chat (to learn the groups the bot is in)');
    expect(detail).toContain('im:message.group_at_msg:readonly (to receive @Hark commands in groups)');
    expect(detail).not.toContain('im:message.p2p_msg');
    expect(detail).toContain(`${emulator.url}/app/${emulator.appId}/auth?q=im:chat,im:message.group_at_msg:readonly`);
    expect(lines(r.stdout).get('lark credentials')?.[0]).toBe('ok');
  });

  it('warns when the feed card permission is missing and when no page was ever reported read (issue 25)', async () => {
    await fetch(`${emulator.url}/__emulator/tenant`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ revoke: ['im:datasync.feed_card.time_sensitive:write'] }),
    });
    const store = openStore(env.DATABASE_URL!);
    const old = Date.now() - 2 * 3600_000;
    await store.db
      .insertInto('pages')
      .values([1, 2, 3, 4, 5].map((i) => ({ incident_number: i, open_id: `ou_${i}`, member_name: `P${i}`, member_email: null, level: 1, paged_at: old, seen_at: null, unseen_buzz_at: null })))
      .execute();
    try {
      const r = await runHark(['doctor'], env);
      expect(r.code, r.stdout).toBe(0);
      const l = lines(r.stdout);
      expect(l.get('lark permissions')).toEqual(['warn', expect.stringContaining("keep the bot's chat at the top of a paged person's Lark list")]);
      expect(l.get('read receipts')).toEqual(['warn', expect.stringContaining('none of the 5 pages sent an hour ago or more was ever reported read')]);
      expect(l.get('read receipts')?.[1]).toContain('subscribe im.message.message_read_v1');
    } finally {
      await store.db.deleteFrom('pages').execute();
      await store.close();
    }
  });

  it('warns, without failing, that buzzing by phone is off when its permission is not granted', async () => {
    await fetch(`${emulator.url}/__emulator/tenant`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ revoke: ['im:message.urgent:phone'] }),
    });
    const r = await runHark(['doctor'], env);
    expect(r.code, r.stdout).toBe(0);
    const [status, detail] = lines(r.stdout).get('lark permissions')!;
    expect(status).toBe('warn');
    expect(detail).toContain('have Lark phone people (urgent: phone)');
    expect(detail).not.toContain('urgent: sms');
    expect(detail).toContain(`${emulator.url}/app/${emulator.appId}/auth?q=im:message.urgent:phone`);
  });

  it('reports refused credentials, an unreachable database and an inconsistent HTTP mode, each on its line', async () => {
    fs.writeFileSync(path.join(dir, 'wrong_secret'), 'not-the-secret');
    const r = await runHark(['doctor'], {
      ...env,
      LARK_APP_SECRET_FILE: path.join(dir, 'wrong_secret'),
      DATABASE_URL: 'postgres://hark:pw@127.0.0.1:1/hark',
      HARK_EVENT_MODE: 'http',
      LARK_VERIFICATION_TOKEN: 'v',
      HARK_PUBLIC_URL: 'http://hark.example.com',
    });
    expect(r.code).toBe(1);
    const l = lines(r.stdout);
    expect(l.get('configuration')?.[0]).toBe('ok');
    expect(l.get('lark credentials')).toEqual(['FAIL', expect.stringContaining('code 10015')]);
    expect(l.get('lark bot')?.[0]).toBe('skip');
    expect(l.get('database')).toEqual(['FAIL', expect.stringContaining('postgres://hark:***@127.0.0.1:1/hark')]);
    expect(l.get('database')?.[1]).toContain('ECONNREFUSED');
    const [mode, why] = l.get('event mode')!;
    expect(mode).toBe('FAIL');
    expect(why).toContain('LARK_ENCRYPT_KEY is not set');
    expect(why).toContain('is not https');
    expect(r.stdout).not.toContain('not-the-secret');
  });

  it('reports pending migrations and a broken configuration, still running the other checks', async () => {
    const fresh = path.join(dir, 'old.db');
    // A database created by an older Hark: its file exists but nothing was migrated.
    const store = openStore(`sqlite:${fresh}`);
    await store.close();
    const r = await runHark(['doctor'], { ...env, DATABASE_URL: `sqlite:${fresh}`, HARK_SESSION_SECRET: 'short' });
    expect(r.code).toBe(1);
    const l = lines(r.stdout);
    expect(l.get('configuration')).toEqual(['FAIL', expect.stringContaining('HARK_SESSION_SECRET must be set')]);
    expect(l.get('database')).toEqual(['FAIL', expect.stringMatching(/migration\(s\) are pending .*run hark migrate/)]);
    expect(l.get('lark permissions')?.[0]).toBe('ok');
  });

  it('never prints a password of REDIS_URL or DATABASE_URL, however the URL is written (issue 29)', async () => {
    // `redis://:PASS@host` (no user name) used to come out as is; a query password too.
    const redis = new URL(REDIS ?? 'redis://127.0.0.1:1');
    redis.password = 'redis-pw-s3cret';
    const r = await runHark(['doctor'], {
      ...env,
      REDIS_URL: redis.toString(),
      DATABASE_URL: 'postgres://:db-pw-s3cret@127.0.0.1:1/hark?password=query-pw-s3cret&sslmode=disable',
    });
    expect(r.code).toBe(1);
    const l = lines(r.stdout);
    expect(l.get('redis')?.[1]).toContain(`redis://:***@${redis.host}`);
    expect(l.get('database')).toEqual(['FAIL', expect.stringContaining('postgres://:***@127.0.0.1:1/hark?password=***&sslmode=disable')]);
    expect(r.stdout + r.stderr).not.toMatch(/s3cret/);
  });
});
