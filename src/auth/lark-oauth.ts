import crypto from 'node:crypto';

// Lark's web-app login (docs/lark-notes.md §5.1): authorize page on the accounts host, code exchange at
// /open-apis/authen/v2/oauth/token and identity from /open-apis/authen/v1/user_info. The SDK has no
// method for the v2 token endpoint (docs/lark-notes.md §0.9), so this is plain fetch.

export interface LarkIdentity {
  openId: string;
  unionId: string | null;
  name: string;
  /** Lark does not verify it (docs/lark-notes.md §5.1 step 4): used only to find the roster entry, never as a login key alone. */
  email: string | null;
}

export type OAuthFailure =
  | 'denied' // the person declined consent
  | 'code_used' // 20003: unknown or already exchanged code (a replayed callback URL)
  | 'code_expired' // 20004
  | 'not_available' // 20010: the app is not available to this person
  | 'rejected' // any other refusal by Lark (bad secret, PKCE mismatch, …)
  | 'unreachable'; // network error or a 5xx

export class OAuthError extends Error {
  constructor(
    readonly failure: OAuthFailure,
    message: string,
    readonly larkCode?: number,
  ) {
    super(message);
    this.name = 'OAuthError';
  }
}

/** feishu/lark open-platform hosts have their authorize page on the accounts host; other base URLs (the emulator) serve it themselves. */
export function authorizeBase(domain: string): string {
  if (domain === 'https://open.feishu.cn') return 'https://accounts.feishu.cn';
  if (domain === 'https://open.larksuite.com') return 'https://accounts.larksuite.com';
  return domain;
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function newPkce(): Pkce {
  const verifier = crypto.randomBytes(32).toString('base64url'); // 43 chars, within RFC 7636's 43..128
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

export interface LarkOAuthOptions {
  domain: string;
  appId: string;
  appSecret: string;
  redirectUri: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export class LarkOAuth {
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: LarkOAuthOptions) {
    this.fetch = opts.fetch ?? fetch;
  }

  get redirectUri(): string {
    return this.opts.redirectUri;
  }

  authorizeUrl(state: string, codeChallenge: string): string {
    const u = new URL('/open-apis/authen/v1/authorize', authorizeBase(this.opts.domain));
    u.searchParams.set('client_id', this.opts.appId);
    u.searchParams.set('response_type', 'code');
    u.searchParams.set('redirect_uri', this.opts.redirectUri);
    u.searchParams.set('state', state);
    u.searchParams.set('code_challenge', codeChallenge);
    u.searchParams.set('code_challenge_method', 'S256');
    return u.toString();
  }

  /** Exchanges the callback's code for the person's identity. Throws OAuthError. */
  async identify(code: string, codeVerifier: string): Promise<LarkIdentity> {
    const token = await this.exchange(code, codeVerifier);
    return this.userInfo(token);
  }

  private async exchange(code: string, codeVerifier: string): Promise<string> {
    const body = await this.call('/open-apis/authen/v2/oauth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({
        grant_type: 'authorization_code',
        client_id: this.opts.appId,
        client_secret: this.opts.appSecret,
        code,
        redirect_uri: this.opts.redirectUri,
        code_verifier: codeVerifier,
      }),
    });
    const larkCode = Number(body.code ?? 0);
    if (larkCode !== 0 || typeof body.access_token !== 'string') {
      const why = String(body.error_description ?? body.msg ?? body.error ?? 'no access token');
      if (larkCode === 20003) throw new OAuthError('code_used', `authorization code was already used or is unknown (${why})`, larkCode);
      if (larkCode === 20004) throw new OAuthError('code_expired', `authorization code expired (${why})`, larkCode);
      if (larkCode === 20010) throw new OAuthError('not_available', `Hark is not available to this Lark user (${why})`, larkCode);
      if (larkCode === 20050) throw new OAuthError('unreachable', `Lark token service error (${why})`, larkCode);
      throw new OAuthError('rejected', `Lark refused the code exchange: ${larkCode} ${why}`, larkCode);
    }
    return body.access_token;
  }

  private async userInfo(accessToken: string): Promise<LarkIdentity> {
    const body = await this.call('/open-apis/authen/v1/user_info', {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const d = body.data as Record<string, unknown> | undefined;
    if (Number(body.code ?? -1) !== 0 || !d || typeof d.open_id !== 'string' || !d.open_id) {
      throw new OAuthError('rejected', `Lark user_info failed: ${String(body.code)} ${String(body.msg ?? '')}`, Number(body.code));
    }
    const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
    return {
      openId: d.open_id,
      unionId: str(d.union_id),
      name: str(d.name) ?? str(d.en_name) ?? d.open_id,
      email: (str(d.enterprise_email) ?? str(d.email))?.toLowerCase() ?? null,
    };
  }

  private async call(path: string, init: RequestInit): Promise<Record<string, any>> {
    let res: Response;
    try {
      res = await this.fetch(new URL(path, this.opts.domain), {
        ...init,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new OAuthError('unreachable', `could not reach Lark at ${this.opts.domain}: ${(err as Error).message}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new OAuthError('unreachable', `Lark answered ${res.status} with a body that is not JSON`);
    }
    if (res.status >= 500 && !(body && typeof body === 'object' && 'code' in body)) {
      throw new OAuthError('unreachable', `Lark answered ${res.status}`);
    }
    // Business errors come as HTTP 400 + {code,…} (docs/lark-notes.md §2.0); the caller reads `code`.
    return (body && typeof body === 'object' ? body : {}) as Record<string, any>;
  }
}
