import { afterEach, describe, expect, it } from 'vitest';
import { testEngines, type TestStore } from '../helpers/store.ts';
import { autoResolved, computeFigures, walk } from '../../src/insights/figures.ts';
import { insightEntries, insightIncidents, insightMembers, insightTimelines, type InsightEntry } from '../../src/store/insights-repo.ts';
import { listTeams, setSourceTeam, upsertTeam } from '../../src/store/team-repo.ts';

// The figures read each incident's entries packed into one row by the database (insightTimelines).
// Over generated timelines with every shape the walk tells apart (reopens with and without
// flapping, escalation steps that reached nobody or carry odd data, data that is not JSON, several
// openings, entries written out of time order, group cards, people in other zones), they must
// give exactly what the entries read one row at a time give (insightEntries), on both engines.

const T0 = Date.parse('2026-03-20T00:00:00Z');
const KINDS = ['open', 'ack', 'snooze', 'resolve', 'auto_resolve', 'reopen', 'escalate', 'delivery', 'note', 'alerts'] as const;

/** mulberry32: the same draws on every run. */
function rng(seed: number) {
  let a = seed;
  return (n: number) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

for (const engine of testEngines) {
  describe.skipIf(engine.skip)(`insights packed timelines (${engine.name})`, () => {
    let store: TestStore | null = null;
    afterEach(async () => {
      await store?.cleanup();
      store = null;
    });

    it('give the same walk and figures as the entries read one by one', async () => {
      store = await engine.open();
      const db = store.db;
      const r = rng(27);
      const people: { id: number; openId: string }[] = [];
      for (const [i, zone] of [null, 'America/New_York', 'Asia/Kathmandu', 'Not/AZone'].entries()) {
        const openId = `ou_p${i}`;
        const row = await db.insertInto('members').values({ name: `P${i}`, email: `p${i}@example.com`, role: 'responder', open_id: openId, union_id: null, created_at: T0, linked_at: T0, time_zone: zone })
          .returning('id').executeTakeFirstOrThrow();
        people.push({ id: Number(row.id), openId });
      }
      const sources: number[] = [];
      for (const name of ['a', 'b', 'c']) {
        sources.push(Number((await db.insertInto('sources').values({ name, kind: 'alertmanager', token_hash: `h-${name}`, escalation: null, created_at: T0, alertmanager_url: name === 'a' ? 'http://am' : null })
          .returning('id').executeTakeFirstOrThrow()).id));
      }
      const team = await upsertTeam(db, { name: 'night', timeZone: 'Europe/Berlin', homeChatId: null, openToAllResponders: false, settings: { sleep: { from: '23:00', to: '07:00' } } }, T0);
      await setSourceTeam(db, sources[0]!, team);

      const data = (kind: string): string | null => {
        const odd = ['not json', '{"targets": "P1"}', '[1,2]', '"text"', '{"level": "2", "targets": ["x"]}', '{"flapping": 0}', '{"flapping": ""}', '{"target_id": 42}', 'null', '{"note": "ünïcödé \\"quoted\\" \\\\ back\\nline"}'];
        if (r(8) === 0) return odd[r(odd.length)]!;
        switch (kind) {
          case 'escalate': return JSON.stringify({ level: r(3), round: 0, targets: r(4) ? [`P${r(4)}`] : [] });
          case 'delivery': return JSON.stringify({ message_id: `om_${r(1000)}`, target_id: r(3) ? people[r(people.length)]!.openId : 'oc_group' });
          case 'reopen': return r(2) ? JSON.stringify({ flapping: { changes: 4, minutes: 60 } }) : null;
          default: return r(3) ? null : JSON.stringify({ any: r(10) });
        }
      };
      for (let i = 0; i < 160; i++) {
        const created = T0 + r(14 * 24) * 3_600_000 + r(3_600_000);
        const number = Number((await db.insertInto('incidents').values({
          source_id: sources[r(3)]!, group_key: `g${r(6)}`, open_key: null, title: `t${i}`, description: null, status: 'resolved', severity: ['critical', 'warning', 'info'][r(3)]!,
          labels: '{}', links: '[]', snoozed_until: null, snoozed_by: null, snoozed_by_name: null, snoozed_at: null, acked_by: null, acked_by_name: null, acked_at: null,
          resolved_by: null, resolved_by_name: null, resolved_at: null, last_action: 'open', last_action_by: null, last_action_by_name: 'am', last_action_via: 'alertmanager',
          last_action_at: created, created_at: created, updated_at: created,
        }).returning('number').executeTakeFirstOrThrow()).number);
        const rows = [];
        for (let k = 0, n = r(12); k < n; k++) {
          const kind = k === 0 && r(5) ? 'open' : KINDS[r(KINDS.length)]!;
          const actor = ['ack', 'snooze', 'resolve'].includes(kind) || r(6) === 0 ? people[r(people.length)]!.id : null;
          const message = kind === 'delivery' ? (r(4) ? 'card sent to someone privately' : 'card updated') : kind;
          // Mostly in time order; now and then written late (another replica's clock).
          rows.push({ incident_number: number, at: created + k * 60_000 + (r(10) === 0 ? -r(7_200_000) : r(50_000)), kind, via: actor ? 'card' : 'auto', actor_id: actor, actor_name: actor ? 'P' : 'Hark', message, data: data(kind) });
        }
        if (rows.length) await db.insertInto('timeline').values(rows).execute();
      }

      const members = await insightMembers(db);
      const teams = new Map((await listTeams(db)).map((t) => [t.id, t]));
      const filters = [{ from: T0, to: T0 + 14 * 86_400_000 }, { from: T0 + 3 * 86_400_000, to: T0 + 9 * 86_400_000, teamId: team }, { from: T0, to: T0 + 14 * 86_400_000, severity: 'warning', sourceId: sources[1]! }];
      for (const f of filters) {
        const fast = await insightTimelines(db, f);
        const incidents = await insightIncidents(db, f);
        const byIncident = new Map<number, InsightEntry[]>();
        for (const e of await insightEntries(db, f)) byIncident.set(e.incident, [...(byIncident.get(e.incident) ?? []), e]);
        const slow = incidents.map((inc) => ({ ...inc, entries: () => byIncident.get(inc.number) ?? [] }));
        expect(fast.map(({ entries: _, ...inc }) => inc)).toEqual(incidents);
        const walks = fast.map((inc) => walk(inc, inc.entries()));
        expect(walks).toEqual(slow.map((inc) => walk(inc, inc.entries())));
        if (f === filters[0]) {
          // The generated fortnight has every shape the walk tells apart.
          expect(walks.filter((w) => w.flapping).length).toBeGreaterThan(0);
          expect(walks.filter((w) => w.escalated).length).toBeGreaterThan(0);
          expect(walks.filter((w) => autoResolved(w)).length).toBeGreaterThan(0);
          expect(walks.filter((w) => w.firstAck !== null && w.resolvedAt === null).length).toBeGreaterThan(0);
          expect(walks.filter((w) => w.pages.length > 1).length).toBeGreaterThan(0);
        }
        for (const memberId of [null, people[1]!.id, people[3]!.id]) {
          const a = computeFigures({ incidents: fast, members, teams, maintenance: [], memberId });
          const b = computeFigures({ incidents: slow, members, teams, maintenance: [], memberId });
          expect(a).toEqual(b);
        }
      }
    });
  });
}
