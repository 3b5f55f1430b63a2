import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startBotRig, type BotRig } from '../bot/helpers.ts';
import { ADMIN_TOKEN } from '../helpers/api.ts';

// Issue 19, defect 5: `=~` / `!~` subscription matchers are RE2, as in Alertmanager: linear time
// whatever the pattern, Alertmanager's syntax, and a pattern RE2 refuses is a 400 at subscribe time.
describe('subscription regex matchers are RE2', () => {
  let rig: BotRig | undefined;
  let server: http.Server | undefined;
  afterEach(async () => {
    if (server) await new Promise<void>((r) => server!.close(() => r()));
    await rig?.close();
    rig = server = undefined;
  });

  it('a backtracking pattern cannot stall delivery, and RE2 syntax ([[:alpha:]]) means what it means in Alertmanager', async () => {
    rig = await startBotRig();
    const alice = await rig.person('Alice', 'responder');
    const stall = await rig.group('stall', [alice]);
    const posix = await rig.group('posix', [alice]);
    await rig.delivery.chats.subscribe(stall, 'prom', { labels: ['alertname=~"(a+)+b"'] });
    await rig.delivery.chats.subscribe(posix, 'prom', { labels: ['alertname=~"[[:alpha:]]+"'] });

    // 40 a's and no b: JavaScript's backtracking RegExp would take hours on this; RE2 answers at once.
    const evil = await rig.fire(`${'a'.repeat(40)}c`);
    const good = await rig.fire('aaab');
    expect(await rig.cardIn(stall, good)).toMatch(/^om_/);
    expect(await rig.cardIn(posix, evil)).toMatch(/^om_/);
    await rig.settled();
    const inStall = await rig.store.db.selectFrom('incident_messages').select('incident_number').where('target_id', '=', stall).execute();
    expect(inStall.map((r) => Number(r.incident_number))).toEqual([good]);
  });

  it('refuses at subscribe time, with a 400 naming the problem, a pattern RE2 does not accept', async () => {
    rig = await startBotRig();
    const alice = await rig.person('Alice', 'responder');
    const chat = await rig.group('ops', [alice], { subscribe: false });
    const token = ADMIN_TOKEN;
    server = http.createServer(rig.hark.app.callback());
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/chats/${chat}/subscriptions/prom`;
    const put = async (labels: unknown) => {
      const res = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ labels }),
      });
      return { status: res.status, body: await res.json() };
    };
    for (const pattern of ['(a)\\1', '(?=x)x', 'a(?!b)']) {
      const r = await put([`alertname=~"${pattern.replace(/\\/g, '\\\\')}"`]);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid');
      expect(r.body.error.message).toContain('is not a valid RE2 regular expression');
      expect(r.body.error.message).toContain('"alertname"');
    }
    expect((await rig.delivery.chats.subscriptionsOf(chat)).length).toBe(0);
    expect((await put(['alertname=~"Disk.*"'])).status).toBe(200);
  });
});
