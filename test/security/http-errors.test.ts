import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteTestStore, type TestStore } from '../helpers/store.ts';
import { fixture } from '../http/fixtures.ts';
import { ADMIN_TOKEN, startServer, type Server } from '../http/harness.ts';

// Issue 19, defect 6: what a client did wrong is named: a compressed body that does not decompress
// is a 400 naming the encoding (not a 500), a body that is not JSON says so, and 405 has its own code.
describe('refusals that name the problem', () => {
  let store: TestStore;
  let s: Server;
  let token: string;
  beforeAll(async () => {
    store = await openSqliteTestStore();
    s = await startServer(store);
    token = await s.source('prom', 'alertmanager');
  });
  afterAll(async () => {
    await s?.close();
    await store?.cleanup();
  });

  const send = async (path: string, auth: string, headers: Record<string, string>, body: BodyInit, method = 'POST') => {
    const res = await fetch(s.url + path, { method, headers: { authorization: `Bearer ${auth}`, ...headers }, body });
    return { status: res.status, body: await res.json() };
  };

  it.each([
    ['ingest', '/api/v1/alerts/alertmanager', () => token],
    ['the admin API', '/api/v1/sources', () => ADMIN_TOKEN],
  ])('a corrupt gzip, deflate or br body to %s is a 400 naming the encoding', async (_what, path, auth) => {
    const good = zlib.gzipSync(JSON.stringify(fixture('alertmanager/firing.json')));
    const corrupt = Buffer.concat([good.subarray(0, 10), Buffer.from('not gzip at all, really not'), good.subarray(40)]);
    for (const [encoding, body] of [
      ['gzip', corrupt],
      ['deflate', Buffer.from('garbage that is not deflate')],
      // Issue 29, item 10: a corrupt brotli body was a 500 on every JSON route.
      ['br', Buffer.from('garbage that is not brotli at all')],
      ['br', zlib.brotliCompressSync(JSON.stringify(fixture('alertmanager/firing.json'))).subarray(0, 20)],
    ] as const) {
      const r = await send(path, auth(), { 'content-type': 'application/json', 'content-encoding': encoding }, body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid');
      expect(r.body.error.message).toContain(`Content-Encoding: ${encoding}`);
    }
    const unknown = await send(path, auth(), { 'content-type': 'application/json', 'content-encoding': 'zstd-ish' }, 'x');
    expect(unknown.status).toBe(415);
    expect(unknown.body.error.message).toContain('zstd-ish');
  });

  it('a well-formed gzip body is still accepted', async () => {
    const body = zlib.gzipSync(JSON.stringify(fixture('alertmanager/firing.json')));
    const r = await send('/api/v1/alerts/alertmanager', token, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body);
    expect(r.status).toBe(200);
  });

  it('a body that is not JSON is refused naming its Content-Type', async () => {
    const r = await send('/api/v1/alerts/alertmanager', token, { 'content-type': 'text/plain' }, JSON.stringify(fixture('alertmanager/firing.json')));
    expect(r.status).toBe(415);
    expect(r.body.error).toEqual({
      code: 'unsupported_media_type',
      message: 'the request body must be JSON: send Content-Type: application/json (got text/plain)',
    });
  });

  it('405 carries its own code and the allowed methods', async () => {
    const r = await send('/api/v1/alerts/alertmanager', token, {}, undefined as unknown as BodyInit, 'GET');
    expect(r.status).toBe(405);
    expect(r.body.error.code).toBe('method_not_allowed');
    expect(r.body.error.message).toContain('POST');
  });
});
