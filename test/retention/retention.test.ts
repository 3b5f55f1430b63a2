import { afterEach, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { RETENTION_KIND } from '../../src/retention/index.ts';
import { INCIDENT_TABLES } from '../../src/store/retention-repo.ts';
import type { DB } from '../../src/store/schema.ts';
import { schedule } from '../../src/store/timer-repo.ts';
import { buttonValue, startBotRig, type BotRig } from '../bot/helpers.ts';
import { runHark } from '../cli/run-cli.ts';
import { openPostgresTestStore, openSqliteTestStore, type TestStore } from '../helpers/store.ts';
import { waitFor } from '../helpers/wait.ts';

// Retention (issue 28 item 2): resolved incidents past HARK_RETENTION_DAYS (400 here, the default)
// are deleted with every row of theirs by the durable daily job, in batches that leave room for
// live traffic; `hark prune --dry-run` counts and changes nothing. Incidents are made through the
// real service and cards through the emulator; their age is set in the database (a year cannot be
// waited for), the one thing written by hand besides the rows of features a test cannot reach
// cheaply (a pending press, a war room, a silence).

const DAY = 86_400_000;
const engines: [string, () => Promise<TestStore>][] = [['sqlite', openSqliteTestStore]];
if (process.env.HARK_TEST_DATABASE_URL) engines.push(['postgres', openPostgresTestStore]);

const actor = { id: null, name: 'test', via: 'api' as const };

/** Rows of `n` in every table that holds rows of one incident, and the incident itself. */
async function rowsOf(db: Kysely<DB>, n: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of [...INCIDENT_TABLES, 'incidents' as const]) {
    const col = t === 'incidents' ? 'number' : 'incident_number';
    const r = await db
      .selectFrom(t as 'alerts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(col as 'incident_number', '=', n)
      .executeTakeFirst();
    out[t] = Number(r?.n ?? 0);
  }
  return out;
}

async function age(db: Kysely<DB>, n: number, days: number, now = Date.now()): Promise<void> {
  const at = now - days * DAY;
  await db.updateTable('incidents').set({ created_at: at - DAY, resolved_at: at, updated_at: at }).where('number', '=', n).execute();
  await db
    .updateTable('incidents')
    .set({ resolved_at: null })
    .where('number', '=', n)
    .where('status', '!=', 'resolved')
    .execute();
}

/** Rows of the features a click cannot reach cheaply here: a press waiting for a link, a war room, a silence. */
async function featureRows(db: Kysely<DB>, n: number, now = Date.now()): Promise<void> {
  await db.insertInto('pending_actions').values({ open_id: `ou_${n}`, op: 'ack', incident_number: n, duration: null, created_at: now, expires_at: now + DAY }).execute();
  await db
    .insertInto('war_rooms')
    .values({ incident_number: n, status: 'open', uuid: `u${n}`, name: `#${n}`, chat_id: `oc_room${n}`, link: null, requested_by: 'x', card_message_id: null, pinned_at: null, last_error: null, created_at: now, updated_at: now })
    .execute();
  await db.insertInto('war_room_members').values({ incident_number: n, open_id: `ou_${n}`, name: 'x', status: 'added', created_at: now, updated_at: now }).execute();
  await db
    .insertInto('silences')
    .values({ incident_number: n, silence_id: `s${n}`, matchers: '[]', starts_at: now, ends_at: now + DAY, created_by: null, created_by_name: 'x', created_at: now })
    .execute();
}

/** Makes the daily job due now (as if a day had passed) and wakes the scanner. */
async function runDailyJobNow(rig: BotRig): Promise<void> {
  const now = Date.now();
  await schedule(rig.store.db, { kind: RETENTION_KIND, incidentNumber: 0, dueAt: now }, now);
  rig.hark.timers.scheduled(now);
}

const exists = async (db: Kysely<DB>, n: number) => !!(await db.selectFrom('incidents').select('number').where('number', '=', n).executeTakeFirst());

describe.each(engines)('retention (%s)', (engine, open) => {
  let rig: BotRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('the daily job deletes a resolved incident a day past the limit with all its rows, and keeps an open one of any age and a recent resolved one; a dry run changes nothing', async () => {
    rig = await startBotRig({ openStore: open });
    const { db } = rig.store;
    const ann = await rig.person('Ann', 'responder');
    const chat = await rig.group('ops', [ann]);
    const [expired, recent, open_] = [await rig.fire('Expired'), await rig.fire('Recent'), await rig.fire('Ancient')];
    for (const n of [expired, recent, open_]) {
      const card = await rig.cardIn(chat, n);
      const msg = (await rig.messages({ chat_id: chat })).find((m) => m.message_id === card)!;
      await rig.click(card, ann, buttonValue(msg.content, 'ack'));
      await featureRows(db, n);
    }
    await rig.services.incidents.resolve(expired, actor);
    await rig.services.incidents.resolve(recent, actor);
    await rig.settled();
    await age(db, expired, 401);
    await age(db, recent, 399);
    await age(db, open_, 2_000);
    const before = { expired: await rowsOf(db, expired), recent: await rowsOf(db, recent), open: await rowsOf(db, open_) };
    // The expired incident has rows in the tables that matter (alerts, timeline, its card copy, pending press, war room, silence).
    for (const t of ['alerts', 'timeline', 'incident_messages', 'pending_actions', 'war_rooms', 'war_room_members', 'silences', 'incidents']) {
      expect(before.expired[t], t).toBeGreaterThan(0);
    }

    const dry = await rig.hark.retention.run({ dryRun: true });
    expect(dry.counts.incidents).toBe(1);
    expect(dry.counts.alerts).toBe(before.expired.alerts);
    expect(dry.counts.timeline).toBe(before.expired.timeline);
    expect({ expired: await rowsOf(db, expired), recent: await rowsOf(db, recent), open: await rowsOf(db, open_) }).toEqual(before);

    await runDailyJobNow(rig);
    await waitFor(async () => !(await exists(db, expired)), { message: `#${expired} pruned by the daily job`, timeout: 20_000 });
    const after = await rowsOf(db, expired);
    expect(Object.entries(after).filter(([, n]) => n > 0)).toEqual([]);
    expect(await rowsOf(db, recent)).toEqual(before.recent);
    expect(await rowsOf(db, open_)).toEqual(before.open);
    // The job waits for tomorrow: one waiting timer, a day ahead.
    const waiting = await waitFor(async () => {
      const rows = await db.selectFrom('timers').select('due_at').where('kind', '=', RETENTION_KIND).where('status', '=', 'pending').execute();
      return rows.length === 1 && Number(rows[0].due_at) > Date.now() + DAY / 2 ? rows : null;
    }, { message: 'the next run a day later' });
    expect(waiting).toHaveLength(1);
    // The kept incidents still answer as before.
    expect((await rig.incident(open_)).status).toBe('acknowledged');
    expect((await rig.incident(recent)).status).toBe('resolved');
  });

  it('every table with rows of one incident is pruned with it', async () => {
    const store = await open();
    try {
      const tables =
        engine === 'sqlite'
          ? (
              await sql<{ name: string }>`select m.name from sqlite_master m join pragma_table_info(m.name) p where m.type = 'table' and p.name = 'incident_number'`.execute(store.db)
            ).rows.map((r) => r.name)
          : (
              await sql<{ name: string }>`select table_name as name from information_schema.columns where column_name = 'incident_number' and table_schema = ${store.schema}`.execute(store.db)
            ).rows.map((r) => r.name);
      expect(tables.filter((t) => !(INCIDENT_TABLES as readonly string[]).includes(t)).sort()).toEqual([]);
    } finally {
      await store.cleanup();
    }
  });

  it('prunes in batches while alerts arrive and people click, without an error', async () => {
    rig = await startBotRig({ openStore: open, retention: { batch: 3, pauseMs: 0 } });
    const { db } = rig.store;
    // Thirty expired incidents, made before any group subscribes (no cards to send for them).
    const old: number[] = [];
    for (let i = 0; i < 30; i++) {
      const n = await rig.fire(`Old${i}`);
      await rig.services.incidents.resolve(n, actor);
      await age(db, n, 500);
      old.push(n);
    }
    const people = [await rig.person('Bo', 'responder'), await rig.person('Cy', 'responder')];
    const chat = await rig.group('live', people);
    const live = [await rig.fire('Live0'), await rig.fire('Live1')];
    const cards = await Promise.all(live.map((n) => rig!.cardIn(chat, n)));
    const values = await Promise.all(
      cards.map(async (id) => {
        const msg = (await rig!.messages({ chat_id: chat })).find((m) => m.message_id === id)!;
        return { ack: buttonValue(msg.content, 'ack') };
      }),
    );

    await runDailyJobNow(rig);
    const toasts: string[] = [];
    let fired = 0;
    // Live traffic until the prune is done: alternating clicks on the two live cards and new alerts.
    for (let i = 0; i < 2 || (await db.selectFrom('incidents').select('number').where('number', 'in', old).execute()).length > 0; i++) {
      const k = i % 2;
      const answer = await rig.click(cards[k], people[k], values[k].ack);
      toasts.push(answer?.toast?.type ?? 'none');
      await rig.fire(`During${i}`);
      fired++;
      if (i > 2_000) throw new Error('the prune did not finish');
    }
    expect(fired).toBeGreaterThan(0);
    expect(toasts.filter((t) => t === 'error' || t === 'none')).toEqual([]);
    for (const n of old) expect(Object.values(await rowsOf(db, n)).every((c) => c === 0)).toBe(true);
    for (const n of live) expect((await rig.incident(n)).status).toBe('acknowledged');
    // The alerts that came in during the prune all opened incidents that are still there.
    const during = await db.selectFrom('incidents').select('number').where('title', 'like', 'During%').execute();
    expect(during).toHaveLength(fired);
  });
});

describe('hark prune (command line, SQLite)', () => {
  it('--dry-run prints the counts and changes nothing; without it the same rows go', async () => {
    const store = await openSqliteTestStore();
    try {
      const { db } = store;
      const now = Date.now();
      const source = await db.insertInto('sources').values({ name: 's', kind: 'generic', token_hash: 'h', escalation: null, created_at: now }).returning('id').executeTakeFirstOrThrow();
      const mk = async (status: string, resolvedAt: number | null) => {
        const r = await db
          .insertInto('incidents')
          .values({
            source_id: Number(source.id), group_key: `g${resolvedAt}${status}`, open_key: null, title: 't', description: null, status, severity: 'warning',
            labels: '{}', links: '[]', snoozed_until: null, snoozed_by: null, snoozed_by_name: null, snoozed_at: null, acked_by: null, acked_by_name: null,
            acked_at: null, resolved_by: null, resolved_by_name: null, resolved_at: resolvedAt, last_action: 'opened', last_action_by: null,
            last_action_by_name: 'x', last_action_via: 'api', last_action_at: now, created_at: now - 900 * DAY, updated_at: now,
          })
          .returning('number')
          .executeTakeFirstOrThrow();
        const n = Number(r.number);
        await db.insertInto('timeline').values({ incident_number: n, at: now, kind: 'opened', via: 'api', actor_id: null, actor_name: 'x', message: 'opened', data: null }).execute();
        return n;
      };
      const gone = await mk('resolved', now - 401 * DAY);
      const kept = await mk('resolved', now - 10 * DAY);
      const openOne = await mk('triggered', null);
      const env = { DATABASE_URL: store.url };
      const dry = await runHark(['prune', '--dry-run'], env);
      expect(dry.stderr).toBe('');
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(/would delete resolved incidents resolved before/);
      expect(dry.stdout).toMatch(/incidents\s+1\n/);
      expect(dry.stdout).toMatch(/timeline\s+1\n/);
      expect(dry.stdout).toMatch(/dry run: nothing was changed/);
      expect(await exists(db, gone)).toBe(true);

      const real = await runHark(['prune'], env);
      expect(real.code).toBe(0);
      expect(real.stdout).toMatch(/^deleted resolved incidents/);
      expect(await exists(db, gone)).toBe(false);
      expect(await exists(db, kept)).toBe(true);
      expect(await exists(db, openOne)).toBe(true);

      const bad = await runHark(['prune'], { ...env, HARK_RETENTION_DAYS: 'a year' });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^hark: HARK_RETENTION_DAYS must be a whole number of days/);
    } finally {
      await store.cleanup();
    }
    // Three `hark` processes, each a cold start of Node: slow on a loaded 2-core machine.
  }, 120_000);
});
