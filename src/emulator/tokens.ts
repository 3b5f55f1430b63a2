// Issued access tokens (LARK.md §2.0, §5). Kept across /__emulator/reset on purpose: a running
// app caches its tenant token for up to 2 h and the real platform never revokes it on a whim.
import { newRefreshToken, newTenantToken, newUserToken } from './ids.ts';

export interface TokenRecord {
  token: string;
  kind: 'tenant' | 'app' | 'user';
  expires_at: number;
  open_id?: string;
  scope?: string;
}

export class TokenStore {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly refresh = new Map<string, { open_id: string; scope: string; expires_at: number }>();

  issueApp(kind: 'tenant' | 'app', ttlSeconds: number, now: number): TokenRecord {
    const rec: TokenRecord = { token: newTenantToken(), kind, expires_at: now + ttlSeconds * 1000 };
    this.tokens.set(rec.token, rec);
    return rec;
  }

  /** Real server: a token with > 30 min left is returned again instead of a new one (LARK.md §2.0). */
  currentApp(kind: 'tenant' | 'app', ttlSeconds: number, now: number): TokenRecord {
    for (const rec of this.tokens.values()) {
      if (rec.kind === kind && rec.expires_at - now > Math.min(30 * 60_000, ttlSeconds * 500)) return rec;
    }
    return this.issueApp(kind, ttlSeconds, now);
  }

  issueUser(openId: string, scope: string, ttlSeconds: number, now: number): { access: TokenRecord; refresh: string } {
    const access: TokenRecord = { token: newUserToken(), kind: 'user', expires_at: now + ttlSeconds * 1000, open_id: openId, scope };
    this.tokens.set(access.token, access);
    const refresh = newRefreshToken();
    this.refresh.set(refresh, { open_id: openId, scope, expires_at: now + 30 * 86_400_000 });
    return { access, refresh };
  }

  /** Refresh tokens are single use (LARK.md §5.1). */
  takeRefresh(token: string, now: number): { open_id: string; scope: string } | undefined {
    const r = this.refresh.get(token);
    this.refresh.delete(token);
    return r && r.expires_at > now ? r : undefined;
  }

  get(token: string): TokenRecord | undefined {
    return this.tokens.get(token);
  }
}
