import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from './config.ts';
import { setSampleAlertHook } from './emulator/chat-view.ts';
import { startEmulator } from './emulator/index.ts';
import { createLogger } from './log.ts';
import { startHark } from './main.ts';

export interface Demo {
  emulatorUrl: string;
  harkUrl: string;
  adminToken: string;
  /** The chat view, logged in as Alice. */
  chatViewUrl: string;
  /** Token of the "demo" source, for POST /api/v1/alerts. */
  sourceToken: string;
  /** Open ids of the seeded people and the group's chat id. */
  seeded: Seeded;
  /** What the chat view's "Fire a sample alert" button does; answers a line for its toast. */
  fireSampleAlert(): Promise<string>;
  stop(): Promise<void>;
}

interface Seeded {
  alice: string;
  bob: string;
  chatId: string;
}

/** Alerts the chat view's button fires in turn, each opening a new incident. */
const SAMPLE_ALERTS = [
  { title: 'Disk 85% full on db-2', severity: 'warning', labels: { service: 'postgres', instance: 'db-2', env: 'prod' },
    description: '/var/lib/postgresql is 85% full and growing 2% an hour.' },
  { title: 'Payment API error rate above 5%', severity: 'critical', labels: { service: 'payments-api', env: 'prod' },
    description: '5xx responses are 7.4% of requests over the last 5 minutes.' },
  { title: 'Certificate for api.example.com expires in 14 days', severity: 'info', labels: { service: 'edge', env: 'prod' },
    description: null },
  { title: 'Orders queue backlog above 10k', severity: 'warning', labels: { service: 'orders-worker', env: 'prod' },
    description: 'Consumers are behind by 12,400 messages.' },
];

async function call(base: string, method: string, route: string, body: unknown, token?: string, type = 'application/json'): Promise<any> {
  const res = await fetch(base + route, {
    method,
    headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
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
export async function runDemo(
  env: NodeJS.ProcessEnv,
  _argv: string[] = [],
  opts: { quiet?: boolean; /** Listen here instead of HARK_PORT (tests pass 0). */ harkPort?: number } = {},
): Promise<Demo> {
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
  const hark = await startHark(config, { logger: createLogger(config.logLevel), port: opts.harkPort });
  const stop = async () => {
    await hark.stop();
    await emulator.close();
  };
  let seeded: Seeded & { sourceToken: string };
  try {
    seeded = await seed(emulator.url, hark.url, adminToken);
  } catch (err) {
    await stop();
    throw err;
  }
  let fired = 0;
  const fireSampleAlert = async () => {
    const a = SAMPLE_ALERTS[fired % SAMPLE_ALERTS.length];
    fired += 1;
    await call(hark.url, 'POST', '/api/v1/alerts', {
      title: a.title, severity: a.severity, status: 'firing', alert_key: `sample-${fired}`,
      labels: a.labels, ...(a.description ? { description: a.description } : {}),
    }, seeded.sourceToken);
    return `Fired "${a.title}" (${a.severity}) from source demo: its card arrives in SRE on-call in a moment.`;
  };
  setSampleAlertHook(emulator, fireSampleAlert);
  const chatViewUrl = `${emulator.url}/__emulator/login?open_id=${seeded.alice}&next=/`;
  if (!opts.quiet) process.stdout.write(walkThrough({ chatViewUrl, webUrl: `${config.publicUrl}/h5`, harkUrl: hark.url, adminToken, sourceToken: seeded.sourceToken }));
  return {
    emulatorUrl: emulator.url, harkUrl: hark.url, adminToken, chatViewUrl, sourceToken: seeded.sourceToken,
    seeded: { alice: seeded.alice, bob: seeded.bob, chatId: seeded.chatId }, fireSampleAlert, stop,
  };
}

function walkThrough(u: { chatViewUrl: string; webUrl: string; harkUrl: string; adminToken: string; sourceToken: string }): string {
  return [
    '',
    'Hark demo is running: a Lark emulator with Alice, Bob and Carol and the groups "SRE on-call" and',
    '"Payments on-call", configured by examples/hark.yaml (two teams, their sources, routing, a',
    'three-level escalation ladder and on-call schedules). The source "demo" has just fired incident #1',
    'and paged whoever is on call for team platform.',
    '',
    `  Chat view (the emulated Lark, as Alice):  ${u.chatViewUrl}`,
    `  Hark web app:                             ${u.webUrl}`,
    `  Hark readiness:                           ${u.harkUrl}/readyz`,
    '',
    'Try this:',
    '  1. Open the chat view. You are Alice (admin, linked); "SRE on-call" shows the card of',
    '     incident #1, "Checkout latency above 2 s".',
    '  2. Click Acknowledge: a toast confirms, and the card turns light blue: "Acknowledged by Alice".',
    '     Then pick Bob (top right) and press a button: he is not linked yet, so Hark sends him a',
    '     link card privately. "Open Hark to link", log in (the emulator approves as Bob), and the',
    '     web app offers to finish what he pressed.',
    '  3. Click "Fire a sample alert" (top bar): a new card arrives live. Or type "list" with @Hark',
    '     in the group, or fire one yourself:',
    `       curl -X POST ${u.harkUrl}/api/v1/alerts -H 'authorization: Bearer ${u.sourceToken}' \\`,
    `         -H 'content-type: application/json' -d '{"title":"Disk almost full","severity":"warning","alert_key":"disk-1"}'`,
    '',
    '  4. Type "@Hark oncall" in "SRE on-call": who is on call for platform-primary, with Take over.',
    '     Change examples/hark.yaml and see what would change:',
    `       curl -X POST ${u.harkUrl}/api/v1/config/plan -H 'authorization: Bearer ${u.adminToken}' --data-binary @examples/hark.yaml`,
    '',
    `  Admin API token: ${u.adminToken}   (e.g. curl -H 'authorization: Bearer …' ${u.harkUrl}/api/v1/incidents)`,
    '  Card gallery: npx hark cards preview, then open docs/cards/index.html',
    '',
    'Ctrl-C stops both.',
    '',
  ].join('\n');
}

/** The configuration the demo applies: the example shipped in the repository (README "Teams and configuration as code"). */
export const DEMO_CONFIG = new URL('../examples/hark.yaml', import.meta.url);

async function seed(emulatorUrl: string, harkUrl: string, adminToken: string): Promise<Seeded & { sourceToken: string }> {
  // The people and groups of examples/hark.yaml, in the emulated Lark.
  const alice = await call(emulatorUrl, 'POST', '/__emulator/users', { name: 'Alice', email: 'alice@example.com' });
  const bob = await call(emulatorUrl, 'POST', '/__emulator/users', { name: 'Bob', email: 'bob@example.com' });
  const carol = await call(emulatorUrl, 'POST', '/__emulator/users', { name: 'Carol', email: 'carol@example.com' });
  // Alice is linked from the start (an admin may link someone directly); the file then manages her entry.
  await call(harkUrl, 'POST', '/api/v1/members', { name: 'Alice', email: 'alice@example.com', role: 'admin', lark_open_id: alice.open_id }, adminToken);
  const chat = await call(emulatorUrl, 'POST', '/__emulator/chats', { name: 'SRE on-call', members: [alice.open_id, bob.open_id], add_bot: true });
  const payments = await call(emulatorUrl, 'POST', '/__emulator/chats', { name: 'Payments on-call', members: [alice.open_id, bob.open_id, carol.open_id], add_bot: true });
  await waitForChat(harkUrl, adminToken, chat.chat_id);
  await waitForChat(harkUrl, adminToken, payments.chat_id);
  // Teams, people, sources with their routing and escalation, schedules: one file, applied as CI would.
  const applied = await call(harkUrl, 'POST', '/api/v1/config/apply', fs.readFileSync(DEMO_CONFIG, 'utf8'), adminToken, 'application/yaml');
  const token = (applied.tokens as { source: string; token: string }[]).find((t) => t.source === 'demo')!.token;
  await call(harkUrl, 'POST', '/api/v1/alerts', {
    title: 'Checkout latency above 2 s',
    severity: 'critical',
    status: 'firing',
    alert_key: 'checkout-latency',
    description: 'p99 latency of the checkout service has been above 2 s for 5 minutes.',
    labels: { service: 'checkout', env: 'prod' },
  }, token);
  return { alice: alice.open_id, bob: bob.open_id, chatId: chat.chat_id, sourceToken: token };
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
