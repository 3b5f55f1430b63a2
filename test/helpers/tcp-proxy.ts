import net from 'node:net';

// A TCP proxy in front of a shared server (PostgreSQL, Redis), so a test can take "the server"
// away from its own clients without touching anyone else's: `down()` cuts every connection and
// refuses new ones (a restart or a failover), `freeze()` keeps connections open but forwards
// nothing (a stalled server, a half-open network), `up()` / `thaw()` undo them.

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export class TcpProxy {
  readonly #pairs = new Set<Pair>();
  #server: net.Server | null = null;
  #frozen = false;
  /** Bytes received while frozen, in order, with the socket they are for. */
  readonly #held: Array<[net.Socket, Buffer]> = [];
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  /** A proxy for the server of a URL such as postgres://…@127.0.0.1:5432/db or redis://127.0.0.1:6379. */
  static forUrl(url: string, defaultPort: number): TcpProxy {
    const u = new URL(url);
    return new TcpProxy({ host: u.hostname, port: Number(u.port || defaultPort) });
  }

  /** The same URL, pointing at the proxy. */
  rewrite(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  /** Listens (on the port it had before, after down()); connections are forwarded. */
  async up(): Promise<void> {
    if (this.#server) return;
    const server = net.createServer((client) => this.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  /** Cuts every connection and refuses new ones, like a server that went away. */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const p of this.#pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    this.#pairs.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Stops forwarding in both directions; connections stay open and new ones are accepted. */
  freeze(): void {
    this.#frozen = true;
  }

  /** Forwards again everything held back while frozen. */
  thaw(): void {
    this.#frozen = false;
    for (const [to, chunk] of this.#held.splice(0)) if (!to.destroyed) to.write(chunk);
  }

  get connections(): number {
    return this.#pairs.size;
  }

  #accept(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    const pair = { client, upstream };
    this.#pairs.add(pair);
    const end = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    const forward = (to: net.Socket) => (chunk: Buffer) => {
      if (this.#frozen) this.#held.push([to, chunk]);
      else to.write(chunk);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
  }
}
