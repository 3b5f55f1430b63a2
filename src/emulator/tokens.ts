// Access tokens (docs/lark-notes.md §2.0, §5). Tenant/app/user tokens are self-verifying (HMAC with the app
// secret) rather than stored: the SDK caches the tenant token process-wide per appId for up to
// 2 h, so a token must stay valid across emulator restarts and /__emulator/reset, as it would on
// the real platform. Refresh tokens are single use and therefore stored.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { hex, newRefreshToken } from './ids.ts';

export interface TokenRecord {
  token: string;
  kind: 'tenant' | 'app' | 'user';
  expires_at: number;
  open_id?: string;
  scope?: string;
}

const PREFIX: Record<TokenRecord['kind'], string> = { tenant: 't-', app: 't-', user: 'u-' };
const KIND_CODE: Record<TokenRecord['kind'], string> = { tenant: 'g', app: 'a', user: 'u' };

export class TokenStore {
  private readonly refresh = new Map<string, { open_id: string; scope: string; expires_at: number }>();
  private lastApp = new Map<string, TokenRecord>();

  constructor(private readonly secret: string) {}

  /** Real server: a token with > 30 min left is returned again instead of a new one (docs/lark-notes.md §2.0). */
  currentApp(kind: 'tenant' | 'app', ttlSeconds: number, now: number): TokenRecord {
    const last = this.lastApp.get(kind);
    if (last && last.expires_at - now > Math.min(30 * 60_000, ttlSeconds * 500)) return last;
    const rec = this.mint({ kind, expires_at: now + ttlSeconds * 1000 });
    this.lastApp.set(kind, rec);
    return rec;
  }

  issueUser(openId: string, scope: string, ttlSeconds: number, now: number): { access: TokenRecord; refresh: string } {
    const access = this.mint({ kind: 'user', expires_at: now + ttlSeconds * 1000, open_id: openId, scope });
    const refresh = newRefreshToken();
    this.refresh.set(refresh, { open_id: openId, scope, expires_at: now + 30 * 86_400_000 });
    return { access, refresh };
  }

  /** Refresh tokens are single use (docs/lark-notes.md §5.1). */
  takeRefresh(token: string, now: number): { open_id: string; scope: string } | undefined {
    const r = this.refresh.get(token);
    this.refresh.delete(token);
    return r && r.expires_at > now ? r : undefined;
  }

  /** Decodes and verifies a token; undefined when forged, malformed or from another app secret. */
  get(token: string): TokenRecord | undefined {
    const m = /^(t-|u-)([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
    if (!m) return undefined;
    const expected = this.sign(m[2]);
    const given = Buffer.from(m[3]);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const p = JSON.parse(Buffer.from(m[2], 'base64url').toString('utf8')) as { k: string; e: number; o?: string; s?: string };
      const kind = (Object.keys(KIND_CODE) as TokenRecord['kind'][]).find((k) => KIND_CODE[k] === p.k);
      if (!kind || PREFIX[kind] !== m[1]) return undefined;
      return { token, kind, expires_at: p.e, open_id: p.o, scope: p.s };
    } catch {
      return undefined;
    }
  }

  private mint(r: Omit<TokenRecord, 'token'>): TokenRecord {
    const payload = Buffer.from(JSON.stringify({ k: KIND_CODE[r.kind], e: r.expires_at, o: r.open_id, s: r.scope, n: hex(4) }))
      .toString('base64url');
    return { ...r, token: `${PREFIX[r.kind]}${payload}.${this.sign(payload).toString()}` };
  }

  private sign(payload: string): Buffer {
    return Buffer.from(createHmac('sha256', `lark-emulator:${this.secret}`).update(payload).digest('base64url').slice(0, 32));
  }
}
