import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEscRig, type EscRig } from './rig.ts';

// PUT/GET/DELETE /api/v1/sources/:name/escalation (README "Escalation"): validation answers 400 naming
// the field and the problem.
describe('escalation policy API', () => {
  let rig: EscRig;
  const route = '/api/v1/sources/pay/escalation';
  beforeEach(async () => {
    rig = await startEscRig();
    await rig.member('Alice', { openId: 'ou_alice' });
    await rig.chat('oc_sre', 'pay-sre');
  });
  afterEach(() => rig.close());

  it('stores a policy and reads it back, normalised', async () => {
    const body = {
      levels: [
        { targets: [{ member: ' Alice@Example.com ' }], wait_minutes: 0.05 },
        { targets: [{ chat: 'oc_sre' }, { member: 'alice@example.com' }], wait_minutes: 10 },
      ],
      repeat: 2,
    };
    const put = await rig.admin('PUT', route, body);
    expect(put.status).toBe(200);
    const expected = {
      source: 'pay',
      levels: [
        { targets: [{ member: 'alice@example.com' }], wait_minutes: 0.05 },
        { targets: [{ chat: 'oc_sre' }, { member: 'alice@example.com' }], wait_minutes: 10 },
      ],
      repeat: 2,
    };
    expect(put.body).toEqual(expected);
    expect((await rig.admin('GET', route)).body).toEqual(expected);
  });

  it('answers an empty policy for a source without one, and DELETE removes one', async () => {
    expect((await rig.admin('GET', route)).body).toEqual({ source: 'pay', levels: [], repeat: 0 });
    await rig.policy({ levels: [{ targets: [{ member: 'alice@example.com' }], wait_minutes: 1 }] });
    expect((await rig.admin('GET', route)).body.repeat).toBe(0);
    expect((await rig.admin('DELETE', route)).status).toBe(204);
    expect((await rig.admin('GET', route)).body.levels).toEqual([]);
  });

  it('refuses an unknown member, naming the email and where it is', async () => {
    const r = await rig.admin('PUT', route, {
      levels: [{ targets: [{ member: 'alice@example.com' }, { member: 'nobody@example.com' }], wait_minutes: 1 }],
    });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('levels[0].targets[1].member: no member with email nobody@example.com');
  });

  it('refuses a group Hark is not in', async () => {
    const r = await rig.admin('PUT', route, { levels: [{ targets: [{ chat: 'oc_unknown' }], wait_minutes: 1 }] });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('levels[0].targets[0].chat: Hark is not in a group with chat_id oc_unknown');
  });

  it.each([
    [{ levels: [] }, 'levels: must have at least one level'],
    [{ levels: [{ targets: [{ member: 'alice@example.com' }], wait_minutes: -1 }] }, 'levels[0].wait_minutes: must not be negative'],
    [{ levels: [{ targets: [{ member: 'alice@example.com' }], wait_minutes: 0 }] }, 'levels[0].wait_minutes: must be greater than 0'],
    [{ levels: [{ targets: [{ member: 'alice@example.com' }], wait_minutes: '5' }] }, 'levels[0].wait_minutes: expected number, got string'],
    [{ levels: [{ targets: [], wait_minutes: 1 }] }, 'levels[0].targets: must name at least one member or chat'],
    [{ levels: [{ targets: [{ member: 'alice@example.com', chat: 'oc_sre' }], wait_minutes: 1 }] }, 'levels[0].targets[0]: must be either'],
    [{ levels: [{ targets: [{ user: 'alice' }], wait_minutes: 1 }] }, 'levels[0].targets[0]: unrecognized key'],
    [{ levels: [{ targets: [{ member: 'alice' }], wait_minutes: 1 }] }, 'levels[0].targets[0].member: must be a member email address'],
    [{ levels: [{ targets: [{ member: 'alice@example.com' }], wait_minutes: 1 }], repeat: -1 }, 'repeat: must not be negative'],
    [{ levels: [{ targets: [{ member: 'alice@example.com' }], wait_minutes: 1 }], repeat: 1.5 }, 'repeat: expected integer, got float'],
    [{}, 'levels: is required'],
  ])('refuses %j', async (body, message) => {
    const r = await rig.admin('PUT', route, body);
    expect(r.status).toBe(400);
    expect(r.body.error.message.toLowerCase()).toContain(message.toLowerCase());
  });

  it('is for admins only and 404s an unknown source', async () => {
    expect((await rig.admin('GET', route, undefined, null)).status).toBe(401);
    expect((await rig.admin('PUT', route, { levels: [] }, 'wrong')).status).toBe(401);
    const r = await rig.admin('GET', '/api/v1/sources/nope/escalation');
    expect(r.status).toBe(404);
    expect(r.body.error.message).toContain('source "nope" does not exist');
  });
});
