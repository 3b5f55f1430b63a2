import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startRig, waitReady, type Rig } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';

// The configuration file over HTTP against the real service and the emulator: plan and apply the
// shipped example as a pipeline would, then an alert of an applied source reaches the groups its
// routes name.

const EXAMPLE = fs.readFileSync('examples/hark.yaml', 'utf8');

async function post(rig: Rig, route: string, body: string, token: string | null = ADMIN_TOKEN) {
  const res = await fetch(rig.hark.url + route, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('POST /api/v1/config/plan and /apply', () => {
  let rig: Rig;
  let sre: string;
  beforeAll(async () => {
    rig = await startRig();
    await waitReady(rig);
    const alice = await rig.emu('POST', '/__emulator/users', { name: 'Alice', email: 'alice@example.com' });
    sre = (await rig.emu('POST', '/__emulator/chats', { name: 'SRE on-call', members: [alice.open_id], add_bot: true })).chat_id;
    await rig.emu('POST', '/__emulator/chats', { name: 'Payments on-call', members: [alice.open_id], add_bot: true });
    await waitFor(async () => (await rig.api('GET', '/api/v1/chats')).body.items.length === 2, { message: 'Hark knows both groups' });
  });
  afterAll(() => rig?.close());

  it('refuses a caller without a token, and a file with problems names each at its line', async () => {
    expect((await post(rig, '/api/v1/config/plan', EXAMPLE, null)).status).toBe(401);
    const bad = await post(rig, '/api/v1/config/plan', EXAMPLE.replace('kind: generic', 'kind: nagios'));
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^body:\d+:\d+: sources\[0\]\.kind: must be one of "alertmanager", "grafana", "generic", got "nagios"$/);
    expect(bad.body.error.details.problems[0]).toMatchObject({ field: 'sources[0].kind' });
  });

  it('plans, applies (tokens shown once), then plans as no change; the applied routing delivers', async () => {
    const plan = await post(rig, '/api/v1/config/plan', EXAMPLE);
    expect(plan.status).toBe(200);
    expect(plan.body.changes).toContainEqual({ op: 'create', kind: 'source', name: 'payments-am' });
    const applied = await post(rig, '/api/v1/config/apply', EXAMPLE);
    expect(applied.status).toBe(200);
    expect(applied.body.changes).toEqual(plan.body.changes);
    const token = applied.body.tokens.find((t: any) => t.source === 'demo').token;
    expect((await post(rig, '/api/v1/config/plan', EXAMPLE)).body).toEqual({ changes: [] });

    const alert = await rig.api('POST', '/api/v1/alerts', { title: 'Disk full on db-1', severity: 'warning', alert_key: 'disk-1' }, token);
    expect(alert.status).toBeLessThan(300);
    await waitFor(async () => (await rig.emu('GET', `/__emulator/messages?chat_id=${sre}`)).items.some((m: any) => JSON.stringify(m).includes('Disk full on db-1')), {
      message: 'the card in SRE on-call',
    });
  });
});
