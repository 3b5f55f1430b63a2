import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickLang } from '../../src/web/i18n.ts';
import { Client, oauthLogin, startWebRig, type WebRig } from './harness.ts';

describe('web pages', () => {
  let rig: WebRig;
  beforeAll(async () => {
    rig = await startWebRig({ env: { HARK_ADMINS: 'root@example.com' }, delivery: false });
  });
  afterAll(async () => {
    await rig.close();
  });

  it('inside Lark (user agent), an anonymous visit starts the login at once and keeps the page', async () => {
    const res = await new Client().request(`${rig.url}/h5/incidents/3?x=1`, {
      headers: { 'user-agent': 'Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Lark/7.30.0 LarkLocale/zh_CN' },
    });
    expect(res.status).toBe(302);
    expect(res.location).toBe('/auth/lark/login?next=%2Fh5%2Fincidents%2F3%3Fx%3D1');
  });

  it('a viewer sees incidents but no action buttons, and a forged action form changes nothing', async () => {
    const n = await rig.fire({ title: 'Viewer can look' });
    const viewer = await rig.larkUser('Vic', 'vic@example.com');
    const c = new Client();
    await oauthLogin(rig, c, viewer.open_id);
    const page = await c.request(`${rig.url}/h5/incidents/${n}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('You can look but not act');
    expect(page.text).not.toContain('data-op="ack"');
    const me = await c.request(`${rig.url}/h5/me`);
    const res = await c.request(`${rig.url}/h5/incidents/${n}/ack`, { form: { _csrf: Client.csrfOf(me.text) } });
    expect(res.status).toBe(302);
    const after = await c.request(`${rig.url}${res.location}`);
    expect(after.text).toContain('Viewers cannot change incidents');
    expect((await rig.services.incidents.get(n)).incident.status).toBe('triggered');
    // …and a remembered action stays there for after an admin promotes them.
    const p = await rig.web.pending.remember(viewer.open_id, { op: 'ack', incident: n });
    await c.request(`${rig.url}/h5/pending/${p.id}/finish`, { form: { _csrf: Client.csrfOf(me.text) } });
    expect((await rig.services.incidents.get(n)).incident.status).toBe('triggered');
    expect(await rig.web.pending.listFor(viewer.open_id)).toHaveLength(1);
    // Not an admin: no members page.
    expect((await c.request(`${rig.url}/h5/admin/members`)).status).toBe(403);
  });

  it('finishing a pending action twice performs it once; someone else\'s is not yours', async () => {
    await rig.api('POST', '/api/v1/members', { name: 'Rita', email: 'rita@example.com', role: 'responder' });
    const rita = await rig.larkUser('Rita', 'rita@example.com');
    const other = await rig.larkUser('Otto', 'otto@example.com');
    const n = await rig.fire({ title: 'Twice tapped' });
    const c = new Client();
    await oauthLogin(rig, c, rita.open_id);
    const token = Client.csrfOf((await c.request(`${rig.url}/h5/me`)).text);
    const foreign = await rig.web.pending.remember(other.open_id, { op: 'resolve', incident: n });
    await c.request(`${rig.url}/h5/pending/${foreign.id}/finish`, { form: { _csrf: token } });
    expect((await rig.services.incidents.get(n)).incident.status).toBe('triggered');

    const mine = await rig.web.pending.remember(rita.open_id, { op: 'snooze', incident: n, duration: '2h' });
    const list = await c.request(`${rig.url}/h5`);
    expect(list.text).toContain(`Finish: Snooze 2h #${n}`);
    const [a, b] = await Promise.all([
      c.request(`${rig.url}/h5/pending/${mine.id}/finish`, { form: { _csrf: token } }),
      c.request(`${rig.url}/h5/pending/${mine.id}/finish`, { form: { _csrf: token } }),
    ]);
    expect([a.status, b.status]).toEqual([302, 302]);
    const d = await rig.services.incidents.get(n);
    expect(d.timeline.filter((e) => e.kind === 'snooze')).toHaveLength(1);
    expect(d.incident.snoozedBy?.name).toBe('Rita');
  });

  it("folds a flapping alert's change lines into one timeline item, its lines inside", async () => {
    const n = await rig.fire({ title: 'Flappy', key: 'flappy' });
    for (const status of ['resolved', 'firing', 'resolved', 'firing', 'resolved', 'firing'] as const) await rig.fire({ title: 'Flappy', key: 'flappy', status });
    const flo = await rig.larkUser('Flo', 'flo@example.com');
    const c = new Client();
    await oauthLogin(rig, c, flo.open_id);
    const page = await c.request(`${rig.url}/h5/incidents/${n}`);
    expect(page.status).toBe(200);
    // Changes 5 to 7 (flapping from the 5th): one item; the 3rd change, a plain reopen, stays a line.
    const folds = page.text.match(/<summary>Flapping: (\d+) changes, [^<]+<\/summary>/g) ?? [];
    expect(folds).toHaveLength(1);
    expect(folds[0]).toContain('Flapping: 3 changes, ');
    const inside = page.text.slice(page.text.indexOf('<details>'), page.text.indexOf('</details>'));
    expect(inside).toContain(`#${n} reopened by the alert, 5th change in 60 min`);
    expect(inside).toContain(`#${n} reopened by the alert, 7th change in 60 min`);
    const outside = page.text.slice(page.text.indexOf('</details>'));
    expect(outside).toMatch(new RegExp(`#${n} reopened by the alert: it fired again`));
  });

  it('shows groups with their subscriptions to admins', async () => {
    const root = await rig.larkUser('Root', 'root@example.com');
    await rig.delivery.chats.botAdded('oc_web_test', 'SRE <team>');
    await rig.delivery.chats.subscribe('oc_web_test', 'checkout', { minSeverity: 'warning', labels: ['env=prod'] });
    const c = new Client();
    await oauthLogin(rig, c, root.open_id);
    const page = await c.request(`${rig.url}/h5/admin/groups`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('SRE &lt;team&gt;');
    expect(page.text).toContain('checkout');
    expect(page.text).toContain('from Warning');
    expect(page.text).toContain('env=prod');
  });

  it('answers in Chinese to a Chinese reader, errors included', async () => {
    const res = await new Client().request(`${rig.url}/auth/lark/callback?error=access_denied`, { headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' } });
    expect(res.status).toBe(400);
    expect(res.text).toContain('你拒绝了授权');
    expect(res.text).toContain('重试');
  });

  it('picks the language from Accept-Language with q-values', () => {
    expect(pickLang(undefined)).toBe('en');
    expect(pickLang('zh-CN,zh;q=0.9')).toBe('zh');
    expect(pickLang('en-US,en;q=0.9,zh-CN;q=0.8')).toBe('en');
    expect(pickLang('fr-FR, zh-TW;q=0.5, en;q=0.4')).toBe('zh');
    expect(pickLang('zh;q=0, en')).toBe('en');
    expect(pickLang('de')).toBe('en');
  });
});
