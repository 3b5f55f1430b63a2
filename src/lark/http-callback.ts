// HTTP callback mode (HARK_EVENT_MODE=http, README "Connect a real Lark app", step 3): Lark POSTs events and card
// callbacks to {HARK_PUBLIC_URL}/lark/callback. We check what the SDK does not (docs/lark-notes.md §0.8, §4):
// the signature over the *raw* body (the SDK re-serialises the parsed JSON, which breaks on any
// other key order or spacing), and the Verification Token (the SDK never compares it). Only then
// is the decrypted JSON handed to the same EventDispatcher the long connection uses, so the bot
// never learns which transport delivered an event. The route itself: src/http/routes/lark-callback.ts.
import crypto from 'node:crypto';
import type * as lark from '@larksuiteoapi/node-sdk';
import type { Logger } from '../log.ts';

export const CALLBACK_PATH = '/lark/callback';

export interface CallbackOptions {
  dispatcher: Pick<lark.EventDispatcher, 'invoke'>;
  /** Events & Callbacks → Encryption Strategy. Empty: plaintext bodies, no signature (docs/lark-notes.md §4). */
  encryptKey: string;
  verificationToken: string;
  logger: Logger;
}

export class CallbackRefused extends Error {}

/** AES-256-CBC, key = SHA256(encryptKey), body = base64(IV ‖ ciphertext), PKCS7 (docs/lark-notes.md §4). */
export function decryptPayload(encrypted: string, encryptKey: string): string {
  const buf = Buffer.from(encrypted, 'base64');
  if (buf.length < 32 || buf.length % 16 !== 0) throw new CallbackRefused('encrypted payload has a bad length');
  const key = crypto.createHash('sha256').update(encryptKey).digest();
  const decipher = crypto.createDecipheriv('aes-256-cbc', key, buf.subarray(0, 16));
  try {
    return Buffer.concat([decipher.update(buf.subarray(16)), decipher.final()]).toString('utf8');
  } catch {
    throw new CallbackRefused('payload does not decrypt with the Encrypt Key');
  }
}

/** hex(SHA256(timestamp + nonce + encryptKey + rawBody)), compared in constant time. */
export function signatureMatches(h: { timestamp: string; nonce: string; signature: string }, encryptKey: string, rawBody: string): boolean {
  const expected = crypto.createHash('sha256').update(h.timestamp + h.nonce + encryptKey + rawBody).digest();
  const given = /^[0-9a-f]{64}$/i.test(h.signature) ? Buffer.from(h.signature, 'hex') : Buffer.alloc(0);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

function tokenMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * Verifies and opens one callback request. Returns the plaintext envelope, or throws
 * CallbackRefused with the reason (logged; the sender gets 401 and nothing is touched).
 */
export function openCallback(
  raw: string,
  headers: Record<string, string | string[] | undefined>,
  opts: Pick<CallbackOptions, 'encryptKey' | 'verificationToken'>,
): Record<string, any> {
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : (v ?? '');
  };
  if (opts.encryptKey) {
    const signature = header('x-lark-signature');
    // Lark signs every request once an Encrypt Key is set; a missing signature is a forgery.
    if (!signature) throw new CallbackRefused('missing X-Lark-Signature');
    const ok = signatureMatches({ timestamp: header('x-lark-request-timestamp'), nonce: header('x-lark-request-nonce'), signature }, opts.encryptKey, raw);
    if (!ok) throw new CallbackRefused('signature does not match');
  }
  let body: any;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new CallbackRefused('body is not JSON');
  }
  if (body && typeof body.encrypt === 'string') {
    if (!opts.encryptKey) throw new CallbackRefused('encrypted body but no LARK_ENCRYPT_KEY configured');
    try {
      body = JSON.parse(decryptPayload(body.encrypt, opts.encryptKey));
    } catch (err) {
      if (err instanceof CallbackRefused) throw err;
      throw new CallbackRefused('decrypted payload is not JSON');
    }
  } else if (opts.encryptKey) {
    throw new CallbackRefused('plaintext body while an Encrypt Key is configured');
  }
  if (!body || typeof body !== 'object') throw new CallbackRefused('body is not a JSON object');
  // Schema 2.0 carries the token in header.token; v1 events and url_verification at the top (docs/lark-notes.md §3.1, §3.6).
  // Note: inside `event` of a card callback, `token` is the card update token (§0.12), so never read event.token.
  const token = body.schema === '2.0' ? body.header?.token : body.token;
  if (opts.verificationToken && !tokenMatches(token, opts.verificationToken)) {
    throw new CallbackRefused('verification token does not match');
  }
  return body;
}
