import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, oauthLogin, startWebRig, type WebRig } from '../web/harness.ts';

// Issue 19, defect 6 (web part): the web app strips bidi-override and control characters from what it
// shows, as the cards do, so "‮exe.gnp" cannot pose as something else.
describe('web pages strip bidi-override and control characters', () => {
  let rig: WebRig;
  let alice: { open_id: string };
  beforeAll(async () => {
    rig = await startWebRig({ delivery: false });
    await rig.api('POST', '/api/v1/members', { name: 'Alice', email: 'alice@example.com', role: 'responder' });
    alice = await rig.larkUser('Alice', 'alice@example.com');
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('from titles, descriptions and labels, even when the database holds them', async () => {
    const n = await rig.fire({ title: 'Bidi check', key: 'bidi' });
    // Stored directly: the page must not trust the database to have been cleaned at ingest.
    await rig.store.db
      .updateTable('incidents')
      .set({
        title: 'Invoice \u202Efdp.exe\u202C ready\u0007',
        description: 'line one\nline two \u2066isolated\u2069 \u0000nul',
        labels: JSON.stringify({ host: 'db\u202E1', severity: 'critical' }),
      })
      .where('number', '=', n)
      .execute();
    const c = new Client();
    await oauthLogin(rig, c, alice.open_id);
    for (const path of [`/h5/incidents/${n}`, '/h5']) {
      const page = await c.request(`${rig.url}${path}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Invoice fdp.exe ready');
      // eslint-disable-next-line no-control-regex
      expect(page.text).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u0000\u0007]/);
    }
    const detail = await c.request(`${rig.url}/h5/incidents/${n}`);
    expect(detail.text).toContain('isolated');
    expect(detail.text).toContain('db1');
  });
});
