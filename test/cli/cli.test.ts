import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHark } from './run-cli.ts';

const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A port held by another listener for the length of `fn`. */
async function withBusyPort<T>(fn: (port: number) => Promise<T>): Promise<T> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  try {
    return await fn((server.address() as net.AddressInfo).port);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('hark command line', { timeout: 120_000 }, () => {
  it('prints its version', async () => {
    const r = await runHark(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^hark ${pkg.version.replace(/\./g, '\\.')} \\(node \\d+`));
  });

  it('answers --help for every command and does nothing else', { timeout: 300_000 }, async () => {
    const db = path.join(dir, 'help.db');
    // migrate --help must not touch the database; start --help needs no credentials; demo and
    // emulator --help return at once instead of listening.
    for (const command of ['start', 'demo', 'emulator', 'urls', 'migrate', 'doctor', 'cards']) {
      const r = await runHark([command, '--help'], { DATABASE_URL: `sqlite:${db}` }, 30_000);
      expect(r.code, `${command} --help: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`Usage: hark ${command}`);
      expect(r.stderr).toBe('');
    }
    expect(fs.existsSync(db)).toBe(false);
    const overview = await runHark(['--help']);
    expect(overview.code).toBe(0);
    for (const command of ['start', 'demo', 'emulator', 'urls', 'migrate', 'doctor']) expect(overview.stdout).toContain(`  ${command} `);
  });

  it('refuses an unknown command or option in one line, exit 2', async () => {
    const r = await runHark(['start', '--prot', '3000']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining("Unknown option '--prot'")]);
    const u = await runHark(['strat']);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('unknown command "strat"');
  });

  it('lists every bad variable at once, one line each, with no stack trace', async () => {
    const r = await runHark(['start'], { HARK_PORT: 'abc', LOG_LEVEL: 'loud', REDIS_URL: 'localhost:6379', LARK_APP_SECRET_FILE: path.join(dir, 'missing') });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^hark: LARK_APP_SECRET_FILE names a file that cannot be read \(ENOENT/),
        expect.stringMatching(/^hark: HARK_PORT must be a port number/),
        expect.stringMatching(/^hark: LOG_LEVEL must be one of/),
        expect.stringMatching(/^hark: REDIS_URL must be a redis:\/\//),
        expect.stringMatching(/^hark: LARK_APP_ID is not set/),
        expect.stringMatching(/^hark: HARK_SESSION_SECRET must be set/),
      ]),
    );
    expect(lines).toHaveLength(6);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('names a busy port and the flag that changes it', { timeout: 120_000 }, async () => {
    await withBusyPort(async (port) => {
      const emu = await runHark(['emulator', '--port', String(port)]);
      expect(emu.code).toBe(1);
      expect(emu.stderr.trim()).toBe(`hark: port ${port} is already in use; choose another with --port N (or EMULATOR_PORT)`);

      const start = await runHark(['start', '--port', String(port)], {
        LARK_APP_ID: 'cli_0123456789abcdef',
        LARK_APP_SECRET: 'secret',
        HARK_SESSION_SECRET: 'x'.repeat(32),
        DATABASE_URL: `sqlite:${path.join(dir, 'busy.db')}`,
        LARK_DOMAIN: 'http://127.0.0.1:1',
        LOG_LEVEL: 'silent',
      });
      expect(start.code).toBe(1);
      expect(start.stderr.trim()).toBe(`hark: port ${port} is already in use; choose another with --port N (or HARK_PORT)`);

      const demo = await runHark(['demo', '--port', String(port), '--emulator-port', '0'], { HARK_DEMO_DB: path.join(dir, 'demo.db') });
      expect(demo.code).toBe(1);
      expect(demo.stderr.trim()).toBe(`hark: port ${port} is already in use; choose another with --port N (or HARK_PORT)`);
    });
    const bad = await runHark(['emulator', '--port', 'ninety']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('hark: --port must be a port number between 0 and 65535 (got "ninety")');
  });

  it('hark urls warns when HARK_PUBLIC_URL is the localhost default', async () => {
    const local = await runHark(['urls']);
    expect(local.code).toBe(0);
    expect(local.stderr).toContain('HARK_PUBLIC_URL is http://localhost:3000 (the default)');
    expect(local.stdout).toContain('http://localhost:3000/auth/lark/callback');
    const real = await runHark(['urls'], { HARK_PUBLIC_URL: 'https://hark.example.com' });
    expect(real.stderr).toBe('');
    expect(real.stdout).toContain('Security → redirect URL:                         https://hark.example.com/auth/lark/callback');
  });

  it('refuses a HARK_CARDS_DIR that lacks templates before starting anything', async () => {
    const cards = path.join(dir, 'cards-partial');
    fs.mkdirSync(cards);
    fs.copyFileSync(new URL('../../cards/incident.json', import.meta.url), path.join(cards, 'incident.json'));
    const r = await runHark(['start'], {
      LARK_APP_ID: 'cli_0123456789abcdef',
      LARK_APP_SECRET: 'secret',
      HARK_SESSION_SECRET: 'x'.repeat(32),
      DATABASE_URL: `sqlite:${path.join(dir, 'cards.db')}`,
      HARK_CARDS_DIR: cards,
      HARK_PORT: '0',
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^hark: card template cards-partial: \$: missing .*help\.json.*copy the whole cards\/ folder/);
    expect(fs.existsSync(path.join(dir, 'cards.db'))).toBe(false);
  });
});
