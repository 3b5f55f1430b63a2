import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { cardHas, startWorld, type World } from '../paging/world.ts';

// Issue 25: an acknowledgement with a time box. When it ends the acker is reminded privately
// (Extend 30 m, Resolve, Hand back); without an answer within the policy's grace the incident goes
// back to triggered and the level paged last is paged again. The policy's durations are seconds here.

const reminderOf = async (w: World, openId: string, n: number) =>
  waitFor(async () => (await w.dms(openId)).find((m) => m.msg_type === 'interactive' && JSON.stringify(m.content).includes(`#${n} · Your acknowledgement ran out`)), {
    timeout: 20_000,
    message: `the reminder of #${n}`,
  });
const buttonValue = (card: any, label: string): any => {
  const found = JSON.stringify(card.content).match(new RegExp(`"en_us":"${label}"[^]*?"value":(\\{[^}]*\\})`));
  if (!found) throw new Error(`no button ${label}`);
  return JSON.parse(found[1]);
};

describe('acknowledgement time box (emulator, hark start)', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('ack 42 30m: the card says until when; the API returns acknowledged_until', async () => {
    w = await startWorld(['Alice']);
    const { Alice } = w.people;
    const n = await w.fire('Checkout slow');
    const asked = await w.say(`ack ${n} 30m`, Alice.openId);
    expect(await w.replyTo(asked)).toMatch(new RegExp(`#${n} acknowledged by Alice until (?:\\d{4}-\\d\\d-\\d\\d )?\\d\\d:\\d\\d UTC`));
    const card = await waitFor(async () => {
      const c = await w!.groupCard(n);
      return cardHas(c, 'Acknowledged by** Alice **until**') ? c : null;
    }, { message: 'the card says until when' });
    expect(card).toBeTruthy();
    const detail = await w.api('GET', `/api/v1/incidents/${n}`);
    const until = Date.parse(detail.body.incident?.acknowledged_until ?? detail.body.acknowledged_until);
    expect(until - Date.now()).toBeGreaterThan(29 * 60_000);
    expect(until - Date.now()).toBeLessThanOrEqual(30 * 60_000);
    // A bad time box is refused in words.
    const bad = await w.say(`ack ${n} 10s`, Alice.openId);
    expect(await w.replyTo(bad)).toMatch(/already acknowledged|out of range/);
  });

  it('the policy default ends in a private reminder; Extend 30 m moves the end (API acknowledged_until)', async () => {
    w = await startWorld(['Alice']);
    const { Alice } = w.people;
    await w.api('PUT', '/api/v1/sources/payments/escalation', {
      levels: [{ targets: [{ member: Alice.email }], wait_minutes: 60 }],
      ack_timeout: '2s',
      ack_grace: '1h',
    });
    const n = await w.fire('Queue backlog');
    const card = await w.groupCard(n);
    const ack = await w.click(card.message_id, Alice.openId, { v: 1, op: 'ack', incident: n });
    expect(JSON.stringify(ack)).toMatch(/acknowledged by Alice until/);
    const reminder = await reminderOf(w, Alice.openId, n);
    expect(cardHas(reminder, 'Extend 30 m')).toBe(true);
    expect(cardHas(reminder, 'Hand back')).toBe(true);
    const timeline = await waitFor(async () => {
      const t = await w!.timeline(n);
      return t.find((m) => m.includes('ran out')) ? t : null;
    });
    expect(timeline.join('\n')).toMatch(/the acknowledgement by Alice ran out at .*; reminded Alice privately\. Without an answer within 1h the incident goes back to triggered/);

    const extended = await w.click(reminder.message_id, Alice.openId, buttonValue(reminder, 'Extend 30 m'));
    expect(JSON.stringify(extended)).toMatch(/Alice extended the acknowledgement by 30m, until/);
    const detail = await w.api('GET', `/api/v1/incidents/${n}`);
    expect(detail.body.status ?? detail.body.incident?.status).toBe('acknowledged');
    expect(Date.parse(detail.body.acknowledged_until ?? detail.body.incident.acknowledged_until) - Date.now()).toBeGreaterThan(29 * 60_000);
  });

  it("Hand back on the reminder pages the current level again; nobody else can use Alice's reminder", async () => {
    w = await startWorld(['Alice', 'Bob']);
    const { Alice, Bob } = w.people;
    await w.api('PUT', '/api/v1/sources/payments/escalation', {
      levels: [{ targets: [{ member: Alice.email }], wait_minutes: 60 }],
      ack_timeout: '1s',
    });
    const n = await w.fire('Cache misses');
    await w.privateCard(Alice.openId, n);
    await w.api('POST', `/api/v1/incidents/${n}/ack`, { by: Alice.email });
    const reminder = await reminderOf(w, Alice.openId, n);
    const stranger = await w.click(reminder.message_id, Bob.openId, buttonValue(reminder, 'Hand back'));
    expect(JSON.stringify(stranger)).toContain(`#${n} is no longer acknowledged by you`);
    const back = await w.click(reminder.message_id, Alice.openId, buttonValue(reminder, 'Hand back'));
    expect(JSON.stringify(back)).toContain(`#${n} handed back by Alice; back to triggered, paging the current level again`);
    const t = await waitFor(async () => {
      const x = await w!.timeline(n);
      return x.filter((m) => m.startsWith('escalated to level 1')).length === 2 ? x : null;
    }, { message: 'level 1 paged again' });
    expect(t).toContain(`#${n} handed back by Alice; back to triggered, paging the current level again`);
  });

  it("a reminder's buttons act only on the reminder card they were pressed on (issue 29's binding)", async () => {
    w = await startWorld(['Alice']);
    const { Alice } = w.people;
    await w.api('PUT', '/api/v1/sources/payments/escalation', {
      levels: [{ targets: [{ member: Alice.email }], wait_minutes: 60 }],
      ack_timeout: '1s',
      ack_grace: '1h',
    });
    const n = await w.fire('Disk filling');
    const other = await w.fire('Other thing');
    const card = await w.groupCard(n);
    await w.api('POST', `/api/v1/incidents/${n}/ack`, { by: Alice.email });
    const reminder = await reminderOf(w, Alice.openId, n);
    const handBack = buttonValue(reminder, 'Hand back');
    // Alice holds the acknowledgement, but the value is pressed on the incident's group card…
    const onGroupCard = await w.click(card.message_id, Alice.openId, handBack);
    expect(JSON.stringify(onGroupCard)).toContain('This button does not belong to this card, so Hark did nothing.');
    // …or names another incident on her reminder: refused, nothing changes.
    const forged = await w.click(reminder.message_id, Alice.openId, { ...handBack, incident: other });
    expect(JSON.stringify(forged)).toContain('This button does not belong to this card, so Hark did nothing.');
    const detail = await w.api('GET', `/api/v1/incidents/${n}`);
    expect(detail.body.status ?? detail.body.incident?.status).toBe('acknowledged');
  });

  it('a silent acker: after the grace the incident is triggered again and the level is paged again', async () => {
    w = await startWorld(['Alice', 'Bob']);
    const { Alice, Bob } = w.people;
    await w.api('PUT', '/api/v1/sources/payments/escalation', {
      levels: [{ targets: [{ member: Alice.email }], wait_minutes: 60 }, { targets: [{ member: Bob.email }], wait_minutes: 60 }],
      ack_timeout: '2s',
      ack_grace: '2s',
    });
    const n = await w.fire('Disk almost full');
    await w.privateCard(Alice.openId, n);
    const r = await w.api('POST', `/api/v1/incidents/${n}/ack`, { by: Alice.email });
    expect(r.status).toBe(200);
    await reminderOf(w, Alice.openId, n);
    const timeline = await waitFor(async () => {
      const t = await w!.timeline(n);
      return t.some((m) => m.includes('did not answer the reminder')) && t.filter((m) => m.startsWith('escalated to level 1')).length === 2 ? t : null;
    }, { timeout: 20_000, message: 'handed back and level 1 paged again' });
    expect(timeline.join('\n')).toContain(`#${n} back to triggered: Alice did not answer the reminder within 2s after the acknowledgement ran out; paging the current level again`);
    const detail = await w.api('GET', `/api/v1/incidents/${n}`);
    expect(detail.body.status ?? detail.body.incident?.status).toBe('triggered');
    // Level 1 (Alice) paged again: a second private card of the incident.
    await waitFor(async () => (await w!.dms(Alice.openId)).filter((m) => m.msg_type === 'interactive' && JSON.stringify(m.content).includes(`#${n} `) && !JSON.stringify(m.content).includes('ran out')).length >= 2, {
      message: 'Alice paged a second time',
    });
    // Bob (level 2) was not paged: the hand-back pages the current level, not the next.
    expect((await w.dms(Bob.openId)).filter((m) => JSON.stringify(m.content).includes(`#${n} `))).toHaveLength(0);
  });
});
