import { afterEach, describe, expect, it } from 'vitest';
import { startRig, waitReady, type Rig } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';

/** The value of one series in Prometheus' text format, or null when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_:]+)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return null;
}

describe('metrics move under traffic', { timeout: 120_000 }, () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  const metrics = async () => (await rig!.api('GET', '/metrics')).body as string;
  const until = (what: string, check: (m: string) => boolean) =>
    waitFor(async () => check(await metrics()), { timeout: 30_000, message: what });

  it('counts requests, cards, clicks, incidents, timers, the backlog and Lark refusals', async () => {
    rig = await startRig({ env: { HARK_PUBLIC_URL: 'https://hark.example.com' } });
    await waitReady(rig);
    await until('hark_lark_connected 1', (m) => sample(m, 'hark_lark_connected') === 1);

    const alice = await rig.emu('POST', '/__emulator/users', { name: 'Alice', email: 'alice@example.com' });
    expect((await rig.api('POST', '/api/v1/members', { name: 'Alice', email: 'alice@example.com', role: 'admin', lark_open_id: alice.open_id })).status).toBe(201);
    const source = (await rig.api('POST', '/api/v1/sources', { name: 'pay', kind: 'generic' })).body;
    const { chat_id } = await rig.emu('POST', '/__emulator/chats', { name: 'SRE', members: [alice.open_id], add_bot: true });
    await waitFor(async () => (await rig!.api('GET', '/api/v1/chats')).body.items.some((c: any) => c.chat_id === chat_id), { message: 'Hark knows the group' });
    expect((await rig.api('PUT', `/api/v1/chats/${chat_id}/subscriptions/pay`, { min_severity: 'info' })).status).toBe(200);
    // Level 1 pages Alice privately; level 2 falls due 0.3 s later and pages her again.
    const policy = await rig.api('PUT', '/api/v1/sources/pay/escalation', {
      levels: [
        { targets: [{ member: 'alice@example.com' }], wait_minutes: 0.005 },
        { targets: [{ member: 'alice@example.com' }], wait_minutes: 0.005 },
      ],
    });
    expect(policy.status).toBe(200);

    const fired = await rig.api('POST', '/api/v1/alerts', { title: 'Disk full', severity: 'critical', alert_key: 'disk' }, source.token);
    expect(fired.status).toBeLessThan(300);
    const m1 = await until('the card sent and the incident counted', (m) =>
      (sample(m, 'hark_deliveries_total', { result: 'sent' }) ?? 0) >= 2 &&
      sample(m, 'hark_incidents', { status: 'triggered', severity: 'critical' }) === 1,
    );
    expect(m1).toBe(true);
    let m = await metrics();
    expect(sample(m, 'hark_http_request_duration_seconds_count', { route: '/api/v1/alerts', method: 'POST', status: String(fired.status) })).toBe(1);
    expect(sample(m, 'hark_http_request_duration_seconds_count', { route: '/api/v1/sources/:name/escalation', method: 'PUT', status: '200' })).toBe(1);
    expect(sample(m, 'hark_incidents', { status: 'acknowledged', severity: 'critical' })).toBe(0);
    await until('the level-2 timer fired, its lag observed', (x) => (sample(x, 'hark_timer_lag_seconds_count', { kind: 'escalate' }) ?? 0) >= 1);

    // A click on the group's card: timed, and the incident moves to acknowledged.
    const card = await waitFor(async () => {
      const items = (await rig!.emu('GET', `/__emulator/messages?chat_id=${chat_id}`)).items;
      return items.find((i: any) => i.msg_type === 'interactive' && JSON.stringify(i.content).includes('Disk full'));
    }, { message: "the incident's card in the group" });
    const click = await rig.emu('POST', '/__emulator/click', { message_id: card.message_id, operator_open_id: alice.open_id, value: { v: 1, op: 'ack', incident: 1 } });
    expect(JSON.stringify(click.response), JSON.stringify(click.response)).toContain("cknowledged");
    m = await metrics();
    expect(sample(m, 'hark_click_duration_seconds_count')).toBe(1);
    expect(sample(m, 'hark_incidents', { status: 'acknowledged', severity: 'critical' })).toBe(1);
    expect(sample(m, 'hark_incidents', { status: 'triggered', severity: 'critical' })).toBe(0);

    // Lark refuses with its rate limit: the refusal is counted by code and the card waits in the outbox.
    await until('the outbox drained', (x) => sample(x, 'hark_outbox_pending') === 0);
    await rig.emu('POST', '/__emulator/faults', { error_rate: { path_prefix: '/open-apis/im', rate: 1, status: 429, code: 99991400 } });
    await rig.api('POST', '/api/v1/alerts', { title: 'CPU hot', severity: 'warning', alert_key: 'cpu' }, source.token);
    const backlog = await until('a rate-limited card waiting', (x) =>
      (sample(x, 'hark_lark_rate_limited_total', { code: '99991400' }) ?? 0) >= 1 && (sample(x, 'hark_outbox_pending') ?? 0) >= 1,
    );
    expect(backlog).toBe(true);
    await until('the oldest waiting card ages', (x) => (sample(x, 'hark_outbox_oldest_age_seconds') ?? 0) > 0);
    expect(sample(await metrics(), 'hark_deliveries_total', { result: 'rate_limited' })).toBeGreaterThanOrEqual(1);
    await rig.emu('POST', '/__emulator/faults', { error_rate: null });
    await until('the backlog delivered once Lark accepts again', (x) => sample(x, 'hark_outbox_pending') === 0 && sample(x, 'hark_outbox_oldest_age_seconds') === 0);
    expect(sample(await metrics(), 'hark_incidents', { status: 'triggered', severity: 'warning' })).toBe(1);

    // The long connection itself reports going down.
    await rig.emulator.close();
    await until('hark_lark_connected 0', (x) => sample(x, 'hark_lark_connected') === 0);
  });

  it('serves /metrics on HARK_METRICS_PORT only, when set', async () => {
    rig = await startRig({ env: { HARK_METRICS_PORT: '0' } });
    expect(rig.hark.metricsPort).toBeGreaterThan(0);
    expect((await rig.api('GET', '/metrics')).status).toBe(404);
    await rig.api('GET', '/healthz');
    const res = await fetch(`http://127.0.0.1:${rig.hark.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(sample(text, 'hark_http_request_duration_seconds_count', { route: '/healthz', method: 'GET', status: '200' })).toBe(1);
    expect(sample(text, 'hark_http_request_duration_seconds_count', { route: 'unmatched', method: 'GET', status: '404' })).toBe(1);
  });
});
