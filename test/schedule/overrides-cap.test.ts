import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_OVERRIDES } from '../../src/schedule/service.ts';
import { startRig, type Rig } from '../helpers/hark.ts';

// Issue 29, item 10: overrides were unbounded (3,000 added in 98 s, then a 695 KB GET of the
// schedule). Now a schedule holds at most MAX_OVERRIDES overrides that have not ended (or ended in
// the last week), the next one is a 409 naming the cap, and the list comes a page at a time.

describe('overrides are capped and paged', () => {
  let rig: Rig;
  const HOUR = 3_600_000;
  const base = Date.now() + 24 * HOUR;
  const at = (ms: number) => new Date(ms).toISOString();
  const add = (i: number) =>
    rig.api('POST', '/api/v1/schedules/busy/overrides', { member: i % 2 ? 'bob@example.com' : 'alice@example.com', start: at(base + i * HOUR), end: at(base + (i + 1) * HOUR) });

  beforeAll(async () => {
    rig = await startRig();
    for (const name of ['Alice', 'Bob']) await rig.api('POST', '/api/v1/members', { name, email: `${name.toLowerCase()}@example.com`, role: 'responder' });
    await rig.api('PUT', '/api/v1/schedules/busy', {
      time_zone: 'UTC',
      layers: [{ members: ['alice@example.com', 'bob@example.com'], rotation: { every: '1d', handoff: '09:00', start: '2020-01-01' } }],
    });
    // Added out of order, so the pages below have to sort by start.
    for (let i = MAX_OVERRIDES - 1; i >= 0; i--) expect((await add(i)).status).toBe(201);
  }, 120_000);
  afterAll(() => rig?.close());

  it('refuses one override past the cap with a 409 naming it, and accepts again once one is deleted', async () => {
    const over = await add(MAX_OVERRIDES);
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe('conflict');
    expect(over.body.error.message).toBe(
      `schedule "busy" already has ${MAX_OVERRIDES} overrides that are current, upcoming or ended in the last 7 days; the cap is ${MAX_OVERRIDES} per schedule: delete some (DELETE /api/v1/schedules/busy/overrides/:id) before adding more`,
    );
    const first = (await rig.api('GET', '/api/v1/schedules/busy/overrides?limit=1')).body.items[0];
    expect((await rig.api('DELETE', `/api/v1/schedules/busy/overrides/${first.id}`)).status).toBe(204);
    expect((await add(MAX_OVERRIDES)).status).toBe(201);
    expect((await add(MAX_OVERRIDES + 1)).status).toBe(409);
  });

  it('shows the first page with the schedule and the rest through the cursor, by start time', async () => {
    const view = await rig.api('GET', '/api/v1/schedules/busy');
    expect(view.body.overrides).toHaveLength(50);
    expect(view.body.overrides_next).toMatch(/^\/api\/v1\/schedules\/busy\/overrides\?cursor=[A-Za-z0-9_-]+$/);
    const seen: any[] = [...view.body.overrides];
    let next: string | null = view.body.overrides_next;
    let pages = 1;
    while (next) {
      const page = await rig.api('GET', next);
      expect(page.status).toBe(200);
      seen.push(...page.body.items);
      next = page.body.next_cursor ? `/api/v1/schedules/busy/overrides?cursor=${page.body.next_cursor}` : null;
      pages++;
    }
    expect(pages).toBe(MAX_OVERRIDES / 50);
    expect(seen).toHaveLength(MAX_OVERRIDES);
    expect(new Set(seen.map((o) => o.id)).size).toBe(MAX_OVERRIDES);
    const starts = seen.map((o) => Date.parse(o.start));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(seen[0]).toMatchObject({ member: { name: expect.any(String) }, created_by: 'admin' });

    const big = await rig.api('GET', '/api/v1/schedules/busy/overrides?limit=200');
    expect(big.body.items).toHaveLength(200);
    expect(big.body.next_cursor).toBeNull();
    const window = await rig.api('GET', `/api/v1/schedules/busy/overrides?from=${at(base + 10 * HOUR)}&to=${at(base + 20 * HOUR)}`);
    expect(window.body.items.map((o: any) => o.start)).toEqual(Array.from({ length: 10 }, (_, i) => at(base + (10 + i) * HOUR)).filter((s) => seen.some((o) => o.start === s)));
  });

  it('names a bad page size or cursor', async () => {
    const zero = await rig.api('GET', '/api/v1/schedules/busy/overrides?limit=0');
    expect(zero.status).toBe(400);
    expect(zero.body.error.message).toBe('limit: "0" is not a page size; use a whole number from 1 to 200');
    const huge = await rig.api('GET', '/api/v1/schedules/busy/overrides?limit=5000');
    expect(huge.status).toBe(400);
    const cursor = await rig.api('GET', '/api/v1/schedules/busy/overrides?cursor=nonsense');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.message).toBe('cursor: "nonsense" is not a cursor from this list; use next_cursor of the previous page as it is');
  });
});
