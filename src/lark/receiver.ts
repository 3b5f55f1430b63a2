import * as lark from '@larksuiteoapi/node-sdk';
import type { CardActionAnswer, EventHandler } from '../bot/events.ts';
import type { Logger } from '../log.ts';
import { normalizeEvent, SUBSCRIBED_EVENTS } from './normalize.ts';

export interface ReceiverOptions {
  appId: string;
  appSecret: string;
  domain: string;
  handler: EventHandler;
  logger: Logger;
  /** Resolves the bot's open_id lazily (to tell @Hark from other mentions). */
  botOpenId: () => Promise<string | null>;
  encryptKey?: string;
  verificationToken?: string;
}

/**
 * Builds the SDK EventDispatcher with one registration per subscribed event; every event goes through
 * normalize → handler, with a child logger carrying the event id. The dispatcher is shared by the long
 * connection and the HTTP callback route, so the app never learns which transport delivered an event.
 */
export function createDispatcher(opts: ReceiverOptions, inflight: InflightTracker): lark.EventDispatcher {
  const dispatcher = new lark.EventDispatcher({
    encryptKey: opts.encryptKey || undefined,
    verificationToken: opts.verificationToken || undefined,
    loggerLevel: lark.LoggerLevel.error,
  });
  const handlers: Record<string, (data: any) => Promise<CardActionAnswer | undefined>> = {};
  for (const type of SUBSCRIBED_EVENTS) {
    handlers[type] = async (data: any) => {
      const log = opts.logger.child({ eventId: data?.event_id, eventType: type });
      log.info('lark event');
      const done = inflight.begin();
      try {
        const event = normalizeEvent(type, data, await opts.botOpenId().catch(() => null));
        if (!event) {
          log.warn('lark event ignored: unexpected shape');
          return undefined;
        }
        const answer = await opts.handler.handle(event, log);
        return answer ?? undefined;
      } catch (err) {
        // One boundary per transport: log with the event id and answer politely. A throw would make
        // the SDK ack with code 500 and Lark redeliver, which we only want for real failures.
        log.error({ err }, 'lark event handler failed');
        if (type === 'card.action.trigger') {
          return { toast: { type: 'error', content: 'Hark could not handle this click; please try again.' } };
        }
        throw err;
      } finally {
        done();
      }
    };
  }
  // card.action.trigger is not in the SDK's IHandles typing (docs/lark-notes.md §1.8), hence the cast.
  dispatcher.register(handlers as any);
  return dispatcher;
}

/** Counts events being handled so a graceful stop can wait for them. */
export class InflightTracker {
  private count = 0;
  private waiters: (() => void)[] = [];
  begin(): () => void {
    this.count++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.count--;
      if (this.count === 0) for (const w of this.waiters.splice(0)) w();
    };
  }
  get size(): number {
    return this.count;
  }
  /** Resolves when nothing is in flight, or after timeoutMs. */
  drain(timeoutMs: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

/** The long connection (docs/lark-notes.md §1): Lark pushes events to us, so Hark needs no public address for them. */
export class LongConnection {
  private ws: lark.WSClient | null = null;
  private connected = false;

  constructor(
    private readonly opts: ReceiverOptions,
    private readonly dispatcher: lark.EventDispatcher,
    /** Told each time the connection comes up or goes down (hark_lark_connected). */
    private readonly onStateChange: (connected: boolean) => void = () => undefined,
  ) {}

  private setConnected(connected: boolean): void {
    this.connected = connected;
    this.onStateChange(connected);
  }

  async start(): Promise<void> {
    const log = this.opts.logger;
    this.ws = new lark.WSClient({
      appId: this.opts.appId,
      appSecret: this.opts.appSecret,
      domain: this.opts.domain,
      loggerLevel: lark.LoggerLevel.error,
      autoReconnect: true,
      onReady: () => {
        this.setConnected(true);
        log.info('lark long connection ready');
      },
      onReconnecting: () => {
        this.setConnected(false);
        log.warn('lark long connection lost; reconnecting');
      },
      onReconnected: () => {
        this.setConnected(true);
        log.info('lark long connection re-established');
      },
      onError: (err: Error) => {
        this.setConnected(false);
        log.error({ err }, 'lark long connection failed');
      },
    } as any);
    await this.ws.start({ eventDispatcher: this.dispatcher });
  }

  isConnected(): boolean {
    if (!this.ws) return false;
    try {
      return this.ws.getConnectionStatus().state === 'connected';
    } catch {
      return this.connected;
    }
  }

  close(): void {
    this.ws?.close({ force: true });
    this.ws = null;
    this.setConnected(false);
  }
}
