import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, larkAppUrls, loadConfig } from '../../src/config.ts';

const creds = { LARK_APP_ID: 'cli_0123456789abcdef', LARK_APP_SECRET: 's', HARK_SESSION_SECRET: 'x'.repeat(32) };

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.lark.domain).toBe('https://open.feishu.cn');
    expect(c.eventMode).toBe('ws');
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBe('sqlite:./data/hark.db');
    expect(c.redisUrl).toBeNull();
    expect(c.redisPrefix).toBe('hark:');
    expect(c.logLevel).toBe('info');
    expect(c.bodyTimeoutMs).toBe(5000);
    expect(loadConfig({ HARK_BODY_TIMEOUT_MS: '2500' }).bodyTimeoutMs).toBe(2500);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('maps lark and custom domains', () => {
    expect(loadConfig({ LARK_DOMAIN: 'lark' }).lark.domain).toBe('https://open.larksuite.com');
    expect(loadConfig({ LARK_DOMAIN: 'http://127.0.0.1:9100/' }).lark.domain).toBe('http://127.0.0.1:9100');
  });

  it('names LARK_APP_ID and suggests the demo when start has no credentials', () => {
    const e = errorOf(() => loadConfig({}, { requireCredentials: true }));
    expect(e.variable).toBe('LARK_APP_ID');
    expect(e.message).toContain('LARK_APP_SECRET');
    expect(e.message).toContain('npm run demo');
  });

  it('requires a session secret for start', () => {
    const e = errorOf(() => loadConfig({ ...creds, HARK_SESSION_SECRET: 'short' }, { requireCredentials: true }));
    expect(e.variable).toBe('HARK_SESSION_SECRET');
  });

  it.each([
    ['HARK_PORT', 'abc', 'port number'],
    ['HARK_EVENT_MODE', 'pull', '"ws"'],
    ['DATABASE_URL', 'mysql://x', 'sqlite:'],
    ['REDIS_URL', 'localhost:6379', 'redis://'],
    ['LARK_DOMAIN', 'example', 'base URL'],
    ['HARK_PUBLIC_URL', 'hark.example.com', 'http(s) URL'],
    ['LOG_LEVEL', 'loud', 'one of'],
    ['HARK_ADMINS', 'alice@example.com,bob', 'email'],
    ['HARK_BODY_TIMEOUT_MS', '5s', 'milliseconds'],
  ])('rejects a malformed %s with one line naming it', (variable, value, hint) => {
    const e = errorOf(() => loadConfig({ [variable]: value }));
    expect(e.variable).toBe(variable);
    expect(e.message).toContain(variable);
    expect(e.message).toContain(hint);
    expect(e.message).not.toContain('\n');
  });

  it('prints the three Lark console URLs for a public URL', () => {
    expect(larkAppUrls('https://hark.example.com/')).toEqual({
      callback: 'https://hark.example.com/lark/callback',
      webApp: 'https://hark.example.com/h5',
      redirect: 'https://hark.example.com/auth/lark/callback',
    });
  });
});

describe('loadConfig: every problem at once, secrets from files', () => {
  it('reports every bad variable, one line each, first one as `variable`', () => {
    const e = errorOf(() => loadConfig({ HARK_PORT: 'x', LOG_LEVEL: 'loud', HARK_ADMINS: 'bob' }, { requireCredentials: true }));
    expect(e.problems.map((p) => p.variable)).toEqual(['HARK_PORT', 'LOG_LEVEL', 'LARK_APP_ID', 'LARK_APP_SECRET', 'HARK_SESSION_SECRET', 'HARK_ADMINS']);
    expect(e.message.split('\n')).toHaveLength(6);
    expect(e.variable).toBe('HARK_PORT');
  });

  it('reads X_FILE into X without the trailing newline, and refuses both or an unreadable file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-config-'));
    try {
      fs.writeFileSync(path.join(dir, 'secret'), 's3cret-from-file\n');
      fs.writeFileSync(path.join(dir, 'db'), 'postgres://hark:pw@db/hark');
      const c = loadConfig({ ...creds, LARK_APP_SECRET: undefined, LARK_APP_SECRET_FILE: path.join(dir, 'secret'), DATABASE_URL_FILE: path.join(dir, 'db') }, { requireCredentials: true });
      expect(c.lark.appSecret).toBe('s3cret-from-file');
      expect(c.databaseUrl).toBe('postgres://hark:pw@db/hark');
      const both = errorOf(() => loadConfig({ ...creds, LARK_APP_SECRET_FILE: path.join(dir, 'secret') }, { requireCredentials: true }));
      expect(both.problems).toEqual([{ variable: 'LARK_APP_SECRET_FILE', message: 'LARK_APP_SECRET_FILE and LARK_APP_SECRET are both set: keep one of them' }]);
      const missing = errorOf(() => loadConfig({ HARK_SESSION_SECRET_FILE: path.join(dir, 'nope') }));
      expect(missing.variable).toBe('HARK_SESSION_SECRET_FILE');
      expect(missing.message).toContain('ENOENT');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never echoes a secret back in an error', () => {
    const e = errorOf(() => loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/x' }));
    expect(e.message).toContain('DATABASE_URL must start with sqlite:');
    expect(e.message).not.toContain('hunter2');
  });

  it('reads HARK_CARDS_DIR and HARK_METRICS_PORT', () => {
    expect(loadConfig({ HARK_CARDS_DIR: os.tmpdir(), HARK_METRICS_PORT: '9464' })).toMatchObject({ cardsDir: os.tmpdir(), metricsPort: 9464 });
    expect(errorOf(() => loadConfig({ HARK_CARDS_DIR: '/no/such/dir' })).message).toContain('HARK_CARDS_DIR must be a directory');
  });
});
