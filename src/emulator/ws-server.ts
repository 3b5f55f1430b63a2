// The long-connection side (docs/lark-notes.md §1): endpoint discovery, the /ws/v2 WebSocket speaking
// pbbp2 frames, pong with ClientConfig, fragmented data frames and ack matching by message_id.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { decodeFrame, encodeFrame, headerMap, METHOD_CONTROL, METHOD_DATA, splitPayload, type Frame } from './frames.ts';
import { hex, newUuid } from './ids.ts';
import type { AttemptResult, Transport } from './delivery.ts';
import type { EmulatorOptions } from './options.ts';

interface Conn {
  id: number;
  ws: WebSocket;
  serviceId: number;
  deviceId: string;
  connectedAt: number;
  /** Set by the first ping. The SDK attaches its 'message' listener a tick after 'open' and
   *  pings right away, so frames pushed before that first ping could be lost client-side. */
  ready: boolean;
  readyTimer?: NodeJS.Timeout;
}

/** Clients that never ping become eligible for delivery after this long anyway. */
const READY_FALLBACK_MS = 1000;

interface InFlight {
  conn: Conn;
  timer: NodeJS.Timeout;
  resolve: (r: AttemptResult) => void;
}

export interface EndpointResult {
  code: number;
  msg: string;
  data: Record<string, unknown>;
}

const TICKET_TTL_MS = 30_000;

export class WsHub implements Transport {
  readonly connections = new Set<Conn>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Map<string, number>();
  private readonly inflight = new Map<string, InFlight>();
  private nextConnId = 1;
  private seq = 1;
  /** Total sockets ever accepted: tests use it to see reconnects. */
  acceptedTotal = 0;
  /** Total sockets that became ready for delivery (first ping seen). */
  readyTotal = 0;
  onConnected: () => void = () => undefined;

  constructor(private readonly opts: EmulatorOptions, private readonly baseWsUrl: () => string) {}

  clientConfig() {
    // All four numbers, always (docs/lark-notes.md §0.3): a missing one becomes a 1 ms ping storm.
    return {
      PingInterval: this.opts.pingInterval,
      ReconnectCount: this.opts.reconnectCount,
      ReconnectInterval: this.opts.reconnectInterval,
      ReconnectNonce: this.opts.reconnectNonce,
    };
  }

  /** POST /callback/ws/endpoint body → Lark's answer (docs/lark-notes.md §1.2). */
  endpoint(body: Record<string, unknown>, host?: string): EndpointResult {
    if (body.AppID !== this.opts.appId || body.AppSecret !== this.opts.appSecret) {
      // `data:{}` makes the SDK take its fatal path instead of a TypeError-driven retry (§1.2 nuance).
      return { code: 514, msg: 'auth failed', data: {} };
    }
    const now = Date.now();
    for (const [t, exp] of this.tickets) if (exp < now) this.tickets.delete(t);
    if (this.connections.size + this.tickets.size >= this.opts.maxConnections) {
      return { code: 1000040350, msg: 'exceed connection limit', data: {} };
    }
    const ticket = newUuid();
    this.tickets.set(ticket, now + TICKET_TTL_MS);
    const deviceId = hex(8);
    // fpid first: the SDK's querystring.parse(wholeUrl) loses the first parameter (docs/lark-notes.md §0.4).
    // Same host the client used for this request, so it also works behind Docker or a LAN address.
    const base = host ? `ws://${host}` : this.baseWsUrl();
    const url = `${base}/ws/v2?fpid=1&aid=${encodeURIComponent(this.opts.appId)}`
      + `&device_id=${deviceId}&access_key=${hex(8)}&service_id=77&ticket=${ticket}`;
    return { code: 0, msg: 'ok', data: { URL: url, ClientConfig: this.clientConfig() } };
  }

  /** HTTP upgrade for /ws/v2; returns false when the request is not ours. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname !== '/ws/v2') return false;
    const ticket = url.searchParams.get('ticket') ?? '';
    const exp = this.tickets.get(ticket);
    if (exp === undefined || exp < Date.now() || this.connections.size >= this.opts.maxConnections) {
      // Go SDK reads these headers; the Node SDK just retries (docs/lark-notes.md §1.5).
      socket.end('HTTP/1.1 403 Forbidden\r\nHandshake-Status: 403\r\nHandshake-Msg: invalid ticket\r\n'
        + 'Content-Length: 0\r\nConnection: close\r\n\r\n');
      return true;
    }
    this.tickets.delete(ticket);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = {
        id: this.nextConnId++,
        ws,
        serviceId: Number(url.searchParams.get('service_id')) || 0,
        deviceId: url.searchParams.get('device_id') ?? '',
        connectedAt: Date.now(),
        ready: false,
      };
      conn.readyTimer = setTimeout(() => this.markReady(conn), READY_FALLBACK_MS);
      this.connections.add(conn);
      this.acceptedTotal += 1;
      this.opts.logger.info({ conn: conn.id, device_id: conn.deviceId, open: this.connections.size }, 'long connection opened');
      ws.on('message', (data, isBinary) => {
        if (!isBinary) return;
        this.onFrame(conn, data as Buffer);
      });
      ws.on('close', () => this.forget(conn, 'socket closed'));
      ws.on('error', () => this.forget(conn, 'socket error'));
    });
    return true;
  }

  available(): boolean {
    for (const c of this.connections) if (c.ready && c.ws.readyState === WebSocket.OPEN) return true;
    return false;
  }

  private markReady(conn: Conn): void {
    clearTimeout(conn.readyTimer);
    if (conn.ready || !this.connections.has(conn)) return;
    conn.ready = true;
    this.readyTotal += 1;
    this.onConnected();
  }

  /** One attempt = one random open socket, never a broadcast (docs/lark-notes.md §1.10). */
  attempt(payload: string, deadlineMs: number): Promise<AttemptResult> {
    const open = [...this.connections].filter((c) => c.ready && c.ws.readyState === WebSocket.OPEN);
    if (open.length === 0) return Promise.resolve({ ok: false, reason: 'no connection' });
    const conn = open[Math.floor(Math.random() * open.length)];
    const messageId = newUuid();
    const traceId = hex(8);
    const parts = splitPayload(Buffer.from(payload, 'utf8'), this.opts.fragmentSize);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.inflight.delete(messageId);
        resolve({ ok: false, reason: 'ack timeout' });
      }, deadlineMs);
      this.inflight.set(messageId, { conn, timer, resolve });
      parts.forEach((part, i) => {
        const frame: Frame = {
          SeqID: this.seq++,
          LogID: this.seq,
          service: conn.serviceId,
          method: METHOD_DATA,
          headers: [
            { key: 'type', value: 'event' },
            { key: 'message_id', value: messageId },
            { key: 'sum', value: String(parts.length) },
            { key: 'seq', value: String(i) },
            { key: 'trace_id', value: traceId },
          ],
          payload: part,
        };
        conn.ws.send(encodeFrame(frame));
      });
    });
  }

  /** Fault injection: cut every socket as a network loss would (the SDK reconnects). */
  dropAll(): number {
    const n = this.connections.size;
    for (const c of [...this.connections]) {
      c.ws.terminate();
      this.forget(c, 'dropped by fault injection');
    }
    return n;
  }

  close(): void {
    this.dropAll();
    this.tickets.clear();
    this.wss.close();
  }

  private forget(conn: Conn, reason: string): void {
    clearTimeout(conn.readyTimer);
    if (!this.connections.delete(conn)) return;
    this.opts.logger.info({ conn: conn.id, reason, open: this.connections.size }, 'long connection closed');
    // An event in flight on a dead socket can no longer be acked: fail it now so the retry
    // schedule starts (Lark would notice at the deadline; failing early changes no outcome).
    for (const [id, f] of this.inflight) {
      if (f.conn !== conn) continue;
      clearTimeout(f.timer);
      this.inflight.delete(id);
      f.resolve({ ok: false, reason });
    }
  }

  private onFrame(conn: Conn, buf: Buffer): void {
    let frame: Frame;
    try {
      frame = decodeFrame(buf);
    } catch {
      return;
    }
    const headers = headerMap(frame);
    if (frame.method === METHOD_CONTROL) {
      if (headers.type === 'ping') {
        // Never an empty pong payload: the SDK JSON.parses it (docs/lark-notes.md §0.2, §1.6).
        conn.ws.send(encodeFrame({
          SeqID: frame.SeqID, LogID: frame.LogID, service: frame.service, method: METHOD_CONTROL,
          headers: [{ key: 'type', value: 'pong' }],
          payload: Buffer.from(JSON.stringify(this.clientConfig()), 'utf8'),
        }));
        this.markReady(conn);
      }
      return;
    }
    if (frame.method !== METHOD_DATA) return;
    const f = this.inflight.get(headers.message_id ?? '');
    if (!f) return; // late ack after the deadline: Lark ignores it too
    this.inflight.delete(headers.message_id);
    clearTimeout(f.timer);
    f.resolve(parseAck(frame.payload));
  }
}

/** Ack payload {"code":200,"data":"<base64 JSON>"} (docs/lark-notes.md §1.7); biz_rt is not validated (§0.11). */
export function parseAck(payload: Uint8Array | undefined): AttemptResult {
  let ack: { code?: number; data?: string };
  try {
    ack = JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString('utf8'));
  } catch {
    return { ok: false, reason: 'unparseable ack' };
  }
  if (ack.code !== 200) return { ok: false, reason: `ack code ${ack.code}` };
  if (typeof ack.data !== 'string' || ack.data === '') return { ok: true };
  const text = Buffer.from(ack.data, 'base64').toString('utf8');
  try {
    return { ok: true, response: JSON.parse(text) };
  } catch {
    return { ok: true, response: text };
  }
}
