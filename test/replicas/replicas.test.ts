import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { clusterConfig, startCluster, type Cluster, type Replica } from './cluster.ts';

// Real `hark start` processes on one PostgreSQL schema and one Redis prefix against one emulator,
// which hands each event and card click to one random connection (docs/lark-notes.md §1.10).

const cfg = clusterConfig();
if (!cfg) console.warn('[hark tests] HARK_TEST_DATABASE_URL and HARK_TEST_REDIS_URL are not both set: replica process tests are skipped');

interface Team {
  source: string;
  token: string;
  chats: string[];
  alice: { openId: string; email: string };
  bob: { openId: string; email: string };
}

/** Groups with the bot (one per team label), two linked members, a generic source subscribed per label. */
async function team(c: Cluster, r: Replica, chats: number): Promise<Team> {
  const person = async (name: string) => {
    const email = `${name.toLowerCase()}@example.com`;
    const u = await c.emu('POST', '/__emulator/users', { name, email });
    const m = await c.api(r, 'POST', '/api/v1/members', { name, email, role: 'responder', lark_open_id: u.open_id });
    if (m.status !== 201) throw new Error(`member: ${JSON.stringify(m.body)}`);
    return { openId: u.open_id as string, email };
  };
  const alice = await person('Alice');
  const bob = await person('Bob');
  const ids: string[] = [];
  for (let i = 0; i < chats; i++) {
    ids.push((await c.emu('POST', '/__emulator/chats', { name: `team-${i}`, members: [alice.openId], add_bot: true })).chat_id);
  }
  const src = await c.api(r, 'POST', '/api/v1/sources', { name: 'pay', kind: 'generic' });
  await waitFor(async () => (await c.api(r, 'GET', '/api/v1/chats')).body?.items?.filter((x: any) => x.status === 'active').length >= chats, {
    message: 'groups learned from bot-added events',
  });
  for (let i = 0; i < chats; i++) {
    const s = await c.api(r, 'PUT', `/api/v1/chats/${ids[i]}/subscriptions/pay`, { labels: { team: `t${i}` } });
    if (s.status !== 200) throw new Error(`subscribe: ${JSON.stringify(s.body)}`);
  }
  return { source: 'pay', token: src.body.token, chats: ids, alice, bob };
}

/** Sends one alert to the first replica that accepts it (a dead or stopping one refuses). */
async function alert(c: Cluster, rs: Replica[], t: Team, key: string, chat: number): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    for (const r of rs.filter((x) => x.alive())) {
      const res = await c
        .api(r, 'POST', '/api/v1/alerts', { title: key, alert_key: key, severity: 'critical', labels: { team: `t${chat}` } }, t.token)
        .catch(() => null);
      if (res && res.status < 300) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`alert ${key} was not accepted by any replica`);
}

/** Cards per title in the groups, as the emulator holds them. */
async function cardsByTitle(c: Cluster, chats: string[], prefix: string): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const re = new RegExp(`${prefix}-\\d+\\b`);
  for (const chat of chats) {
    const { items } = await c.emu('GET', `/__emulator/messages?chat_id=${chat}`);
    for (const m of items as { content: unknown }[]) {
      const k = re.exec(JSON.stringify(m.content))?.[0];
      if (k) seen.set(k, (seen.get(k) ?? 0) + 1);
    }
  }
  return seen;
}

const dms = async (c: Cluster, openId: string) => (await c.emu('GET', `/__emulator/messages?open_id=${openId}`)).items as { message_id: string; content: unknown }[];
const ready = (c: Cluster, r: Replica) => waitFor(async () => (await c.api(r, 'GET', '/readyz')).status === 200, { timeout: 20_000, message: `${r.name} ready` });
/** Replicas a and b, both ready. */
async function pair(c: Cluster): Promise<[Replica, Replica]> {
  const [a, b] = await Promise.all([c.start('a'), c.start('b')]);
  await Promise.all([ready(c, a), ready(c, b)]);
  return [a, b];
}

describe.skipIf(!cfg)('replicas (real processes, PostgreSQL, Redis)', () => {
  let c: Cluster | null = null;
  afterEach(async () => {
    await c?.close();
    c = null;
  });

  it('two replicas post each of 100 cards once and fire each escalation timer once', async () => {
    c = await startCluster(cfg!);
    const rs = await pair(c);
    const t = await team(c, rs[0], 10);
    const policy = await c.api(rs[1], 'PUT', '/api/v1/sources/pay/escalation', {
      levels: [
        { targets: [{ member: t.alice.email }], wait_minutes: 0.005 },
        { targets: [{ member: t.bob.email }], wait_minutes: 0.005 },
      ],
    });
    expect(policy.status).toBe(200);
    await Promise.all(Array.from({ length: 100 }, (_, i) => alert(c!, [rs[i % 2], rs[(i + 1) % 2]], t, `card-${i}`, i % 10)));
    await waitFor(async () => (await cardsByTitle(c!, t.chats, 'card')).size === 100, { timeout: 60_000, message: '100 cards' });
    await waitFor(async () => (await dms(c!, t.bob.openId)).length >= 100, { timeout: 60_000, message: "Bob's 100 level-2 cards" });
    // Alice's level-1 cards share the per-person rate limit with nothing else, but may still be
    // queued when Bob's are all out: wait for hers too.
    await waitFor(async () => (await dms(c!, t.alice.openId)).length >= 100, { timeout: 60_000, message: "Alice's 100 level-1 cards" });
    const cards = await cardsByTitle(c, t.chats, 'card');
    expect([...cards.values()].filter((n) => n !== 1)).toEqual([]);
    expect(await dms(c, t.bob.openId)).toHaveLength(100);
    expect(await dms(c, t.alice.openId)).toHaveLength(100);
    const steps = await c.sql<{ n: number }>(`select count(*)::int as n from timeline where message like 'escalated to level 2%'`);
    expect(steps[0].n).toBe(100);
    const fired = await c.sql<{ fired_by: string; n: number }>(
      `select fired_by, count(*)::int as n from timers where kind = 'escalate' and status = 'done' group by fired_by`,
    );
    expect(fired.reduce((a, r) => a + r.n, 0)).toBe(100);
  }, 120_000);

  it('a snooze that ends while the process is down fires once at start', async () => {
    c = await startCluster(cfg!);
    const a = await c.start('a');
    await ready(c, a);
    const t = await team(c, a, 1);
    await alert(c, [a], t, 'snoozy-1', 0);
    const snooze = await c.api(a, 'POST', '/api/v1/incidents/1/snooze', { duration: '30m' });
    expect(snooze.status).toBe(200);
    expect(await c.stop(a)).toBe(0);
    // Thirty minutes pass while Hark is down.
    await c.sql(`update incidents set snoozed_until = snoozed_until - 1800000 where number = 1`);
    await c.sql(`update timers set due_at = due_at - 1800000 where kind = 'snooze_end'`);
    const again = await c.start('a-again');
    const ended = async () => (await c!.sql<{ n: number }>(`select count(*)::int as n from timeline where kind = 'snooze_end'`))[0].n;
    await waitFor(async () => (await ended()) > 0, { message: 'snooze ended at start' });
    expect(await ended()).toBe(1);
    const inc = await c.api(again, 'GET', '/api/v1/incidents/1');
    expect(inc.body.status).toBe('triggered');
    expect(inc.body.snoozed_until ?? null).toBeNull();
    const timers = await c.sql(`select status, fired_by from timers where kind = 'snooze_end'`);
    expect(timers).toEqual([{ status: 'done', fired_by: expect.any(String) }]);
  }, 60_000);

  it('kill -9 of one replica mid-storm: the other finishes the work, every card once', async () => {
    c = await startCluster(cfg!);
    const [a, b] = await pair(c);
    const t = await team(c, a, 10);
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 120; i++) {
      if (i === 60) {
        await waitFor(async () => (await cardsByTitle(c!, t.chats, 'storm')).size >= 20, { timeout: 30_000, message: 'cards flowing' });
        await c.stop(a, 'SIGKILL');
      }
      sends.push(alert(c, i % 2 ? [a, b] : [b, a], t, `storm-${i}`, i % 10));
      if (i % 20 === 19) await Promise.all(sends.splice(0));
    }
    await Promise.all(sends);
    // Rows leased by the dead replica come back when their lease runs out.
    await waitFor(async () => (await cardsByTitle(c!, t.chats, 'storm')).size === 120, { timeout: 90_000, interval: 250, message: '120 cards' });
    const cards = await cardsByTitle(c, t.chats, 'storm');
    expect([...cards.values()].filter((n) => n !== 1)).toEqual([]);
    expect(b.alive()).toBe(true);
  }, 150_000);

  it('a rolling restart loses no click and no alert', async () => {
    c = await startCluster(cfg!);
    let [a, b] = await pair(c);
    const t = await team(c, a, 4);
    const live = () => [a, b];
    let i = 0;
    const clicked: number[] = [];
    const failures: string[] = [];
    let running = true;
    // Traffic: alerts into whichever replica is up, and Alice acknowledging every card from her DM
    // (level 1 of the policy) by clicking its button, while the replicas restart one by one.
    await c.api(a, 'PUT', '/api/v1/sources/pay/escalation', { levels: [{ targets: [{ member: t.alice.email }], wait_minutes: 60 }] });
    const traffic = (async () => {
      while (running) {
        const key = `roll-${i++}`;
        await alert(c!, live(), t, key, i % 4);
        // A few alerts a second: Alice's level-1 cards are bound by Lark's 5 messages/s per person,
        // so a faster stream would only queue up behind that limit (the storm test is above).
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const clicker = (async () => {
      const done = new Set<string>();
      while (running || done.size < i) {
        const items = await dms(c!, t.alice.openId);
        const todo = items.filter((m) => !done.has(m.message_id));
        if (!todo.length && !running) break;
        for (const m of todo) {
          const n = Number(/roll-(\d+)/.exec(JSON.stringify(m.content))?.[1] ?? NaN);
          const number = Number(/"incident":(\d+)/.exec(JSON.stringify(m.content))?.[1] ?? NaN);
          done.add(m.message_id);
          if (Number.isNaN(number)) continue;
          const res = await fetch(`${c!.emulator.url}/__emulator/click`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ message_id: m.message_id, operator_open_id: t.alice.openId, value: { v: 1, op: 'ack', incident: number } }),
          });
          if (res.status !== 200) failures.push(`click on #${number} (roll-${n}): ${res.status} ${await res.text()}`);
          else clicked.push(number);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await waitFor(async () => clicked.length >= 5, { timeout: 30_000, message: 'clicks flowing' });
    // Rolling restart: replace a, then b, each with SIGTERM.
    expect(await c.stop(a)).toBe(0);
    a = await c.start('a2');
    await ready(c, a);
    await waitFor(async () => clicked.length >= 15, { timeout: 30_000, message: 'clicks flowing after a restarted' });
    expect(await c.stop(b)).toBe(0);
    b = await c.start('b2');
    await ready(c, b);
    await waitFor(async () => clicked.length >= 25, { timeout: 30_000, message: 'clicks flowing after b restarted' });
    running = false;
    await traffic;
    await waitFor(async () => (await dms(c!, t.alice.openId)).length >= i, { timeout: 60_000, message: 'a DM per alert' });
    await clicker;
    expect(failures).toEqual([]);
    // Every alert became an incident, and every clicked one is acknowledged.
    const incidents = await c.sql<{ number: number; status: string; title: string }>('select number, status, title from incidents');
    expect(new Set(incidents.map((x) => x.title)).size).toBe(i);
    const notAcked = incidents.filter((x) => clicked.includes(Number(x.number)) && x.status !== 'acknowledged');
    expect(notAcked).toEqual([]);
  }, 180_000);
});
