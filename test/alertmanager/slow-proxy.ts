import http from 'node:http';
import type { AddressInfo } from 'node:net';

// A real HTTP proxy in front of a real Alertmanager, for "Alertmanager answered after Hark stopped
// waiting" (issue 29): while `hold` is set, each POST /api/v2/silences waits until release() and is
// only then forwarded; its answer goes back to whoever still listens. `onAnswer` runs after
// Alertmanager answered a held or passed POST and before the answer is sent on (a crash there is
// the other way to lose it). Everything else is forwarded at once.

export interface SlowProxy {
  url: string;
  hold: boolean;
  /** POST /api/v2/silences requests seen. */
  posts: number;
  /** Forwards the held POSTs to Alertmanager; resolves when Alertmanager has answered them all. */
  release(): Promise<void>;
  onAnswer: (() => Promise<void>) | null;
  close(): Promise<void>;
}

export async function slowProxy(target: string): Promise<SlowProxy> {
  const held: (() => Promise<void>)[] = [];
  const forward = async (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, isPost: boolean) => {
    const upstream = await fetch(target + req.url, {
      method: req.method,
      headers: { 'content-type': String(req.headers['content-type'] ?? 'application/json') },
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body.toString('utf8'),
    });
    const text = await upstream.text();
    if (isPost && proxy.onAnswer) await proxy.onAnswer();
    if (!res.destroyed) {
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    }
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isPost = req.method === 'POST' && req.url === '/api/v2/silences';
      if (isPost) proxy.posts++;
      const go = () =>
        forward(req, body, res, isPost).catch(() => {
          res.destroy();
        });
      if (isPost && proxy.hold) held.push(go);
      else void go();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const proxy: SlowProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold: false,
    posts: 0,
    onAnswer: null,
    async release() {
      this.hold = false;
      await Promise.all(held.splice(0).map((go) => go()));
    },
    async close() {
      held.splice(0);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return proxy;
}
