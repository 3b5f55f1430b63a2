import crypto from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { waitFor } from '../helpers/wait.ts';
import { clusterConfig, startCluster, withSearchPath, type Cluster, type Replica } from './cluster.ts';

// Issue 29 item 4: chat commands and clicks while Redis is stalled or a replica dies. Real
// `hark start` processes; Redis is frozen through a proxy in front of it (only this cluster's
// connections: other tests share the Redis server), and the emulator redelivers on Lark's schedule
// (15 s, 5 min, 1 h, 6 h after a failed push, scaled by 0.001: the last retry comes about 25 s later).

const cfg = clusterConfig();

interface Team {
  token: string;
  chat: string;
  alice: string;
}

async function team(c: Cluster, r: Replica): Promise<Team> {
  const u = await c.emu('POST', '/__emulator/users', { name: 'Alice', email: 'alice@example.com' });
  const m = await c.api(r, 'POST', '/api/v1/members', { name: 'Alice', email: 'alice@example.com', role: 'responder', lark_open_id: u.open_id });
  if (m.status !== 201) throw new Error(`member: ${JSON.stringify(m.body)}`);
  const chat = (await c.emu('POST', '/__emulator/chats', { name: 'payments', members: [u.open_id], add_bot: true })).chat_id as string;
  const src = await c.api(r, 'POST', '/api/v1/sources', { name: 'pay', kind: 'generic' });
  await waitFor(async () => (await c.api(r, 'GET', '/api/v1/chats')).body?.items?.some((x: any) => x.chat_id === chat && x.status === 'active'), {
    message: 'group learned from the bot-added event',
  });
  const sub = await c.api(r, 'PUT', `/api/v1/chats/${chat}/subscriptions/pay`, {});
  if (sub.status !== 200) throw new Error(`subscribe: ${JSON.stringify(sub.body)}`);
  return { token: src.body.token, chat, alice: u.open_id };
}

type Message = { message_id: string; parent_id: string | null; content: any };
const chatMessages = async (c: Cluster, chat: string) => (await c.emu('GET', `/__emulator/messages?chat_id=${chat}`)).items as Message[];
const ready = (c: Cluster, r: Replica) =>
  waitFor(async () => (await c.api(r, 'GET', '/readyz')).status === 200, { timeout: 30_000, message: `${r.name} ready` });
const say = async (c: Cluster, t: Team, text: string) =>
  (await c.emu('POST', '/__emulator/messages', { chat_id: t.chat, sender_open_id: t.alice, text, mention_bot: true })).message_id as string;
const notes = async (c: Cluster, text: string) =>
  (await c.sql<{ n: number }>(`select count(*)::int as n from timeline where message like $1`, [`%${text}%`]))[0].n;

async function incidentCard(c: Cluster, t: Team, title: string): Promise<Message> {
  return waitFor(async () => (await chatMessages(c, t.chat)).find((m) => JSON.stringify(m.content).includes(title)), { message: `card of ${title}` });
}

describe.skipIf(!cfg)('chat commands and clicks survive a stalled Redis and a dead replica (issue 29)', () => {
  let c: Cluster | null = null;
  let proxy: TcpProxy | null = null;
  let thaw: NodeJS.Timeout | undefined;
  afterEach(async () => {
    clearTimeout(thaw);
    await c?.close();
    await proxy?.down();
    c = null;
    proxy = null;
  });

  it('Redis frozen for 20 s: every command runs and is answered once, clicks answer in time, /readyz says why', async () => {
    proxy = TcpProxy.forUrl(cfg!.redisUrl, 6379);
    await proxy.up();
    c = await startCluster({ ...cfg!, replicaRedisUrl: proxy.rewrite(cfg!.redisUrl) });
    const [a, b] = await Promise.all([c.start('a'), c.start('b')]);
    await Promise.all([ready(c, a), ready(c, b)]);
    const t = await team(c, a);
    const alert = await c.api(a, 'POST', '/api/v1/alerts', { title: 'stall-1', alert_key: 'stall-1', severity: 'warning' }, t.token);
    expect(alert.status).toBe(200);
    const card = await incidentCard(c, t, 'stall-1');

    proxy.freeze();
    thaw = setTimeout(() => proxy?.thaw(), 20_000);
    const sent: Array<{ id: string; text: string }> = [];
    for (let i = 0; i < 8; i++) {
      const text = `stall-note-${i}`;
      sent.push({ id: await say(c, t, `note 1 ${text}`), text });
    }
    // A click during the stall is answered within Lark's 3 s (the emulator answers 504, code
    // 200341, past it), and it acknowledges the incident.
    const click = await fetch(`${c.emulator.url}/__emulator/click`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message_id: card.message_id, operator_open_id: t.alice, value: { v: 1, op: 'ack', incident: 1 } }),
    });
    const clickBody = await click.json();
    expect.soft(click.status, JSON.stringify(clickBody)).toBe(200);
    expect.soft(JSON.stringify(clickBody.response)).toMatch(/acknowledged/i);
    // Readiness names the stalled dependency.
    for (const r of [a, b]) {
      const readyz = await c.api(r, 'GET', '/readyz');
      expect.soft(readyz.status).toBe(503);
      expect.soft(readyz.body.not_ready).toEqual(['shared_state']);
    }

    // Every command is answered (during the stall or after it), each exactly once.
    await waitFor(async () => {
      const items = await chatMessages(c!, t.chat);
      return sent.every((s) => items.some((m) => m.parent_id === s.id));
    }, { timeout: 90_000, message: 'a reply to every note command' });
    await Promise.all([ready(c, a), ready(c, b)]);
    const items = await chatMessages(c, t.chat);
    expect(sent.map((s) => items.filter((m) => m.parent_id === s.id).length)).toEqual(sent.map(() => 1));
    for (const s of sent) expect(await notes(c, s.text)).toBe(1);
    expect((await c.api(a, 'GET', '/api/v1/incidents/1')).body.status).toBe('acknowledged');
  }, 180_000);

  it('a replica dies while a command waits on the database: the redelivery runs it once on the other', async () => {
    const app = `hark_cmd_${crypto.randomBytes(5).toString('hex')}`;
    c = await startCluster(cfg!);
    const url = (name: string) => {
      const u = new URL(cfg!.databaseUrl);
      u.searchParams.set('application_name', `${app}_${name}`);
      return withSearchPath(u.toString(), c!.schema);
    };
    const [a, b] = await Promise.all([c.start('a', { DATABASE_URL: url('a') }), c.start('b', { DATABASE_URL: url('b') })]);
    await Promise.all([ready(c, a), ready(c, b)]);
    const t = await team(c, a);
    expect((await c.api(a, 'POST', '/api/v1/alerts', { title: 'dies-1', alert_key: 'dies-1', severity: 'warning' }, t.token)).status).toBe(200);
    await incidentCard(c, t, 'dies-1');
    await waitFor(async () => (await c!.sql<{ n: number }>(`select count(*)::int as n from outbox where status = 'pending'`))[0].n === 0, {
      message: 'outbox drained',
    });

    // The test holds the timeline table, so the note waits on the database in whichever replica
    // Lark gave the message to.
    const lock = new pg.Client({ connectionString: cfg!.databaseUrl });
    await lock.connect();
    try {
      await lock.query('begin');
      await lock.query(`lock table ${c.schema}.timeline in exclusive mode`);
      const id = await say(c, t, 'note 1 written-once');
      const waiting = await waitFor(async () => {
        const rows = await c!.sql<{ application_name: string }>(
          `select application_name from pg_stat_activity where application_name in ($1, $2) and wait_event_type = 'Lock'`,
          [`${app}_a`, `${app}_b`],
        );
        return rows[0]?.application_name;
      }, { message: 'the note waiting on the lock' });
      const [dying, survivor] = waiting === `${app}_a` ? [a, b] : [b, a];
      // It dies; its machine's connections go with it (terminated by pid, read first: see db-reset.test.ts).
      expect(await c.stop(dying, 'SIGKILL')).toBe(-1);
      const pids = (await c.sql<{ pid: number }>(`select pid from pg_stat_activity where application_name = $1`, [waiting])).map((r) => r.pid);
      await c.sql(`select pg_terminate_backend(pid) from unnest($1::int[]) as pid`, [pids]);
      await lock.query('rollback');

      // Lark redelivers to the survivor, which runs the command once and answers once.
      await waitFor(async () => (await chatMessages(c!, t.chat)).some((m) => m.parent_id === id), { timeout: 90_000, message: 'the reply' });
      await waitFor(async () => (await notes(c!, 'written-once')) > 0, { message: 'the note' });
      const replies = (await chatMessages(c, t.chat)).filter((m) => m.parent_id === id);
      expect(replies).toHaveLength(1);
      expect(await notes(c, 'written-once')).toBe(1);
      expect(survivor.alive()).toBe(true);
    } finally {
      await lock.end().catch(() => undefined);
    }
  }, 180_000);
});
