// Response helpers in Lark's envelope (docs/lark-notes.md §2.0): business errors are HTTP 400 +
// {code,msg,error:{log_id}}, and the SDK throws on any non-2xx (§0.7).
import type { Context } from 'koa';
import { hex } from './ids.ts';
import type { EmulatorContext } from './context.ts';
import type { TokenRecord } from './tokens.ts';

export function logId(ctx: Context): string {
  const id = `02${Date.now()}${hex(6)}`;
  ctx.set('X-Tt-Logid', id);
  return id;
}

export function ok(ctx: Context, data: unknown, msg = 'success'): void {
  logId(ctx);
  ctx.status = 200;
  ctx.body = { code: 0, msg, data };
}

export function larkError(ctx: Context, status: number, code: number, msg: string): void {
  const log_id = logId(ctx);
  ctx.status = status;
  ctx.body = {
    code,
    msg,
    error: { log_id, troubleshooter: `https://open.feishu.cn/search?from=openapi&log_id=${log_id}&code=${code}` },
  };
}

export function body(ctx: Context): Record<string, any> {
  const b = (ctx.request as unknown as { body?: unknown }).body;
  return b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, any>) : {};
}

/** Checks `Authorization: Bearer …` (99991661 missing, 99991663/99991668/99991677 invalid). */
export function requireToken(ctx: Context, ectx: EmulatorContext, kinds: TokenRecord['kind'][]): TokenRecord | undefined {
  const header = ctx.get('authorization');
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) {
    larkError(ctx, 400, 99991661, 'Missing access token for authorization. Please make a request with token attached.');
    return undefined;
  }
  const rec = ectx.tokens.get(m[1]);
  const wantsUser = kinds.length === 1 && kinds[0] === 'user';
  if (!rec || !kinds.includes(rec.kind)) {
    if (wantsUser) larkError(ctx, 400, 99991668, 'Invalid access token for authorization. Please make a request with token attached.');
    else larkError(ctx, 400, 99991663, 'Invalid access token for authorization. Please make a request with token attached.');
    return undefined;
  }
  if (rec.expires_at <= ectx.state.now()) {
    if (rec.kind === 'user') larkError(ctx, 400, 99991677, 'user access token expired');
    else larkError(ctx, 400, 99991663, 'Invalid access token for authorization. Please make a request with token attached.');
    return undefined;
  }
  return rec;
}
