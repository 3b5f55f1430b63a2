import type { Kysely } from 'kysely';
import type { DB } from '../../src/store/schema.ts';
import { replaceTeamMembers, setSourceTeam, upsertTeam } from '../../src/store/team-repo.ts';

// A generated week of on-call with known answers (test/insights/figures.test.ts lists them):
// team "payments" in Europe/Berlin, whose clocks go forward on 2026-03-29, Alice in the team's
// zone and Bob in America/New_York; a noisy DiskFull group that resolves by itself and flaps.

export const T = (iso: string) => Date.parse(iso);
export const WINDOW = { from: '2026-03-25T00:00:00Z', to: '2026-04-01T00:00:00Z' };

type Entry = { at: string | number; kind: string; actor?: number | null; message?: string; data?: unknown };

export async function seedWeek(db: Kysely<DB>) {
  const now = T('2026-04-02T00:00:00Z');
  const member = async (name: string, email: string, openId: string, timeZone: string | null) =>
    Number((await db.insertInto('members').values({ name, email, role: 'responder', open_id: openId, union_id: null, created_at: now, linked_at: now, time_zone: timeZone })
      .returning('id').executeTakeFirstOrThrow()).id);
  const alice = await member('Alice', 'alice@example.com', 'ou_alice', null);
  const bob = await member('Bob', 'bob@example.com', 'ou_bob', 'America/New_York');
  const source = async (name: string, am: string | null) =>
    Number((await db.insertInto('sources').values({ name, kind: 'alertmanager', token_hash: `h-${name}`, escalation: null, created_at: now, alertmanager_url: am })
      .returning('id').executeTakeFirstOrThrow()).id);
  const pay = await source('pay-am', 'http://am.example');
  const web = await source('web', null);
  const team = await upsertTeam(db, { name: 'payments', timeZone: 'Europe/Berlin', homeChatId: null, openToAllResponders: false, settings: {} }, now);
  await replaceTeamMembers(db, team, [{ memberId: alice, role: 'lead' }, { memberId: bob, role: 'member' }], now);
  await setSourceTeam(db, pay, team);

  const incident = async (sourceId: number, opened: string, severity: string, groupKey: string, status: string, entries: Entry[]) => {
    const at = T(opened);
    const number = Number((await db.insertInto('incidents').values({
      source_id: sourceId, group_key: groupKey, open_key: null, title: groupKey, description: null, status, severity, labels: '{}', links: '[]',
      snoozed_until: null, snoozed_by: null, snoozed_by_name: null, snoozed_at: null, acked_by: null, acked_by_name: null, acked_at: null,
      resolved_by: null, resolved_by_name: null, resolved_at: null, last_action: 'open', last_action_by: null, last_action_by_name: 'am',
      last_action_via: 'alertmanager', last_action_at: at, created_at: at, updated_at: at,
    }).returning('number').executeTakeFirstOrThrow()).number);
    const rows = [{ at, kind: 'open' } as Entry, ...entries].map((e) => ({
      incident_number: number, at: typeof e.at === 'number' ? e.at : T(e.at), kind: e.kind, via: e.actor ? 'card' : 'auto', actor_id: e.actor ?? null,
      actor_name: e.actor ? 'someone' : 'Hark', message: e.message ?? e.kind, data: e.data === undefined ? null : JSON.stringify(e.data),
    }));
    await db.insertInto('timeline').values(rows).execute();
    return number;
  };
  const page = (at: string, openId: string): Entry => ({ at, kind: 'delivery', message: 'card sent to someone privately', data: { message_id: 'om_x', target_id: openId } });
  const step = (at: string, level: number, targets: string[]): Entry => ({ at, kind: 'escalate', message: `escalated to level ${level + 1}`, data: { level, round: 0, targets } });

  // #1 Friday 11:00 Berlin (CET): a work-hours page, acknowledged after 130 s, resolved after 1 h.
  await incident(pay, '2026-03-27T10:00:00Z', 'critical', 'alertname=Latency', 'resolved', [
    step('2026-03-27T10:00:00Z', 0, ['Alice']), page('2026-03-27T10:00:10Z', 'ou_alice'),
    { at: '2026-03-27T10:02:10Z', kind: 'ack', actor: alice }, { at: '2026-03-27T11:00:00Z', kind: 'resolve', actor: alice },
    { at: '2026-03-27T10:00:11Z', kind: 'delivery', message: 'card posted in group ops', data: { message_id: 'om_g', target_id: 'oc_ops' } },
  ]);
  // #2 Saturday 22:30 Berlin: Alice asleep; escalated to Bob (17:31 in New York: off hours), who acknowledges after 600 s.
  await incident(pay, '2026-03-28T21:30:00Z', 'critical', 'alertname=Errors', 'resolved', [
    step('2026-03-28T21:30:00Z', 0, ['Alice']), page('2026-03-28T21:30:05Z', 'ou_alice'),
    step('2026-03-28T21:31:00Z', 1, ['Bob']), page('2026-03-28T21:31:00Z', 'ou_bob'),
    { at: '2026-03-28T21:40:00Z', kind: 'ack', actor: bob }, { at: '2026-03-28T23:30:00Z', kind: 'resolve', actor: bob },
  ]);
  // #3 Sunday 06:30 UTC, after the clocks went forward: 08:30 in Berlin (off hours, not sleep).
  await incident(pay, '2026-03-29T06:30:00Z', 'critical', 'alertname=Errors', 'resolved', [
    step('2026-03-29T06:30:00Z', 0, ['Alice']), page('2026-03-29T06:30:05Z', 'ou_alice'),
    { at: '2026-03-29T06:32:00Z', kind: 'ack', actor: alice }, { at: '2026-03-29T07:00:00Z', kind: 'resolve', actor: alice },
  ]);
  // #4 Monday 09:30 Berlin (work), 03:31 in New York (sleep); acknowledged after 360 s, still open.
  await incident(pay, '2026-03-30T07:30:00Z', 'warning', 'alertname=Queue', 'acknowledged', [
    step('2026-03-30T07:30:00Z', 0, ['Alice', 'Bob']), page('2026-03-30T07:30:05Z', 'ou_alice'), page('2026-03-30T07:31:00Z', 'ou_bob'),
    { at: '2026-03-30T07:36:00Z', kind: 'ack', actor: alice },
  ]);
  // #5–#8 DiskFull: nobody paged, each resolves by itself after 300 s; #6 reopens as flapping first.
  for (const h of ['01', '02', '03', '04']) {
    const open = `2026-03-31T${h}:00:00Z`;
    const flap = h === '02';
    await incident(pay, open, 'warning', 'alertname=DiskFull', 'resolved', flap
      ? [{ at: T(open) + 100_000, kind: 'auto_resolve' }, { at: T(open) + 150_000, kind: 'reopen', data: { flapping: { changes: 4, minutes: 60 } } }, { at: T(open) + 300_000, kind: 'auto_resolve' }]
      : [{ at: T(open) + 300_000, kind: 'auto_resolve' }]);
  }
  // #9 a source of no team: resolved by hand after 60 s.
  await incident(web, '2026-03-26T12:00:00Z', 'info', 'alertname=Web', 'resolved', [{ at: '2026-03-26T12:01:00Z', kind: 'resolve', actor: alice }]);
  // #10 the week before; #11 after the window.
  await incident(pay, '2026-03-20T10:00:00Z', 'critical', 'alertname=Latency', 'resolved', [
    { at: '2026-03-20T10:01:00Z', kind: 'ack', actor: alice }, { at: '2026-03-20T10:10:00Z', kind: 'resolve', actor: alice }]);
  await incident(pay, '2026-04-01T01:00:00Z', 'critical', 'alertname=Late', 'triggered', []);

  // Maintenance on pay-am: 2 h inside the window, and one run straddling its start (1 h inside).
  const win = Number((await db.insertInto('maintenance_windows').values({ source_id: pay, labels: '[]', starts_at: null, ends_at: null, recurring: null, reason: 'deploy', created_by_name: 'Alice', created_at: now, deleted_at: null })
    .returning('id').executeTakeFirstOrThrow()).id);
  for (const [s, e] of [['2026-03-31T00:00:00Z', '2026-03-31T02:00:00Z'], ['2026-03-24T23:00:00Z', '2026-03-25T01:00:00Z']] as const) {
    await db.insertInto('maintenance_runs').values({ window_id: win, occurrence_start: T(s), occurrence_end: T(e), started_at: T(s), ended_at: T(e), ended_by: null }).execute();
  }
  return { alice, bob, pay, web, team, now };
}
