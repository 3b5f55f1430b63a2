import { afterEach, describe, expect, it } from 'vitest';
import { ALERTMANAGER_BIN, startAlertmanager, type RunningAlertmanager } from '../helpers/alertmanager.ts';
import { waitFor } from '../helpers/wait.ts';
import { startAmRig, valueIn, type AmRig } from './rig.ts';

// Silences from Lark against a real Alertmanager: its webhook opens the incident in Hark, the card's
// "Silence ▾" makes a silence there that really suppresses the incident's alerts (and only those),
// "Unsilence" expires it, and the commands do the same in English and Chinese.

describe.skipIf(!ALERTMANAGER_BIN)('silences at a real Alertmanager', () => {
  let rig: AmRig | null = null;
  let am: RunningAlertmanager | null = null;
  afterEach(async () => {
    await am?.stop();
    await rig?.close();
    am = null;
    rig = null;
  });

  async function setUp(): Promise<{ n: number; card: { message_id: string; content: any } }> {
    rig = await startAmRig({ people: { Alice: 'responder', Vera: 'viewer' } });
    am = await startAlertmanager(rig.amConfig());
    const patched = await rig.api('PATCH', '/api/v1/sources/prom', { alertmanager_url: am.url });
    expect(patched).toMatchObject({ status: 200, body: { name: 'prom', alertmanager_url: am.url, alertmanager_token_set: false } });
    await am.postAlerts([
      { labels: { alertname: 'DiskFull', instance: 'db1', severity: 'critical', team: 'storage' } },
      { labels: { alertname: 'DiskFull', instance: 'db2', severity: 'critical', team: 'storage' } },
      { labels: { alertname: 'CPUHigh', instance: 'db1', severity: 'warning', team: 'storage' } },
    ]);
    const inc = await waitFor(
      async () => (await rig!.incidents()).find((i) => i.title === 'DiskFull' && i.status === 'triggered'),
      { message: 'Alertmanager\'s webhook opened the DiskFull incident', timeout: 15_000 },
    );
    await waitFor(async () => (await rig!.api('GET', `/api/v1/incidents/${inc.number}`)).body.alerts?.length === 2, { message: 'both DiskFull alerts' });
    return { n: inc.number, card: await rig.cardOf(inc.number) };
  }

  const diskFull = async () => am!.alerts({ alertname: 'DiskFull' });

  it('Silence 4 h from the card suppresses exactly the incident\'s alerts there; Unsilence expires it', async () => {
    const { n, card } = await setUp();
    const r = rig!;
    expect((await diskFull()).map((a) => a.status.state)).toEqual(['active', 'active']);

    const answer = await r.click(card.message_id, 'Alice', valueIn(card.content, 'silence', '4h'));
    expect(answer.toast.type).toBe('success');
    // The toast names what the silence matches (issue 29).
    expect(answer.toast.content).toMatch(
      new RegExp(`^#${n} silenced at Alertmanager until (?:\\d{4}-\\d\\d-\\d\\d )?\\d\\d:\\d\\d UTC by Alice: alerts matching alertname="DiskFull", severity="critical", team="storage"\\.$`),
    );
    expect(answer.toast.i18n.zh_cn).toMatch(/已由 Alice 在 Alertmanager 静默至/);
    // The clicked copy: "Silenced until … by Alice", and Unsilence offered.
    expect(JSON.stringify(answer.card.data)).toMatch(/Silenced until\*\* [^"]*\d\d:\d\d UTC by Alice/);
    const unsilence = valueIn(answer.card.data, 'unsilence');

    // Alertmanager: one silence by Alice with equality matchers on what the two alerts share.
    const silences = (await am!.silences()).filter((s) => s.status.state === 'active');
    expect(silences).toHaveLength(1);
    const s = silences[0];
    expect(s.createdBy).toBe('Alice');
    expect(s.comment).toContain(`Hark incident #${n}`);
    expect(s.comment).toContain(`/h5/incidents/${n}`);
    expect(s.matchers.map((m) => [m.name, m.value, m.isRegex, m.isEqual ?? true])).toEqual([
      ['alertname', 'DiskFull', false, true],
      ['severity', 'critical', false, true],
      ['team', 'storage', false, true],
    ]);
    expect(Date.parse(s.endsAt) - Date.parse(s.startsAt)).toBeGreaterThan(4 * 3_600_000 - 60_000);
    // Both DiskFull alerts are suppressed by it; CPUHigh (same instance and team) is not.
    const states = await waitFor(async () => {
      const a = await diskFull();
      return a.every((x) => x.status.state === 'suppressed') ? a : null;
    }, { message: 'DiskFull suppressed at Alertmanager' });
    expect(states.map((a) => a.status.silencedBy)).toEqual([[s.id], [s.id]]);
    expect((await am!.alerts({ alertname: 'CPUHigh' }))[0].status.state).toBe('active');
    // Hark kept the id and wrote the timeline.
    const detail = await r.api('GET', `/api/v1/incidents/${n}`);
    expect(detail.body.status).toBe('triggered');
    expect(await r.timeline(n)).toContainEqual(expect.stringMatching(new RegExp(`^silenced until (?:\\d{4}-\\d\\d-\\d\\d )?\\d\\d:\\d\\d UTC by Alice \\(4h; .*Alertmanager silence ${s.id}\\)$`)));
    const row = await r.hark.store.db.selectFrom('silences').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ silence_id: s.id, created_by_name: 'Alice' });

    // A viewer may not unsilence; Alice may.
    const refused = await r.click(card.message_id, 'Vera', unsilence);
    expect(refused.toast.type).toBe('error');
    expect((await diskFull()).every((x) => x.status.state === 'suppressed')).toBe(true);
    const un = await r.click(card.message_id, 'Alice', unsilence);
    expect(un.toast).toMatchObject({ type: 'success', content: `#${n} unsilenced by Alice: its alerts notify again.` });
    expect(JSON.stringify(un.card.data)).not.toMatch(/Silenced until/);
    expect((await am!.silences()).find((x) => x.id === s.id)!.status.state).toBe('expired');
    await waitFor(async () => (await diskFull()).every((x) => x.status.state === 'active'), { message: 'DiskFull active again' });
    expect(await r.timeline(n)).toContain(`unsilenced by Alice (Alertmanager silence ${s.id} expired)`);
    expect(await r.hark.store.db.selectFrom('silences').selectAll().execute()).toEqual([]);
  });

  it('a custom duration typed into the card, then the commands in English and Chinese', async () => {
    const { n, card } = await setUp();
    const r = rig!;
    const typed = await r.click(card.message_id, 'Alice', valueIn(card.content, 'silence'), { input_value: '90 minutes' });
    expect(typed.toast.type).toBe('success');
    const first = (await am!.silences()).find((s) => s.status.state === 'active')!;
    expect(Date.parse(first.endsAt) - Date.parse(first.startsAt)).toBeGreaterThan(90 * 60_000 - 60_000);
    expect(Date.parse(first.endsAt) - Date.parse(first.startsAt)).toBeLessThan(91 * 60_000);
    const bad = await r.click(card.message_id, 'Alice', valueIn(card.content, 'silence'), { input_value: 'forever' });
    expect(bad.toast.type).toBe('warning');
    expect(bad.toast.content).toBe('duration: "forever" is not a duration; use e.g. "1h", "4h", "24h" or "2d".');

    // Silencing again updates the same silence; Hark keeps whatever id Alertmanager answers with.
    expect(await r.say('Alice', `silence ${n} 2h`)).toEqual([expect.stringMatching(new RegExp(`^#${n} silenced at Alertmanager until (?:\\d{4}-\\d\\d-\\d\\d )?\\d\\d:\\d\\d UTC by Alice\\.$`))]);
    const active = (await am!.silences()).filter((s) => s.status.state === 'active');
    expect(active).toHaveLength(1);
    const row = await r.hark.store.db.selectFrom('silences').select('silence_id').executeTakeFirstOrThrow();
    expect(row.silence_id).toBe(active[0].id);
    expect(Date.parse(active[0].endsAt) - Date.parse(active[0].startsAt)).toBeGreaterThan(2 * 3_600_000 - 60_000);

    expect(await r.say('Alice', `取消静默 #${n}`)).toEqual([`#${n} 已由 Alice 取消静默，告警将恢复通知。`]);
    expect((await am!.silences()).filter((s) => s.status.state === 'active')).toEqual([]);
    expect(await r.say('Alice', `静默 ${n} 2小时`)).toEqual([expect.stringMatching(new RegExp(`^#${n} 已由 Alice 在 Alertmanager 静默至 (?:\\d{4}-\\d\\d-\\d\\d )?\\d\\d:\\d\\d UTC。$`))]);
    await waitFor(async () => (await diskFull()).every((x) => x.status.state === 'suppressed'), { message: 'suppressed again' });
    expect(await r.say('Alice', `silence ${n}`)).toEqual(['How long? Type e.g. "silence 42 1h" (or 4h, 24h).']);
    expect(await r.say('Alice', 'silence 999 1h')).toEqual(['There is no incident #999.']);
    expect(await r.say('Alice', `unsilence ${n}`)).toEqual([`#${n} unsilenced by Alice: its alerts notify again.`]);
    expect(await r.say('Alice', `unsilence ${n}`)).toEqual([`#${n} is not silenced.`]);
  });

  it('the API route silences and unsilences, with clear 400s', async () => {
    const { n } = await setUp();
    const r = rig!;
    expect(await r.api('POST', `/api/v1/incidents/${n}/silence`, {})).toMatchObject({ status: 400, body: { error: { message: 'duration: is required, e.g. {"duration": "1h"}' } } });
    expect(await r.api('POST', `/api/v1/incidents/${n}/silence`, { duration: '0m' })).toMatchObject({ status: 400, body: { error: { message: 'duration: 0m is out of range; silence for between 1m and 30d' } } });
    expect(await r.api('POST', `/api/v1/incidents/${n}/silence`, { duration: '1h', extra: 1 })).toMatchObject({ status: 400 });
    expect(await r.api('POST', '/api/v1/incidents/999/silence', { duration: '1h' })).toMatchObject({ status: 404 });
    const ok = await r.api('POST', `/api/v1/incidents/${n}/silence`, { duration: '1h', by: 'alice@example.com' });
    expect(ok).toMatchObject({ status: 200, body: { incident: n, by: 'Alice' } });
    await waitFor(async () => (await diskFull()).every((x) => x.status.silencedBy.includes(ok.body.silence_id)), { message: 'suppressed by the API silence' });
    expect(await r.api('DELETE', `/api/v1/incidents/${n}/silence`)).toMatchObject({ status: 200, body: { changed: true } });
    expect((await am!.silences()).find((x) => x.id === ok.body.silence_id)!.status.state).toBe('expired');
  });
});
