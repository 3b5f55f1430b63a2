// Control routes of README "The Lark emulator" (JSON in, JSON out): tests and `hark demo` drive the fake
// Lark tenant through these. Everything under /__emulator is outside Lark's API surface.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { EmulatorContext } from './context.ts';
import { chatEvent } from './events.ts';
import { body } from './http-util.ts';
import { LOGIN_COOKIE } from './oauth.ts';
import { pickRateLimits } from './options.ts';
import type { EmChat } from './state.ts';

export function badRequest(ctx: Context, error: string, status = 400): void {
  ctx.status = status;
  ctx.body = { error };
}

/** Parses the body with zod; answers 400 with the first issue and returns undefined on failure. */
export function parseBody<T extends z.ZodTypeAny>(ctx: Context, schema: T): z.infer<T> | undefined {
  const r = schema.safeParse(body(ctx));
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  badRequest(ctx, `${issue.path.join('.') || 'body'}: ${issue.message}`);
  return undefined;
}

const UserBody = z.object({ name: z.string().min(1), email: z.string().optional(), available: z.boolean().optional() });
const ChatBody = z.object({
  name: z.string().min(1),
  members: z.array(z.string()).default([]),
  add_bot: z.boolean().optional(),
  description: z.string().optional(),
});
const BotBody = z.object({ present: z.boolean(), operator_open_id: z.string().optional() });
const OperatorBody = z.object({ operator_open_id: z.string().optional() });
const MembersBody = z.object({ add: z.array(z.string()).optional(), remove: z.array(z.string()).optional() });
/**
 * POST /__emulator/faults body (each key optional; omitted keys keep their current value):
 *   rate_limits:    { appPerSecond?, appPerMinute?, chatPerSecond?, userPerSecond?, messagePatchPerSecond? }
 *   error_rate:     { path_prefix?: "/open-apis/im", rate: 0..1, status?: 500, code?: 1 } | null (clears)
 *   latency_ms:     number added before every Lark API answer (0 clears)
 *   drop_websocket: true → terminate every long-connection socket now (the SDK reconnects)
 * Answer: { faults, rate_limits, dropped }.
 */
const FaultsBody = z.object({
  rate_limits: z.object({
    appPerSecond: z.number().positive().optional(),
    appPerMinute: z.number().positive().optional(),
    chatPerSecond: z.number().positive().optional(),
    userPerSecond: z.number().positive().optional(),
    messagePatchPerSecond: z.number().positive().optional(),
  }).optional(),
  error_rate: z.object({
    path_prefix: z.string().optional(),
    rate: z.number().min(0).max(1),
    status: z.number().int().min(400).max(599).optional(),
    code: z.number().int().optional(),
  }).nullable().optional(),
  latency_ms: z.number().min(0).optional(),
  drop_websocket: z.boolean().optional(),
});

export function registerControl(router: Router, ectx: EmulatorContext): void {
  const { state } = ectx;

  router.post('/__emulator/users', async (ctx) => {
    const b = parseBody(ctx, UserBody);
    if (!b) return;
    const u = state.addUser(b);
    ctx.body = { open_id: u.open_id, union_id: u.union_id, user_id: u.user_id };
  });
  router.get('/__emulator/users', async (ctx) => {
    ctx.body = { items: [...state.users.values()] };
  });

  router.post('/__emulator/chats', async (ctx) => {
    const b = parseBody(ctx, ChatBody);
    if (!b) return;
    const unknown = b.members.find((m) => !state.users.has(m));
    if (unknown) return badRequest(ctx, `unknown member ${unknown}`);
    const chat = state.addChat({ name: b.name, members: b.members, description: b.description, bot_present: false });
    const event = b.add_bot ? setBot(ectx, chat, true, b.members[0]) : undefined;
    ctx.body = { chat_id: chat.chat_id, ...(event ? { event_id: event } : {}) };
  });
  router.get('/__emulator/chats', async (ctx) => {
    ctx.body = { items: [...state.chats.values()].map(chatView) };
  });
  router.get('/__emulator/chats/:id', async (ctx) => {
    const chat = state.chats.get(ctx.params.id);
    if (!chat) return badRequest(ctx, 'unknown chat', 404);
    ctx.body = chatView(chat);
  });
  router.post('/__emulator/chats/:id/bot', async (ctx) => {
    const chat = state.chats.get(ctx.params.id);
    if (!chat || chat.chat_type !== 'group') return badRequest(ctx, 'unknown group chat', 404);
    const b = parseBody(ctx, BotBody);
    if (!b) return;
    const event = setBot(ectx, chat, b.present, b.operator_open_id ?? chat.owner_id);
    ctx.body = { chat_id: chat.chat_id, bot_present: chat.bot_present, event_id: event ?? null };
  });
  router.post('/__emulator/chats/:id/disband', async (ctx) => {
    const chat = state.chats.get(ctx.params.id);
    if (!chat || chat.chat_type !== 'group') return badRequest(ctx, 'unknown group chat', 404);
    const b = parseBody(ctx, OperatorBody);
    if (!b) return;
    if (chat.disbanded) return badRequest(ctx, 'chat already disbanded', 409);
    chat.disbanded = true;
    state.emit('chat.updated', chat);
    let event: string | undefined;
    if (chat.bot_present) {
      const op = state.users.get(b.operator_open_id ?? chat.owner_id);
      event = ectx.emitEvent(chatEvent(ectx.options, state, 'im.chat.disbanded_v1', chat, op)).event_id;
    }
    ctx.body = { chat_id: chat.chat_id, event_id: event ?? null };
  });
  router.post('/__emulator/chats/:id/members', async (ctx) => {
    const chat = state.chats.get(ctx.params.id);
    if (!chat || chat.chat_type !== 'group') return badRequest(ctx, 'unknown group chat', 404);
    const b = parseBody(ctx, MembersBody);
    if (!b) return;
    for (const m of b.add ?? []) if (state.users.has(m)) chat.members.add(m);
    for (const m of b.remove ?? []) chat.members.delete(m);
    state.emit('chat.updated', chat);
    ctx.body = chatView(chat);
  });

  router.get('/__emulator/login', async (ctx) => {
    const openId = String(ctx.query.open_id ?? '');
    if (!state.users.has(openId)) return badRequest(ctx, 'unknown open_id', 404);
    ctx.cookies.set(LOGIN_COOKIE, openId, { httpOnly: true, sameSite: 'lax', overwrite: true });
    const next = ctx.query.next ? String(ctx.query.next) : '';
    if (next) return ctx.redirect(next);
    ctx.body = { open_id: openId };
  });
  router.get('/__emulator/logout', async (ctx) => {
    ctx.cookies.set(LOGIN_COOKIE, null);
    ctx.body = { ok: true };
  });

  router.get('/__emulator/faults', async (ctx) => {
    ctx.body = { faults: state.faults, rate_limits: state.rateLimits };
  });
  router.post('/__emulator/faults', async (ctx) => {
    const b = parseBody(ctx, FaultsBody);
    if (!b) return;
    if (b.rate_limits) state.rateLimits = { ...state.rateLimits, ...b.rate_limits };
    if (b.error_rate === null) delete state.faults.error_rate;
    else if (b.error_rate) state.faults.error_rate = b.error_rate;
    if (b.latency_ms !== undefined) state.faults.latency_ms = b.latency_ms || undefined;
    const dropped = b.drop_websocket ? ectx.hub.dropAll() : 0;
    ctx.body = { faults: state.faults, rate_limits: state.rateLimits, dropped };
  });

  router.post('/__emulator/reset', async (ctx) => {
    state.reset(pickRateLimits(ectx.options));
    ectx.delivery.reset();
    ectx.windows.reset();
    ectx.stats.reset();
    ctx.body = { ok: true };
  });

  /** Moves the emulator's clock forward: expires OAuth codes, tokens, the 14-day patch window. */
  router.post('/__emulator/clock', async (ctx) => {
    const b = parseBody(ctx, z.object({ advance_ms: z.number().min(0) }));
    if (!b) return;
    state.clockOffsetMs += b.advance_ms;
    ctx.body = { now: state.now(), offset_ms: state.clockOffsetMs };
  });

  router.get('/__emulator/events', async (ctx) => {
    const type = ctx.query.type ? String(ctx.query.type) : undefined;
    ctx.body = {
      items: ectx.delivery.log.filter((r) => !type || r.event_type === type).map((r) => ({
        event_id: r.event_id, event_type: r.event_type, callback: r.callback, status: r.status,
        attempts: r.attempts, acked: r.acked, outcomes: r.outcomes, created_at: r.created_at,
        next_attempt_at: r.next_attempt_at ?? null, envelope: r.envelope,
      })),
    };
  });

  router.get('/__emulator/stats', async (ctx) => {
    ctx.body = {
      ...ectx.stats.snapshot(),
      rate_limits: state.rateLimits,
      connections: ectx.hub.connections.size,
      connections_accepted_total: ectx.hub.acceptedTotal,
      events_pending: ectx.delivery.pendingCount(),
    };
  });
}

function setBot(ectx: EmulatorContext, chat: EmChat, present: boolean, operatorId: string | undefined): string | undefined {
  if (chat.bot_present === present || chat.disbanded) return undefined;
  chat.bot_present = present;
  ectx.state.emit('chat.updated', chat);
  const op = ectx.state.users.get(operatorId ?? '');
  const type = present ? 'im.chat.member.bot.added_v1' : 'im.chat.member.bot.deleted_v1';
  return ectx.emitEvent(chatEvent(ectx.options, ectx.state, type, chat, op)).event_id;
}

export function chatView(c: EmChat): Record<string, unknown> {
  return {
    chat_id: c.chat_id, name: c.name, description: c.description, chat_type: c.chat_type,
    members: [...c.members], owner_id: c.owner_id, bot_present: c.bot_present, disbanded: c.disbanded,
    p2p_open_id: c.p2p_open_id ?? null, create_time: c.create_time,
  };
}
