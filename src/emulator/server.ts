// HTTP server composition. Each feature registers its routes on one router; a future chat view
// (GET /) or SSE stream is one more `register…(router, ctx)` call plus a listener on
// ctx.state ('message.created' / 'message.updated' / 'chat.updated').
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import { koaBody } from 'koa-body';
import { registerAuthApi } from './auth-api.ts';
import { registerChatView } from './chat-view.ts';
import type { EmulatorContext } from './context.ts';
import { registerControl } from './control.ts';
import { registerControlMessages } from './control-messages.ts';
import { Delivery } from './delivery.ts';
import { HttpPushTransport } from './http-push.ts';
import { larkError } from './http-util.ts';
import { registerImChats } from './im-chats.ts';
import { registerImGroups } from './im-groups.ts';
import { registerImMessages } from './im-messages.ts';
import { applyTenantDefaults, registerImUrgent } from './im-urgent.ts';
import { registerControlUrgent } from './control-urgent.ts';
import { registerControlMenu } from './control-menu.ts';
import { registerImRead } from './im-read.ts';
import { registerOAuth } from './oauth.ts';
import { registerScopes } from './scopes.ts';
import { pickRateLimits, resolveOptions, type EmulatorOptions } from './options.ts';
import { SlidingWindow, Stats } from './rate-limits.ts';
import { EmulatorState } from './state.ts';
import { TokenStore } from './tokens.ts';
import { WsHub } from './ws-server.ts';

export interface Emulator {
  /** http://HOST:PORT — pass it as the SDK's `domain`. */
  url: string;
  port: number;
  appId: string;
  appSecret: string;
  botOpenId: string;
  botName: string;
  options: EmulatorOptions;
  context: EmulatorContext;
  state: EmulatorState;
  app: Koa;
  router: Router;
  server: http.Server;
  /** Open long-connection sockets right now. */
  connectionCount(): number;
  /** Calls a control route (or any route) and returns the parsed JSON; throws on HTTP ≥ 400. */
  control<T = any>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** Calls a route of the emulator at `base` over HTTP; parsed JSON, or a throw on HTTP ≥ 400 (with status and body). */
export async function controlRoute<T = any>(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (res.status >= 400) throw Object.assign(new Error(`${method} ${path} → HTTP ${res.status}: ${text}`), { status: res.status, body: json });
  return json;
}

export async function startEmulator(opts: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  const options = resolveOptions(opts);
  const state = new EmulatorState(options.appId, options.botName, pickRateLimits(options));
  let base = '';
  const hub = new WsHub(options, () => base.replace(/^http/, 'ws'));
  const push = options.callbackUrl ? new HttpPushTransport(options.callbackUrl, options.encryptKey) : undefined;
  const delivery = new Delivery(() => push ?? hub, options);
  hub.onConnected = () => delivery.flushWaiting();
  const ectx: EmulatorContext = {
    options, state, delivery, hub,
    windows: new SlidingWindow(),
    stats: new Stats(),
    tokens: new TokenStore(options.appSecret),
    emitEvent: (envelope) => delivery.pushEvent(envelope),
  };
  applyTenantDefaults(ectx);

  const app = new Koa();
  // Koa 3 pipes stream bodies (the chat view's event stream) with stream.pipeline, which reports a
  // client that goes away as ERR_STREAM_PREMATURE_CLOSE; that is a closed tab, not an error.
  app.on('error', (err: NodeJS.ErrnoException) => {
    if (err?.code !== 'ERR_STREAM_PREMATURE_CLOSE') options.logger.error({ err }, 'emulator request failed');
  });
  app.use(errorMiddleware);
  app.use(faultMiddleware(ectx));
  app.use(koaBody({ jsonLimit: '8mb', formLimit: '1mb', text: false }));
  const router = new Router();
  registerAuthApi(router, ectx);
  registerImMessages(router, ectx);
  registerImUrgent(router, ectx);
  registerImChats(router, ectx);
  registerImGroups(router, ectx);
  registerOAuth(router, ectx);
  registerScopes(router, ectx);
  registerControl(router, ectx);
  registerControlMessages(router, ectx);
  registerControlUrgent(router, ectx);
  registerControlMenu(router, ectx);
  registerImRead(router, ectx);
  registerChatView(router, ectx);
  app.use(router.routes());
  app.use(router.allowedMethods());

  const server = http.createServer(app.callback());
  server.on('upgrade', (req, socket, head) => {
    if (!hub.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  base = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  options.logger.info({ url: base }, 'lark emulator listening');

  let closed: Promise<void> | undefined;
  return {
    url: base,
    port,
    appId: options.appId,
    appSecret: options.appSecret,
    botOpenId: state.bot.open_id,
    botName: state.bot.name,
    options,
    context: ectx,
    state,
    app,
    router,
    server,
    connectionCount: () => hub.connections.size,
    control: (method, path, body) => controlRoute(base, method, path, body),
    close() {
      closed ??= new Promise<void>((resolve) => {
        delivery.close();
        hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

async function errorMiddleware(ctx: Koa.Context, next: Koa.Next): Promise<void> {
  try {
    await next();
    if (ctx.status === 404 && ctx.body === undefined && ctx.path.startsWith('/open-apis/')) {
      ctx.status = 404;
      ctx.body = { code: 404, msg: '404 page not found' };
    }
  } catch (err) {
    const e = err as { status?: number; message?: string };
    const status = e.status && e.status >= 400 && e.status < 500 ? e.status : 500;
    if (ctx.path.startsWith('/__emulator')) {
      ctx.status = status;
      ctx.body = { error: e.message ?? 'error' };
    } else if (status < 500) {
      // Malformed JSON and the like: Lark's gateway answers 400 "Bad Request" (code 9499).
      larkError(ctx, 400, 9499, `Bad Request: ${e.message ?? ''}`.trim());
    } else {
      larkError(ctx, 500, 1, 'internal error');
      ctx.app.emit('error', err, ctx);
    }
  }
}

/** Latency and error-rate injection from POST /__emulator/faults; never applies to /__emulator. */
function faultMiddleware(ectx: EmulatorContext): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.path.startsWith('/__emulator')) return next();
    const { latency_ms, error_rate } = ectx.state.faults;
    if (latency_ms) await new Promise((r) => setTimeout(r, latency_ms));
    if (error_rate && ctx.path.startsWith(error_rate.path_prefix ?? '/') && Math.random() < error_rate.rate) {
      const status = error_rate.status ?? 500;
      if (status === 429) {
        ctx.set('x-ogw-ratelimit-limit', String(ectx.state.rateLimits.appPerSecond));
        ctx.set('x-ogw-ratelimit-reset', '1');
        ctx.status = 429;
        ctx.body = { code: 99991400, msg: 'request trigger frequency limit' };
        return;
      }
      larkError(ctx, status, error_rate.code ?? (status >= 500 ? 1 : 230001), 'emulated fault (POST /__emulator/faults)');
      return;
    }
    return next();
  };
}
