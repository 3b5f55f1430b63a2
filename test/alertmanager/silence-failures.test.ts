import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { startAmRig, valueIn, type AmRig } from './rig.ts';

// When Alertmanager is unreachable, refuses, or is slow: the clicker gets a toast saying which,
// the timeline records it, nothing else changes (no silence, the card as it was), and the button
// works once Alertmanager answers again. The incident comes in as Alertmanager's webhook would
// send it; "Alertmanager" here is a small HTTP server that misbehaves on purpose (and, for a Grafana
// source, stands in for Grafana's Alertmanager-compatible API, which the tests cannot run).

interface FakeAm {
  url: string;
  mode: 'refuse' | 'hang' | 'ok';
  requests: { method: string; url: string; auth?: string; body: string }[];
  close(): Promise<void>;
}

async function fakeAlertmanager(): Promise<FakeAm> {
  const hanging: http.ServerResponse[] = [];
  const fake: FakeAm = { url: '', mode: 'refuse', requests: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      fake.requests.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      if (fake.mode === 'hang') return void hanging.push(res);
      if (fake.mode === 'refuse') {
        res.writeHead(403, { 'content-type': 'text/plain' });
        return void res.end('forbidden by proxy');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      // Hark lists silences and the alerts a silence would match before it creates one.
      if (req.method === 'GET') return void res.end('[]');
      res.end(JSON.stringify({ silenceID: 'silence-ok-1' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/proxy`;
  fake.close = async () => {
    for (const r of hanging) r.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return fake;
}

/** A port nothing listens on: bound, read, closed. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('silence when Alertmanager fails', () => {
  let rig: AmRig | null = null;
  let fake: FakeAm | null = null;
  afterEach(async () => {
    await fake?.close();
    await rig?.close();
    rig = null;
    fake = null;
  });

  it('unreachable, refusing (403) and slow each get a clear toast and a timeline line; then it works', async () => {
    rig = await startAmRig({ env: { HARK_ALERTMANAGER_TIMEOUT_MS: '400' } });
    const r = rig;
    fake = await fakeAlertmanager();
    // The webhook Alertmanager would send, for one alert group.
    const labels = { alertname: 'DiskFull', instance: 'db1', severity: 'critical' };
    const webhook = await fetch(`${r.hark.url}/api/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${r.token}` },
      body: JSON.stringify({
        version: '4', groupKey: '{}:{alertname="DiskFull"}', status: 'firing', receiver: 'hark',
        groupLabels: { alertname: 'DiskFull' }, commonLabels: labels, commonAnnotations: {},
        alerts: [{ status: 'firing', labels, annotations: {}, startsAt: new Date().toISOString(), fingerprint: 'f1' }],
      }),
    });
    const n = (await webhook.json()).incident as number;
    const card = await r.cardOf(n);
    // No alertmanager_url yet: no Silence on the card; the command explains how to set it.
    expect(() => valueIn(card.content, 'silence', '1h')).toThrow();
    // (Text replies defuse URLs with a zero-width space so Lark does not link them.)
    expect(await r.say('Alice', `silence ${n} 1h`)).toEqual([
      expect.stringMatching(/^source prom has no alertmanager_url; an admin sets it with PATCH \/api\/v1\/sources\/prom \{"alertmanager_url": "http\u200b?:\/\/alertmanager:9093"\}\.$/),
    ]);

    const port = await closedPort();
    await r.api('PATCH', '/api/v1/sources/prom', { alertmanager_url: `http://127.0.0.1:${port}` });
    // The card offers Silence once the source has an Alertmanager (its copies are redrawn on the next change).
    const value = valueIn((await r.click(card.message_id, 'Alice', { v: 1, op: 'ack', incident: n })).card.data, 'silence', '1h');
    const before = await r.api('GET', `/api/v1/incidents/${n}`);

    const unreachable = await r.click(card.message_id, 'Alice', value);
    expect(unreachable.toast.type).toBe('error');
    expect(unreachable.toast.content).toMatch(new RegExp(`^Could not silence #${n} for 1h: cannot reach Alertmanager at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)\\. Nothing changed; try again\\.$`));
    expect(unreachable.card).toBeUndefined();

    await r.api('PATCH', '/api/v1/sources/prom', { alertmanager_url: fake.url, alertmanager_token: 'proxy-secret' });
    fake.mode = 'refuse';
    const refused = await r.click(card.message_id, 'Alice', value);
    expect(refused.toast.content).toMatch(/: Alertmanager at 127\.0\.0\.1:\d+ refused: 403 forbidden by proxy \(check alertmanager_token\)\. Nothing changed; try again\.$/);
    // (Hark first lists the silences Alertmanager holds, with the same token; the proxy refused that.)
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', url: '/proxy/api/v2/silences', auth: 'Bearer proxy-secret' });

    fake.mode = 'hang';
    const slow = await r.click(card.message_id, 'Alice', value);
    expect(slow.toast.type).toBe('error');
    expect(slow.toast.content).toMatch(/did not answer within 0\.4 s\. Nothing changed; try again\.$/);
    expect(slow.toast.i18n.zh_cn).toMatch(/^静默操作失败：/);

    // Nothing else changed: same status and version, no silence kept; three timeline lines say why.
    const after = await r.api('GET', `/api/v1/incidents/${n}`);
    expect(after.body.status).toBe(before.body.status);
    expect(after.body.version ?? null).toBe(before.body.version ?? null);
    expect(await r.hark.store.db.selectFrom('silences').selectAll().execute()).toEqual([]);
    const failures = (await r.timeline(n)).filter((m) => m.startsWith(`could not silence #${n}`));
    expect(failures).toHaveLength(3);
    expect(failures[0]).toMatch(/cannot reach/);
    expect(failures[1]).toMatch(/refused: 403/);
    expect(failures[2]).toMatch(/did not answer/);
    // The API says the same, as 502.
    const api = await r.api('POST', `/api/v1/incidents/${n}/silence`, { duration: '1h' });
    expect(api).toMatchObject({ status: 502, body: { error: { code: 'upstream', message: expect.stringMatching(/did not answer within 0\.4 s$/) } } });

    // The same button works once Alertmanager answers.
    fake.mode = 'ok';
    const ok = await r.click(card.message_id, 'Alice', value);
    expect(ok.toast.type).toBe('success');
    const sent = JSON.parse(fake.requests.at(-1)!.body);
    expect(sent).toMatchObject({ createdBy: 'Alice', matchers: [
      { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
      { name: 'instance', value: 'db1', isRegex: false, isEqual: true },
      { name: 'severity', value: 'critical', isRegex: false, isEqual: true },
    ] });
    await waitFor(async () => (await r.timeline(n)).some((m) => m.includes('Alertmanager silence silence-ok-1')), { message: 'silence on the timeline' });
  });

  it('a Grafana source silences through Grafana\'s Alertmanager-compatible API', async () => {
    rig = await startAmRig();
    const r = rig;
    fake = await fakeAlertmanager();
    fake.mode = 'ok';
    const created = await r.api('POST', '/api/v1/sources', { name: 'grafana', kind: 'grafana' });
    await r.api('PUT', `/api/v1/chats/${r.chat}/subscriptions/grafana`, {});
    const grafanaUrl = fake.url.replace(/\/proxy$/, '/api/alertmanager/grafana');
    const set = await r.api('PATCH', '/api/v1/sources/grafana', { alertmanager_url: grafanaUrl, alertmanager_token: 'glsa_service_account' });
    expect(set.status).toBe(200);
    const res = await fetch(`${r.hark.url}/api/v1/alerts/grafana`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${created.body.token}` },
      body: fs.readFileSync(path.join(import.meta.dirname, '../fixtures/grafana/firing.json'), 'utf8'),
    });
    const n = (await res.json()).incident as number;
    const card = await r.cardOf(n);
    const answer = await r.click(card.message_id, 'Alice', valueIn(card.content, 'silence', '24h'));
    expect(answer.toast.type).toBe('success');
    const call = fake.requests.at(-1)!;
    expect(call).toMatchObject({ method: 'POST', url: '/api/alertmanager/grafana/api/v2/silences', auth: 'Bearer glsa_service_account' });
    const body = JSON.parse(call.body);
    // The labels both Grafana alerts share (they differ in region and severity).
    expect(body.matchers.map((m: { name: string }) => m.name)).toEqual(['alertname', 'grafana_folder', 'service']);
    expect(body.createdBy).toBe('Alice');
    const un = await r.click(card.message_id, 'Alice', valueIn(answer.card.data, 'unsilence'));
    expect(un.toast.type).toBe('success');
    expect(fake.requests.at(-1)).toMatchObject({ method: 'DELETE', url: '/api/alertmanager/grafana/api/v2/silence/silence-ok-1' });
  });

  it('PATCH /api/v1/sources/:name refuses what it cannot use, naming the field', async () => {
    rig = await startAmRig();
    const r = rig;
    const patch = (body: unknown, name = 'prom') => r.api('PATCH', `/api/v1/sources/${name}`, body);
    const msg = async (body: unknown, name?: string) => {
      const res = await patch(body, name);
      return [res.status, res.body?.error?.message];
    };
    expect(await msg({})).toEqual([400, 'body: nothing to change: send at least one of alertmanager_url, alertmanager_token, heartbeat_minutes, silence_labels, war_room, reopen_minutes, flap']);
    expect(await msg({ alertmanager_url: 'ftp://am' })).toEqual([400, expect.stringMatching(/^alertmanager_url: must be the http\(s\) base URL of Alertmanager/)]);
    expect(await msg({ alertmanager_url: 42 })).toEqual([400, 'alertmanager_url: expected string, got number']);
    expect(await msg({ alertmanager_token: '' })).toEqual([400, 'alertmanager_token: must not be empty; use null to remove it']);
    expect(await msg({ heartbeat_minutes: -1 })).toEqual([400, 'heartbeat_minutes: must not be negative (0 or null turns the heartbeat off)']);
    expect(await msg({ heartbeat_minutes: '5' })).toEqual([400, 'heartbeat_minutes: expected number, got string']);
    expect(await msg({ heartbeat_minutes: 20_000 })).toEqual([400, 'heartbeat_minutes: must be at most 10080 (one week)']);
    // Issue 29: whole minutes only (0.01 paged six times in 9 s); no credentials in the URL (they
    // were shown back in toasts and on the timeline); a minimum label set for silences.
    expect(await msg({ heartbeat_minutes: 0.01 })).toEqual([400, 'heartbeat_minutes: must be a whole number of minutes, at least 1 (0 or null turns the heartbeat off)']);
    expect(await msg({ heartbeat_minutes: 1.5 })).toEqual([400, 'heartbeat_minutes: must be a whole number of minutes, at least 1 (0 or null turns the heartbeat off)']);
    for (const url of ['http://admin:hunter2@am:9093', 'https://glsa_token@grafana.example.com/api/alertmanager/grafana']) {
      expect(await msg({ alertmanager_url: url })).toEqual([
        400,
        'alertmanager_url: must not contain a user name or password (they would be shown back); put the credential in alertmanager_token, which Hark sends as "Authorization: Bearer" and never shows',
      ]);
    }
    expect(await msg({ silence_labels: [] })).toEqual([400, expect.stringMatching(/^silence_labels: must name at least one label/)]);
    expect(await msg({ silence_labels: ['alert name'] })).toEqual([400, 'silence_labels[0]: each must be a Prometheus label name, e.g. "alertname"']);
    expect(await msg({ heartbat_minutes: 5 })).toEqual([400, 'heartbat_minutes: is not a field of a source; this route takes alertmanager_url, alertmanager_token, heartbeat_minutes, silence_labels, war_room, reopen_minutes, flap']);
    expect(await msg({ heartbeat_minutes: 5 }, 'nope')).toEqual([404, 'no source named "nope"; create it with POST /api/v1/sources']);
    await r.api('POST', '/api/v1/sources', { name: 'curl', kind: 'generic' });
    expect(await msg({ alertmanager_url: 'http://am:9093' }, 'curl')).toEqual([
      400,
      'alertmanager_url: source curl is of kind generic; only alertmanager and grafana sources have an Alertmanager to silence at',
    ]);
    expect((await r.api('PATCH', '/api/v1/sources/prom', { heartbeat_minutes: 5 }, 'wrong-token')).status).toBe(401);
    // Accepted: the token is never shown back; null clears.
    expect(await patch({ alertmanager_url: 'http://am:9093/', alertmanager_token: 't0k3n', heartbeat_minutes: 5 })).toEqual({
      status: 200,
      body: {
        name: 'prom', kind: 'alertmanager', alertmanager_url: 'http://am:9093', alertmanager_token_set: true,
        heartbeat_minutes: 5, heartbeat_last_ping: null, heartbeat_next_check: null, silence_labels: ['alertname'],
        // The route answers the source with every feature's settings (war rooms' too).
        created_at: expect.any(String), war_room: { auto_for: null }, reopen_minutes: 10, flap: { changes: 4, minutes: 60 },
      },
    });
    expect((await patch({ alertmanager_token: null, heartbeat_minutes: 0 })).body).toMatchObject({ alertmanager_token_set: false, heartbeat_minutes: null });
  });

  it('never shows the credentials of an alertmanager_url stored before they were refused (issue 29)', async () => {
    rig = await startAmRig({ env: { HARK_ALERTMANAGER_TIMEOUT_MS: '400' } });
    const r = rig;
    const port = await closedPort();
    // As an older Hark accepted it (the API refuses it now).
    await r.hark.store.db.updateTable('sources').set({ alertmanager_url: `http://admin:hunter2@127.0.0.1:${port}` }).where('name', '=', 'prom').execute();
    const labels = { alertname: 'DiskFull', instance: 'db1' };
    const webhook = await fetch(`${r.hark.url}/api/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${r.token}` },
      body: JSON.stringify({
        version: '4', groupKey: '{}:{alertname="DiskFull"}', status: 'firing', receiver: 'hark',
        groupLabels: { alertname: 'DiskFull' }, commonLabels: labels, commonAnnotations: {},
        alerts: [{ status: 'firing', labels, annotations: {}, startsAt: new Date().toISOString(), fingerprint: 'f1' }],
      }),
    });
    const n = (await webhook.json()).incident as number;
    const card = await r.cardOf(n);
    const press = await r.click(card.message_id, 'Alice', valueIn(card.content, 'silence', '1h'));
    expect(press.toast.content).toBe(
      `Could not silence #${n} for 1h: alertmanager_url contains a user name or password, which Hark does not send: ` +
        'set alertmanager_url again without them and put the credential in alertmanager_token. Nothing changed; try again.',
    );
    const said = await r.say('Alice', `unsilence ${n}`);
    const api = await r.api('POST', `/api/v1/incidents/${n}/silence`, { duration: '1h' });
    const view = await r.api('PATCH', '/api/v1/sources/prom', { heartbeat_minutes: 5 });
    expect(view.body.alertmanager_url).toBe(`http://admin:***@127.0.0.1:${port}/`);
    const everything = JSON.stringify([press, said, api, view, await r.timeline(n)]);
    expect(everything).not.toContain('hunter2');
  });
});
