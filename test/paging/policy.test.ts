import { afterEach, describe, expect, it } from 'vitest';
import { startEscRig, type EscRig } from '../escalation/rig.ts';

// `urgent` on an escalation level (issue 14): validated by PUT /api/v1/sources/:name/escalation.

describe('escalation level urgent setting', () => {
  let rig: EscRig;
  afterEach(() => rig?.close());
  const route = '/api/v1/sources/pay/escalation';

  it('keeps app, sms and phone, and GET returns them', async () => {
    rig = await startEscRig();
    const alice = await rig.member('Alice');
    const levels = (['app', 'sms', 'phone'] as const).map((urgent) => ({ targets: [{ member: alice }], wait_minutes: 5, urgent }));
    expect((await rig.admin('PUT', route, { levels })).status).toBe(200);
    const got = await rig.admin('GET', route);
    expect(got.body.levels.map((l: { urgent?: string }) => l.urgent)).toEqual(['app', 'sms', 'phone']);
  });

  it('refuses another value, naming the field and the allowed ones', async () => {
    rig = await startEscRig();
    const alice = await rig.member('Alice');
    const r = await rig.admin('PUT', route, { levels: [{ targets: [{ member: alice }], wait_minutes: 5, urgent: 'pager' }] });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('levels[0].urgent: must be one of "app", "sms", "phone", got "pager"');
  });
});
