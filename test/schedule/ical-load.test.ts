import ical from 'node-ical';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LAYERS, MAX_MEMBERS, MAX_RESTRICTIONS } from '../../src/schedule/spec.ts';
import { FEED_REQUESTS_PER_MINUTE } from '../../src/http/routes/calendar.ts';
import { startRig, type Rig } from '../helpers/hark.ts';
import { Client } from '../web/harness.ts';

// Issue 29, item 9: a feed of the largest schedule Hark accepts was about a second of synchronous
// work; five at once stalled /healthz for 2.1 s. Now feeds are computed a slice at a time, kept
// until their schedule changes or their lifetime ends, and each token is rate limited. No timings
// here: the test asserts progress (health checks answered while feeds are still being computed).

const events = (text: string) => Object.values(ical.sync.parseICS(text)).filter((c: any) => c.type === 'VEVENT') as any[];
const pad = (n: number) => String(n).padStart(2, '0');

/** The largest schedule the API accepts: every layer full, hourly turns, every restriction used. */
function largest(emails: string[]) {
  return {
    time_zone: 'America/New_York',
    layers: Array.from({ length: MAX_LAYERS }, (_, l) => ({
      members: emails.slice(0, MAX_MEMBERS),
      rotation: { every: '1h', handoff: '00:00', start: '2026-01-01' },
      // Half-hour windows at different hours per layer: many short pieces to stack.
      restrictions: Array.from({ length: MAX_RESTRICTIONS }, (_, i) => ({ from: `${pad((i + l) % 24)}:00`, to: `${pad((i + l) % 24)}:30` })),
    })),
  };
}

describe('calendar feeds under load', () => {
  let rig: Rig;
  let t = Date.now();
  const urls: string[] = [];
  const path = (url: string) => new URL(url).pathname;

  beforeAll(async () => {
    rig = await startRig({ start: { clock: { now: () => t } } });
    const emails: string[] = [];
    for (let i = 0; i < MAX_MEMBERS; i++) {
      const email = `m${i}@example.com`;
      expect((await rig.api('POST', '/api/v1/members', { name: `Member ${i}`, email, role: 'responder' })).status).toBe(201);
      emails.push(email);
    }
    for (const name of ['big-1', 'big-2', 'big-3']) {
      expect((await rig.api('PUT', `/api/v1/schedules/${name}`, largest(emails))).status).toBe(201);
      urls.push((await rig.api('GET', `/api/v1/schedules/${name}`)).body.ical_url);
    }
    for (const name of ['small', 'small-2']) {
      await rig.api('PUT', `/api/v1/schedules/${name}`, {
        time_zone: 'UTC',
        layers: [{ members: ['m0@example.com', 'm1@example.com'], rotation: { every: '1d', handoff: '09:00', start: '2020-01-01' } }],
      });
    }
  }, 120_000);
  afterAll(() => rig?.close());

  it('answers /healthz while feeds of the largest schedule are still being computed', async () => {
    let finished = 0;
    const feeds = urls.map(async (url) => {
      const res = await fetch(rig.hark.url + path(url));
      const text = await res.text();
      finished++;
      return { status: res.status, text };
    });
    // Health checks one after another until the first feed is done. Computed in one synchronous
    // piece, a feed held the whole process: no health check came back until a feed was finished.
    let answeredWhileComputing = 0;
    while (finished === 0) {
      const health = await fetch(`${rig.hark.url}/healthz`);
      expect(health.status).toBe(200);
      if (finished === 0) answeredWhileComputing++;
    }
    expect(answeredWhileComputing).toBeGreaterThanOrEqual(5);
    for (const f of await Promise.all(feeds)) {
      expect(f.status).toBe(200);
      const list = events(f.text);
      expect(list.length).toBeGreaterThan(500);
      expect(list[0].summary).toMatch(/^Member \d+ on call \(big-\d\)$/);
    }
  }, 120_000);

  it("answers /healthz while the web app's schedule page of the largest schedules is being made", async () => {
    // Member 0 opens the web app (the login links them by email).
    const c = new Client();
    const openId = (await rig.emu('POST', '/__emulator/users', { name: 'Member 0', email: 'm0@example.com' })).open_id;
    await c.request(`${rig.emulator.url}/__emulator/login?open_id=${encodeURIComponent(openId)}`);
    const start = await c.request(`${rig.hark.url}/auth/lark/login?next=${encodeURIComponent('/h5/schedules')}`);
    const back = new URL((await c.request(start.location!)).location!);
    expect((await c.request(`${rig.hark.url}${back.pathname}${back.search}`)).status).toBe(302);
    let done = false;
    const page = c.request(`${rig.hark.url}/h5/schedules`).finally(() => {
      done = true;
    });
    let answeredWhileMaking = 0;
    while (!done) {
      expect((await fetch(`${rig.hark.url}/healthz`)).status).toBe(200);
      if (!done) answeredWhileMaking++;
    }
    expect(answeredWhileMaking).toBeGreaterThanOrEqual(5);
    const html = (await page).text;
    for (const name of ['big-1', 'big-2', 'big-3']) expect(html).toContain(`data-schedule="${name}"`);
  }, 60_000);

  it('keeps a feed until its schedule changes or its lifetime ends', async () => {
    const url = rig.hark.url + path((await rig.api('GET', '/api/v1/schedules/small')).body.ical_url);
    const stamp = (text: string) => events(text)[0].dtstamp.toISOString();
    const first = await (await fetch(url)).text();
    t += 60_000; // a minute later the same feed is served, made at the same instant
    const cached = await (await fetch(url)).text();
    expect(stamp(cached)).toBe(stamp(first));
    expect(cached).toBe(first);

    // An override changes the schedule: the next fetch shows it at once.
    const start = new Date(t + 3 * 86_400_000).toISOString();
    const end = new Date(t + 3 * 86_400_000 + 3_600_000).toISOString();
    expect((await rig.api('POST', '/api/v1/schedules/small/overrides', { member: 'm5@example.com', start, end })).status).toBe(201);
    const changed = await (await fetch(url)).text();
    expect(events(changed).some((e) => e.description === 'Member 5 is on call for small (override).')).toBe(true);
    expect(stamp(changed)).not.toBe(stamp(first));

    // Past its lifetime (5 minutes, as Cache-Control says) the feed is made again.
    t += 6 * 60_000;
    const later = await (await fetch(url)).text();
    expect(stamp(later)).not.toBe(stamp(changed));
  });

  it('refuses a token fetched too often with 429, Retry-After and a sentence', async () => {
    const url = rig.hark.url + path((await rig.api('GET', '/api/v1/schedules/small-2')).body.ical_url);
    for (let i = 0; i < FEED_REQUESTS_PER_MINUTE; i++) expect((await fetch(url)).status).toBe(200);
    const refused = await fetch(url);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = await refused.json();
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toMatch(new RegExp(`^this calendar was fetched more than ${FEED_REQUESTS_PER_MINUTE} times in a minute; try again in \\d+ s`));
    // Other feeds are not affected.
    expect((await fetch(rig.hark.url + path((await rig.api('GET', '/api/v1/schedules/small')).body.ical_url))).status).toBe(200);
  });
});
