import { afterEach, describe, expect, it } from 'vitest';
import { startRig, waitReady, type Rig } from '../helpers/hark.ts';

// Per-source noise settings through PATCH /api/v1/sources/:name {reopen_minutes?, flap?}: checked
// (whole numbers, bounds, a 400 naming the field, nothing changed by a bad body), shown back, and
// used by the next firing: 0 turns reopening or flapping off, a lower threshold flaps sooner.

describe('noise: per-source reopen_minutes and flap', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  async function setup() {
    rig = await startRig();
    await waitReady(rig);
    const r = rig;
    const src = await r.api('POST', '/api/v1/sources', { name: 'payments', kind: 'generic' });
    expect(src.status).toBe(201);
    const fire = async (status: 'firing' | 'resolved') => {
      const res = await fetch(`${r.hark.url}/api/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${src.body.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Checkout errors', alert_key: 'checkout', status, severity: 'critical' }),
      });
      expect(res.status).toBeLessThan(300);
    };
    const patch = (body: unknown) => r.api('PATCH', '/api/v1/sources/payments', body);
    const numbers = async () => ((await r.api('GET', '/api/v1/incidents')).body.items as { number: number }[]).map((i) => i.number);
    const timeline = async (n: number) => ((await r.api('GET', `/api/v1/incidents/${n}`)).body.timeline as { message: string }[]).map((t) => t.message);
    return { r, fire, patch, numbers, timeline };
  }

  it('refuses bad values with a 400 naming the field, changing nothing; shows the settings as they stand', async () => {
    const { patch } = await setup();
    const refused = async (body: unknown, text: string) => {
      const res = await patch(body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(text);
    };
    await refused({ reopen_minutes: 1.5 }, 'reopen_minutes: must be a whole number of minutes');
    await refused({ reopen_minutes: -1 }, 'reopen_minutes: must not be negative');
    await refused({ reopen_minutes: 5000 }, 'reopen_minutes: must be at most 1440');
    await refused({ reopen_minutes: '10' }, 'reopen_minutes: expected number, got string');
    await refused({ flap: { changes: 1, minutes: 60 } }, 'flap.changes: must be a whole number: 0 (off) or from 2 to 100');
    await refused({ flap: { changes: 4 } }, 'flap.minutes: is required');
    await refused({ flap: 4 }, 'flap: expected object, got number');
    await refused({ flap: { changes: 4, minutes: 60, window: 1 } }, 'flap');
    await refused({ reopen_minutes: 5, flap: { changes: 4, minutes: 0.5 } }, 'flap.minutes: must be a whole number of minutes');
    // Nothing of a refused body was applied: the defaults stand.
    const now = await patch({ reopen_minutes: null });
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ name: 'payments', reopen_minutes: 10, flap: { changes: 4, minutes: 60 } });
    const set = await patch({ reopen_minutes: 30, flap: { changes: 3, minutes: 20 } });
    expect(set.body).toMatchObject({ reopen_minutes: 30, flap: { changes: 3, minutes: 20 } });
    expect((await patch({ flap: null })).body).toMatchObject({ reopen_minutes: 30, flap: { changes: 4, minutes: 60 } });
  });

  it('reopen_minutes 0 turns re-fire reopening off: the next firing opens a new incident', async () => {
    const { fire, patch, numbers } = await setup();
    expect((await patch({ reopen_minutes: 0, flap: { changes: 0, minutes: 0 } })).status).toBe(200);
    await fire('firing');
    await fire('resolved');
    await fire('firing');
    expect(await numbers()).toEqual([2, 1]);
  });

  it('flap 0 turns flapping off (reopening stays); a lower threshold flaps sooner', async () => {
    const { fire, patch, numbers, timeline } = await setup();
    expect((await patch({ flap: { changes: 0, minutes: 60 } })).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      await fire('firing');
      await fire('resolved');
    }
    await fire('firing');
    expect(await numbers()).toEqual([1]);
    expect((await timeline(1)).some((m) => m.includes('flapping'))).toBe(false);

    expect((await patch({ flap: { changes: 2, minutes: 60 }, reopen_minutes: 0 })).status).toBe(200);
    await fire('resolved');
    await fire('firing');
    // Reopening after resolve is off, but the group flaps (2 changes within 60 min): same incident.
    expect(await numbers()).toEqual([1]);
    expect((await timeline(1)).filter((m) => m.includes('flapping'))).toHaveLength(1);
    expect((await timeline(1)).find((m) => m.includes('flapping'))).toMatch(/^#1 reopened by the alert, \d+th change in 60 min; it is flapping, so nobody is paged again$/);
  });
});
