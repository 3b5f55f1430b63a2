import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { cardHas, startWorld, type World } from './world.ts';

// Escalate now (issue 14): the card's "Escalate" button, `@Hark escalate <id>` / `升级`, and
// POST /api/v1/incidents/:number/escalate page the next level at once and restart its wait.

describe('escalate now (emulator, hark start)', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  const policy = (w: World) =>
    w.api('PUT', '/api/v1/sources/payments/escalation', {
      levels: [
        { targets: [{ member: w.people.Alice.email }], wait_minutes: 60 },
        { targets: [{ member: w.people.Bob.email }], wait_minutes: 30, urgent: 'app' },
        { targets: [{ member: w.people.Carol.email }], wait_minutes: 60 },
      ],
    });

  it('the button pages level 2 now, buzzes per the policy, and restarts the wait; then the command, then "last level"', async () => {
    // Escalate now has a minimum interval per incident (issue 29); these tests press it back to back.
    w = await startWorld(['Alice', 'Bob', 'Carol'], { start: { pageGuard: { escalateIntervalMs: 0 } } });
    await policy(w);
    const { Alice, Bob, Carol } = w.people;
    const n = await w.fire('Latency high');
    const card = await w.groupCard(n);
    expect(cardHas(card, '"en_us":"Escalate"')).toBe(true);

    const t0 = Date.now();
    const click = await w.click(card.message_id, Alice.openId, { v: 1, op: 'escalate', incident: n });
    expect(click.response.toast.content).toBe(`#${n} escalated by Alice: level 2 paged: Bob.`);
    await w.privateCard(Bob.openId, n);
    await waitFor(async () => (await w!.urgents(Bob.openId)).length === 1, { message: 'Bob buzzed' });
    // Level 2's own wait (30 min) now runs from the press, not level 1's hour from the alert.
    const timer = await w.rig.hark.store.db
      .selectFrom('timers')
      .select(['due_at', 'data'])
      .where('incident_number', '=', n)
      .where('status', '=', 'pending')
      .where('kind', '=', 'escalate')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(timer.data!)).toEqual({ level: 2, round: 0 });
    expect(Number(timer.due_at) - t0).toBeGreaterThanOrEqual(30 * 60_000 - 1_000);
    expect(Number(timer.due_at) - Date.now()).toBeLessThanOrEqual(30 * 60_000);

    // In Chinese, as a command.
    const cmd = await w.say(`升级 ${n}`, Bob.openId);
    expect(await w.replyTo(cmd)).toBe(`#${n} 已由 Bob 升级：已呼叫第 3 级（最后一级）：Carol。`);
    await w.privateCard(Carol.openId, n);

    const again = await w.say(`escalate #${n}`, Carol.openId);
    expect(await w.replyTo(again)).toContain(`#${n} is already at the last escalation level (level 3)`);
    const tl = await w.timeline(n);
    expect(tl).toContain('Alice escalated now (card)');
    expect(tl).toContain('Bob escalated now (command)');
    expect(tl).toContain('escalated to level 2: Bob');
    expect(tl).toContain('escalated to level 3 (last level): Carol');
  });

  it('the API route escalates, names who pressed it, and refuses at the last level with 409', async () => {
    // Escalate now has a minimum interval per incident (issue 29); these tests press it back to back.
    w = await startWorld(['Alice', 'Bob', 'Carol'], { start: { pageGuard: { escalateIntervalMs: 0 } } });
    await policy(w);
    const n = await w.fire('Error budget burn');
    await w.privateCard(w.people.Alice.openId, n);
    const r = await w.api('POST', `/api/v1/incidents/${n}/escalate`, { by: w.people.Alice.email });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ incident: n, level: 2, paged: ['Bob'], last: false });
    expect((await w.api('POST', `/api/v1/incidents/${n}/escalate`, {})).body.level).toBe(3);
    const last = await w.api('POST', `/api/v1/incidents/${n}/escalate`, {});
    expect(last.status).toBe(409);
    expect(last.body.error.message).toContain('already at the last escalation level');
    expect((await w.api('POST', '/api/v1/incidents/999/escalate', {})).status).toBe(404);
    expect((await w.api('POST', `/api/v1/incidents/${n}/frobnicate`, {})).status).toBe(404);
    // The plain actions still answer on the same path.
    expect((await w.api('POST', `/api/v1/incidents/${n}/ack`, {})).status).toBe(200);
    expect(await w.timeline(n)).toContain('Alice escalated now (API)');
  });
});
