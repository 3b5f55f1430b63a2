// The chat view: a small Lark client in the browser, served by the emulator.
//   GET /                         the page (?chat=<chat_id> or ?dm=<open_id>); who you are is the
//                                 emulator's browser login cookie, the card language a cookie
//   GET /__emulator/view          {chat_id, messages, sidebar, pins}: HTML fragments for one chat
//   GET /__emulator/stream        SSE: `msg` {kind, message_id, chat_id, p2p_open_id, sender_type,
//                                 preview, html}, `chats` {sidebar, chat_id}, `reset` {}
//   POST /__emulator/sample-alert calls the hook set by setSampleAlertHook (hark demo), → {message}
// Clicks and messages go through the ordinary control routes (/__emulator/click, /messages).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { CardLang } from '../card-html/card-html.ts';
import type { EmulatorContext } from './context.ts';
import { messageHtml, messagePreview, messagesHtml, pinsHtml, renderPage, resolveSelection, sidebarHtml } from './chat-view-page.ts';
import { LOGIN_COOKIE } from './oauth.ts';
import type { EmMessage, EmUser } from './state.ts';
import { readMessage } from './im-read.ts';

export const LANG_COOKIE = 'lark_emulator_lang';

/** Fires one sample alert into whatever app runs beside the emulator; answers a line for a toast. */
export type SampleAlertHook = () => Promise<string>;

const hooks = new WeakMap<EmulatorContext, SampleAlertHook>();

/** Shows a "Fire a sample alert" button in the chat view that calls `hook` (hark demo sets one). */
export function setSampleAlertHook(emulator: { context: EmulatorContext }, hook: SampleAlertHook | undefined): void {
  if (hook) hooks.set(emulator.context, hook);
  else hooks.delete(emulator.context);
}

function langOf(ctx: Context): CardLang {
  const v = String(ctx.query.lang ?? ctx.cookies.get(LANG_COOKIE) ?? '');
  return v === 'zh_cn' ? 'zh_cn' : 'en_us';
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

interface Client {
  lang: CardLang;
  write(event: string, data: unknown): void;
}

export function registerChatView(router: Router, ectx: EmulatorContext): void {
  const { state } = ectx;
  const clients = new Set<Client>();

  // One listener per event for all streams (not one per browser tab), rendering once per language.
  const broadcast = (event: string, build: (lang: CardLang) => unknown) => {
    const cache = new Map<CardLang, unknown>();
    for (const c of clients) {
      if (!cache.has(c.lang)) cache.set(c.lang, build(c.lang));
      c.write(event, cache.get(c.lang));
    }
  };
  const onMessage = (kind: 'created' | 'updated') => (msg: EmMessage) => {
    if (!clients.size) return;
    const chat = state.chats.get(msg.chat_id);
    broadcast('msg', (lang) => ({
      kind, message_id: msg.message_id, chat_id: msg.chat_id, p2p_open_id: chat?.p2p_open_id ?? null,
      sender_type: msg.sender_type, update_count: msg.update_count,
      preview: messagePreview(msg, state, lang), html: messageHtml(msg, state, lang),
    }));
  };
  state.on('message.created', onMessage('created'));
  state.on('message.updated', onMessage('updated'));
  // A buzzed card is drawn again with its ring/phone mark.
  state.on('message.urgent', onMessage('updated'));
  state.on('chat.updated', (chat) => {
    if (clients.size) broadcast('chats', (lang) => ({ sidebar: sidebarHtml(state, lang), chat_id: chat.chat_id }));
  });
  state.on('reset', () => broadcast('reset', () => ({})));

  const me = (ctx: Context) => state.users.get(ctx.cookies.get(LOGIN_COOKIE) ?? '');
  // Opening my private chat with the bot shows its messages: each is read (Lark's read receipt).
  const readShown = (sel: ReturnType<typeof resolveSelection>, user: EmUser | undefined) => {
    if (!user || !sel.chat || sel.chat.chat_type !== 'p2p' || sel.dm?.open_id !== user.open_id) return;
    for (const m of state.messagesInChat(sel.chat.chat_id)) if (m.sender_type === 'app' && !m.deleted) readMessage(ectx, m, user);
  };

  router.get('/', async (ctx) => {
    const user = me(ctx);
    const sel = resolveSelection(state, { chat: str(ctx.query.chat), dm: str(ctx.query.dm) }, user);
    readShown(sel, user);
    ctx.type = 'html';
    ctx.set('cache-control', 'no-store');
    ctx.body = renderPage({ state, sel, me: user, lang: langOf(ctx), sampleAlert: hooks.has(ectx) });
  });

  router.get('/__emulator/view', async (ctx) => {
    const lang = langOf(ctx);
    const user = me(ctx);
    const sel = resolveSelection(state, { chat: str(ctx.query.chat), dm: str(ctx.query.dm) }, user);
    readShown(sel, user);
    ctx.set('cache-control', 'no-store');
    ctx.body = {
      chat_id: sel.chat?.chat_id ?? null, messages: messagesHtml(sel, state, lang), sidebar: sidebarHtml(state, lang),
      pins: pinsHtml(sel, state, lang),
    };
  });

  router.get('/__emulator/stream', async (ctx) => {
    const stream = new PassThrough();
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
    ctx.status = 200;
    ctx.body = stream;
    const client: Client = {
      lang: langOf(ctx),
      write: (event, data) => {
        stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      },
    };
    stream.write('retry: 1000\n: connected\n\n');
    clients.add(client);
    const ping = setInterval(() => stream.write(': ping\n\n'), 15_000);
    ping.unref();
    const done = () => {
      clearInterval(ping);
      clients.delete(client);
      stream.end();
    };
    ctx.req.on('close', done);
    stream.on('error', done);
  });

  // VChart, the library Lark clients draw card charts with (docs/lark-notes.md "Card charts"), from
  // Hark's own node_modules: the chat view never reaches a CDN.
  router.get('/__emulator/assets/vchart.js', async (ctx) => {
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.set('cache-control', 'public, max-age=86400');
    ctx.body = fs.createReadStream(vchartPath());
  });

  router.post('/__emulator/sample-alert', async (ctx) => {
    const hook = hooks.get(ectx);
    if (!hook) {
      ctx.status = 404;
      ctx.body = { error: 'no sample alert here: run `hark demo` (or call setSampleAlertHook)' };
      return;
    }
    try {
      ctx.body = { message: await hook() };
    } catch (err) {
      ctx.status = 502;
      ctx.body = { error: `sample alert failed: ${(err as Error).message}` };
    }
  });
}

let vchartFile: string | null = null;
function vchartPath(): string {
  return (vchartFile ??= createRequire(import.meta.url).resolve('@visactor/vchart/build/index.min.js'));
}
