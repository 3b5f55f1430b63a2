import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from './config.ts';
import { startEmulator } from './emulator/index.ts';
import { createLogger } from './log.ts';
import { startHark } from './main.ts';

export interface Demo {
  emulatorUrl: string;
  harkUrl: string;
  adminToken: string;
  stop(): Promise<void>;
}

async function call(base: string, method: string, route: string, body: unknown, token?: string): Promise<any> {
  const res = await fetch(base + route, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`demo seeding: ${method} ${route} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * `hark demo`: the Lark emulator and Hark side by side on SQLite, seeded through the same public
 * routes a person would use (emulator control routes and Hark's admin API), so the demo also shows
 * how to script a real setup.
 */
export async function runDemo(env: NodeJS.ProcessEnv, _argv: string[] = [], opts: { quiet?: boolean } = {}): Promise<Demo> {
  const emulatorPort = Number(env.EMULATOR_PORT ?? 9100);
  const harkPort = Number(env.HARK_PORT ?? 3000);
  const dbFile = path.resolve(env.HARK_DEMO_DB ?? './data/demo.db');
  // The emulator forgets everything when it stops, so the demo database starts fresh too.
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) fs.rmSync(f, { force: true });

  const emulator = await startEmulator({ port: emulatorPort });
  const adminToken = env.HARK_ADMIN_TOKEN || crypto.randomBytes(18).toString('base64url');
  const config = loadConfig({
    ...env,
    LARK_APP_ID: emulator.appId,
    LARK_APP_SECRET: emulator.appSecret,
    LARK_DOMAIN: emulator.url,
    HARK_PORT: String(harkPort),
    HARK_PUBLIC_URL: env.HARK_PUBLIC_URL || `http://localhost:${harkPort}`,
    DATABASE_URL: `sqlite:${dbFile}`,
    HARK_SESSION_SECRET: env.HARK_SESSION_SECRET || crypto.randomBytes(32).toString('hex'),
    HARK_ADMIN_TOKEN: adminToken,
    HARK_ADMINS: env.HARK_ADMINS || 'alice@example.com',
    LOG_LEVEL: env.LOG_LEVEL || 'warn',
  });
  const hark = await startHark(config, { logger: createLogger(config.logLevel) });
  const stop = async () => {
    await hark.stop();
    await emulator.close();
  };
  try {
    await seed(emulator.url, hark.url, adminToken);
  } catch (err) {
    await stop();
    throw err;
  }
  if (!opts.quiet) {
    process.stdout.write(
      [
        '',
        'Hark demo is running.',
        '',
        `  Chat view (the emulated Lark):  ${emulator.url}/`,
        `  Hark web app:                   ${config.publicUrl}/h5`,
        `  Hark health:                    ${hark.url}/readyz`,
        `  Admin API token:                ${adminToken}`,
        '',
        'Try this:',
        `  1. Open the chat view and pick "Alice": the "SRE on-call" group has an incident card.`,
        '  2. Click Acknowledge on the card: the card turns to acknowledged, everywhere.',
        `  3. Fire another alert:  curl -X POST ${hark.url}/api/v1/alerts -H 'authorization: Bearer <demo source token below>' \\`,
        `       -H 'content-type: application/json' -d '{"title":"Disk almost full","severity":"warning","alert_key":"disk-1"}'`,
        '',
        `  Demo source token: ${demoSourceToken ?? '(see above)'}`,
        '',
        'Ctrl-C stops both.',
        '',
      ].join('\n'),
    );
  }
  return { emulatorUrl: emulator.url, harkUrl: hark.url, adminToken, stop };
}

let demoSourceToken: string | null = null;

async function seed(emulatorUrl: string, harkUrl: string, adminToken: string): Promise<void> {
  const alice = await call(emulatorUrl, 'POST', '/__emulator/users', { name: 'Alice', email: 'alice@example.com' });
  const bob = await call(emulatorUrl, 'POST', '/__emulator/users', { name: 'Bob', email: 'bob@example.com' });
  await call(harkUrl, 'POST', '/api/v1/members', { name: 'Alice', email: 'alice@example.com', role: 'admin', lark_open_id: alice.open_id }, adminToken);
  await call(harkUrl, 'POST', '/api/v1/members', { name: 'Bob', email: 'bob@example.com', role: 'responder' }, adminToken);
  const source = await call(harkUrl, 'POST', '/api/v1/sources', { name: 'demo', kind: 'generic' }, adminToken);
  demoSourceToken = source.token;
  const chat = await call(emulatorUrl, 'POST', '/__emulator/chats', { name: 'SRE on-call', members: [alice.open_id, bob.open_id], add_bot: true });
  await waitForChat(harkUrl, adminToken, chat.chat_id);
  await call(harkUrl, 'PUT', `/api/v1/chats/${chat.chat_id}/subscriptions/demo`, { min_severity: 'info' }, adminToken);
  await call(harkUrl, 'POST', '/api/v1/alerts', {
    title: 'Checkout latency above 2 s',
    severity: 'critical',
    status: 'firing',
    alert_key: 'checkout-latency',
    description: 'p99 latency of the checkout service has been above 2 s for 5 minutes.',
    labels: { service: 'checkout', env: 'prod' },
  }, source.token);
}

/** The bot-added event reaches Hark over the long connection; wait until Hark knows the group. */
async function waitForChat(harkUrl: string, adminToken: string, chatId: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const chats = await call(harkUrl, 'GET', '/api/v1/chats', undefined, adminToken).catch(() => null);
    if (chats?.items?.some((c: any) => c.chat_id === chatId)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`demo seeding: Hark did not learn about group ${chatId} within 10 s (is the long connection up?)`);
}
