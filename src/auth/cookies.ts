import crypto from 'node:crypto';
import type { Context } from 'koa';

// Cookies are signed here with HMAC-SHA256 under HARK_SESSION_SECRET rather than with Koa's
// app.keys, so the web pieces need nothing from the app factory, and the Set-Cookie header is
// written directly: Koa refuses `secure` cookies on a plain-HTTP hop, but behind a TLS-terminating
// proxy without X-Forwarded-Proto the browser still sees https (the public URL decides).

export interface CookieOptions {
  maxAgeSeconds: number;
  path?: string;
  secure: boolean;
  httpOnly?: boolean;
  sameSite?: 'Lax' | 'Strict';
}

export class CookieSigner {
  private readonly key: Buffer;

  constructor(secret: string, purpose: string) {
    // A separate key per purpose, so a value signed as one cookie never verifies as another.
    this.key = crypto.createHmac('sha256', secret).update(`hark-cookie:${purpose}`).digest();
  }

  sign(value: string): string {
    return `${value}.${this.mac(value)}`;
  }

  /** The value when the signature holds, else null. */
  verify(signed: string | undefined): string | null {
    if (!signed) return null;
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return null;
    const value = signed.slice(0, dot);
    const given = Buffer.from(signed.slice(dot + 1));
    const want = Buffer.from(this.mac(value));
    return given.length === want.length && crypto.timingSafeEqual(given, want) ? value : null;
  }

  private mac(value: string): string {
    return crypto.createHmac('sha256', this.key).update(value).digest('base64url');
  }
}

export function setCookie(ctx: Context, name: string, value: string, opts: CookieOptions): void {
  const parts = [
    `${name}=${value}`,
    `Path=${opts.path ?? '/'}`,
    `Max-Age=${Math.max(0, Math.floor(opts.maxAgeSeconds))}`,
    `SameSite=${opts.sameSite ?? 'Lax'}`,
  ];
  if (opts.maxAgeSeconds > 0) parts.push(`Expires=${new Date(Date.now() + opts.maxAgeSeconds * 1000).toUTCString()}`);
  else parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (opts.httpOnly !== false) parts.push('HttpOnly');
  if (opts.secure) parts.push('Secure');
  ctx.append('Set-Cookie', parts.join('; '));
}

export function clearCookie(ctx: Context, name: string, opts: Omit<CookieOptions, 'maxAgeSeconds'>): void {
  setCookie(ctx, name, '', { ...opts, maxAgeSeconds: 0 });
}

/** Reads one cookie from the request header without Koa's signed-cookie machinery. */
export function readCookie(ctx: Context, name: string): string | undefined {
  return ctx.cookies.get(name) ?? undefined;
}

export const randomToken = (bytes = 32): string => crypto.randomBytes(bytes).toString('base64url');

export const sha256 = (value: string): string => crypto.createHash('sha256').update(value).digest('hex');

/** Constant-time string comparison for tokens. */
export function sameToken(a: string | undefined | null, b: string | undefined | null): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
