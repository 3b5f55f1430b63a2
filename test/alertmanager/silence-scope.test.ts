import { afterEach, describe, expect, it } from 'vitest';
import { ALERTMANAGER_BIN, startAlertmanager, type RunningAlertmanager } from '../helpers/alertmanager.ts';
import { waitFor } from '../helpers/wait.ts';
import { startAmRig, valueIn, type AmRig } from './rig.ts';

// Issue 29 item 6: a silence no wider than its incident, against a real Alertmanager. Alerts
// grouped without group_by share only env="prod": a silence on that would silence all of prod, so
// Hark requires alertname (or the source's silence_labels) among the matchers, refuses matchers
// that select alerts at Alertmanager outside the incident, and shows the matchers before anyone
// confirms.

describe.skipIf(!ALERTMANAGER_BIN)('how wide a silence may be', () => {
  let rig: AmRig | null = null;
  let am: RunningAlertmanager | null = null;
  afterEach(async () => {
    await am?.stop();
    await rig?.close();
    am = null;
    rig = null;
  });

  /** Alertmanager routing to Hark (grouped by `groupBy`), and team="payments" to another receiver. */
  const config = (r: AmRig, groupBy: string) => `
route:
  receiver: hark
  ${groupBy}
  group_wait: 0s
  group_interval: 1s
  routes:
    - receiver: other
      matchers: ['team="payments"']
receivers:
  - name: other
  - name: hark
    webhook_configs:
      - url: ${r.hark.url}/api/v1/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization: { credentials: ${r.token} }
`;

  async function incidentWith(r: AmRig, alerts: number): Promise<{ n: number; card: { message_id: string; content: any } }> {
    const inc = await waitFor(async () => (await r.incidents())[0], { message: 'the incident', timeout: 15_000 });
    await waitFor(async () => (await r.api('GET', `/api/v1/incidents/${inc.number}`)).body.alerts?.length === alerts, { message: `${alerts} alerts` });
    // The card as it stands once every alert is in (its update goes through the outbox: wait for it).
    await r.say('Alice', `note ${inc.number} all in`);
    const card = await waitFor(
      async () => {
        const c = await r.cardOf(inc.number);
        return JSON.stringify(c.content).includes(`${alerts} firing / ${alerts} total`) ? c : undefined;
      },
      { message: `the card showing ${alerts} alerts` },
    );
    return { n: inc.number, card };
  }

  it('refuses to silence alerts that share only env="prod", saying why on the card and in the answer', async () => {
    rig = await startAmRig();
    const r = rig;
    am = await startAlertmanager(config(r, ''));
    expect((await r.api('PATCH', '/api/v1/sources/prom', { alertmanager_url: am.url })).status).toBe(200);
    await am.postAlerts([
      { labels: { alertname: 'DiskFull', env: 'prod', instance: 'db1' } },
      { labels: { alertname: 'CPUHigh', env: 'prod', instance: 'web1' } },
    ]);
    const { n, card } = await incidentWith(r, 2);
    const text = JSON.stringify(card.content);
    expect(text).toContain('Hark will not silence these alerts: they do not share one alertname, so a silence on what they share (env=');
    // No silence button or duration box to press.
    expect(() => valueIn(card.content, 'silence', '4h')).toThrow();
    expect(() => valueIn(card.content, 'silence')).toThrow();
    expect(await r.say('Alice', `silence ${n} 30d`)).toEqual([
      `Hark will not silence #${n}: its alerts do not share one "alertname", so a silence on what they share (env="prod") would also silence unrelated alerts; ` +
        'silence them at Alertmanager one by one, or group them by alertname.',
    ]);
    const api = await r.api('POST', `/api/v1/incidents/${n}/silence`, { duration: '30d' });
    expect(api).toMatchObject({ status: 400, body: { error: { code: 'invalid', message: expect.stringMatching(/^Hark will not silence #\d+: its alerts do not share one "alertname"/) } } });
    expect(await am.silences()).toEqual([]);
  });

  it('refuses matchers that also select alerts outside the incident, and shows the matchers before confirming', async () => {
    rig = await startAmRig();
    const r = rig;
    am = await startAlertmanager(config(r, "group_by: ['alertname']"));
    expect((await r.api('PATCH', '/api/v1/sources/prom', { alertmanager_url: am.url })).status).toBe(200);
    await am.postAlerts([
      { labels: { alertname: 'DiskFull', env: 'prod', instance: 'db1' } },
      { labels: { alertname: 'DiskFull', env: 'prod', instance: 'db2' } },
      // Another team's DiskFull in prod, routed elsewhere: never part of Hark's incident.
      { labels: { alertname: 'DiskFull', env: 'prod', instance: 'pay1', team: 'payments' } },
    ]);
    const { n, card } = await incidentWith(r, 2);
    // The card says what a silence would match, and each button asks before it silences.
    const text = JSON.stringify(card.content);
    expect(text).toContain('A silence matches alerts with alertname=&#34;DiskFull&#34;, env=&#34;prod&#34;');
    expect(text).toContain('Alertmanager will silence every alert matching alertname=\\"DiskFull\\", env=\\"prod\\".');
    const press = await r.click(card.message_id, 'Alice', valueIn(card.content, 'silence', '4h'));
    expect(press.toast).toMatchObject({
      type: 'warning',
      content:
        `Hark will not silence #${n}: alertname="DiskFull", env="prod" also matches 1 alert at Alertmanager that is not part of #${n} ` +
        '(e.g. instance="pay1", team="payments"), and the silence would hide them too.',
    });
    expect(await am.silences()).toEqual([]);

    // Once the other team's alert is gone, the same button silences exactly the incident's alerts.
    await am.postAlerts([{ labels: { alertname: 'DiskFull', env: 'prod', instance: 'pay1', team: 'payments' } }], -500);
    await waitFor(async () => (await am!.alerts({ instance: 'pay1' })).length === 0, { message: 'the payments alert resolved' });
    const ok = await r.click(card.message_id, 'Alice', valueIn(card.content, 'silence', '4h'));
    expect(ok.toast.type).toBe('success');
    expect(ok.toast.content).toMatch(/: alerts matching alertname="DiskFull", env="prod"\.$/);

    // A source may require more labels: then these two instances are not silenced together.
    expect(await r.say('Alice', `unsilence ${n}`)).toEqual([`#${n} unsilenced by Alice: its alerts notify again.`]);
    expect((await r.api('PATCH', '/api/v1/sources/prom', { silence_labels: ['alertname', 'instance'] })).body.silence_labels).toEqual(['alertname', 'instance']);
    expect(await r.say('Alice', `silence ${n} 1h`)).toEqual([expect.stringMatching(new RegExp(`^Hark will not silence #${n}: its alerts do not share one "instance"`))]);
  });
});
