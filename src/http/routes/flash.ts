import type { Context } from 'koa';
import { CookieSigner, clearCookie, readCookie, setCookie } from '../../auth/cookies.ts';

// The web app's one-time message after a form post ("Acknowledged #42", "You are on call until …"):
// a signed cookie under /h5 that the next page shows once. Every /h5 router uses this one, so a
// message set by one page shows on another.

const FLASH_COOKIE = 'hark_flash';

export interface Flash {
  set(ctx: Context, text: string, error?: boolean): void;
  /** The waiting message, if any; clears it. */
  take(ctx: Context): { text: string; error: boolean } | null;
}

export function flashCookie(sessionSecret: string, secure: boolean): Flash {
  const signer = new CookieSigner(sessionSecret, 'flash');
  return {
    set(ctx, text, error = false) {
      const value = signer.sign(Buffer.from(JSON.stringify({ text, error })).toString('base64url'));
      setCookie(ctx, FLASH_COOKIE, value, { path: '/h5', maxAgeSeconds: 60, secure });
    },
    take(ctx) {
      const raw = signer.verify(readCookie(ctx, FLASH_COOKIE));
      if (!raw) return null;
      clearCookie(ctx, FLASH_COOKIE, { path: '/h5', secure });
      try {
        const f = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
        return typeof f.text === 'string' ? { text: f.text, error: !!f.error } : null;
      } catch {
        return null;
      }
    },
  };
}
