// Read-only calls `hark doctor` makes to the Open Platform, each answering what it found or Lark's
// code and message. Plain HTTP on purpose: the SDK's token manager retries and logs instead of
// returning the refusal, and a doctor must say exactly what Lark answered (docs/lark-notes.md,
// "Permission scopes" and "Bot info").

export interface LarkTarget {
  readonly appId: string;
  readonly appSecret: string;
  /** https://open.feishu.cn, https://open.larksuite.com, or the emulator's base URL. */
  readonly domain: string;
}

export type Probe<T> = { ok: true; value: T } | { ok: false; error: string; code?: number };

async function call(url: string, init: RequestInit, timeoutMs: number): Promise<Probe<any>> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, error: `cannot reach ${new URL(url).origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}` };
  }
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, error: `${new URL(url).origin} answered HTTP ${res.status} without JSON: is LARK_DOMAIN the Open Platform?` };
  }
  if (body?.code !== 0) return { ok: false, code: body?.code, error: `Lark answered code ${body?.code}: ${body?.msg ?? `HTTP ${res.status}`}` };
  return { ok: true, value: body };
}

export async function tenantToken(t: LarkTarget, timeoutMs = 5000): Promise<Probe<string>> {
  const r = await call(
    `${t.domain}/open-apis/auth/v3/tenant_access_token/internal`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ app_id: t.appId, app_secret: t.appSecret }) },
    timeoutMs,
  );
  return r.ok ? { ok: true, value: String(r.value.tenant_access_token) } : r;
}

export interface BotInfo {
  name: string;
  openId: string;
  /** 2 = enabled in the tenant (0 not installed, 1 stopped, 3/4 waiting to be enabled, 5/6 expired). */
  activateStatus: number;
}

export async function botInfo(t: LarkTarget, token: string, timeoutMs = 5000): Promise<Probe<BotInfo>> {
  const r = await call(`${t.domain}/open-apis/bot/v3/info`, { headers: { authorization: `Bearer ${token}` } }, timeoutMs);
  if (!r.ok) return r;
  const bot = r.value.bot ?? {};
  return { ok: true, value: { name: String(bot.app_name ?? ''), openId: String(bot.open_id ?? ''), activateStatus: Number(bot.activate_status ?? 0) } };
}

/** Scope name → granted, for every scope the app asked for. */
export async function grantedScopes(t: LarkTarget, token: string, timeoutMs = 5000): Promise<Probe<Map<string, boolean>>> {
  const r = await call(`${t.domain}/open-apis/application/v6/scopes`, { headers: { authorization: `Bearer ${token}` } }, timeoutMs);
  if (!r.ok) return r;
  const scopes = new Map<string, boolean>();
  for (const s of r.value.data?.scopes ?? []) scopes.set(String(s.scope_name), s.grant_status === 1);
  return { ok: true, value: scopes };
}
