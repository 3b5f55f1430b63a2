import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import Router from '@koa/router';
import { Histogram, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/log.ts';

// Each request's log lines carry its request id (the one the caller sent in x-request-id, or one
// made up and sent back), so an operator finds the line an answer quotes. The request's logger is
// made only when something logs (src/http/app.ts).

let server: http.Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

async function start(level: string): Promise<{ url: string; lines: () => Record<string, unknown>[] }> {
  const out: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      out.push(String(chunk));
      done();
    },
  });
  const router = new Router();
  router.get('/boom', () => {
    throw new Error('kaboom');
  });
  router.get('/told', (ctx) => {
    ctx.state.log.info({ told: true }, 'a route logs');
    ctx.body = { ok: true };
  });
  router.get('/quiet', (ctx) => {
    ctx.body = { ok: true };
  });
  const registry = new Registry();
  const requestDuration = new Histogram({ name: 'test_request_seconds', help: 'test', labelNames: ['route', 'method', 'status'] as const, registers: [registry] });
  const app = createApp({ logger: createLogger(level, sink), registry, readiness: { check: async () => ({}) }, routers: [router], requestDuration, serveMetrics: false });
  server = http.createServer(app.callback());
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, lines: () => out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('request log lines', () => {
  it('a failed request answers 500 quoting the request id it sends back, and its log line carries that id', async () => {
    const { url, lines } = await start('info');
    const res = await fetch(`${url}/boom`);
    const id = res.headers.get('x-request-id');
    expect(res.status).toBe(500);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await res.json()).error.message).toBe(`internal error; quote request id ${id}`);
    const failed = lines().find((l) => l.msg === 'request failed');
    expect(failed).toMatchObject({ requestId: id, level: 50 });
    expect(JSON.stringify(failed)).toContain('kaboom');
  });

  it("keeps the caller's x-request-id for a route's own log line", async () => {
    const { url, lines } = await start('info');
    const res = await fetch(`${url}/told`, { headers: { 'x-request-id': 'lb-42' } });
    expect(res.headers.get('x-request-id')).toBe('lb-42');
    expect(lines().find((l) => l.msg === 'a route logs')).toMatchObject({ requestId: 'lb-42', told: true });
  });

  it('at debug, every request gets a line with its method, path, status and id; at info none', async () => {
    const debug = await start('debug');
    await fetch(`${debug.url}/quiet`, { headers: { 'x-request-id': 'r-1' } });
    expect(debug.lines().find((l) => l.msg === 'request')).toMatchObject({ requestId: 'r-1', method: 'GET', path: '/quiet', status: 200 });
    await new Promise<void>((r) => server!.close(() => r()));
    server = null;
    const info = await start('info');
    await fetch(`${info.url}/quiet`);
    expect(info.lines()).toEqual([]);
  });
});
