// HTTP callback mode (docs/lark-notes.md §4): POST each event/callback to the app's request URL, encrypted
// with AES-256-CBC (key = SHA256(encryptKey), random IV prepended) and signed with
// hex(SHA256(timestamp + nonce + encryptKey + body)). The body must be compact JSON.stringify
// output because the SDK re-serialises the parsed body before checking the signature (§0.8).
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import type { AttemptResult, Transport } from './delivery.ts';

export function encryptPayload(plaintext: string, encryptKey: string): string {
  const key = createHash('sha256').update(encryptKey).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

export function signBody(timestamp: string, nonce: string, encryptKey: string, body: string): string {
  return createHash('sha256').update(timestamp + nonce + encryptKey + body).digest('hex');
}

/** Body and headers for one push; exported so tests and tools can build identical requests. */
export function buildPush(payload: string, encryptKey: string): { body: string; headers: Record<string, string> } {
  const body = encryptKey ? JSON.stringify({ encrypt: encryptPayload(payload, encryptKey) }) : payload;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(8).toString('hex');
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'x-lark-request-timestamp': timestamp,
    'x-lark-request-nonce': nonce,
  };
  // The signature is only defined when an Encrypt Key exists (docs/lark-notes.md §4).
  if (encryptKey) headers['x-lark-signature'] = signBody(timestamp, nonce, encryptKey, body);
  return { body, headers };
}

export class HttpPushTransport implements Transport {
  constructor(private readonly url: string, private readonly encryptKey: string) {}

  available(): boolean {
    return true;
  }

  /** HTTP 200 = delivered; the response body (if JSON) is the callback answer. */
  async attempt(payload: string, deadlineMs: number): Promise<AttemptResult> {
    const { body, headers } = buildPush(payload, this.encryptKey);
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), deadlineMs);
    try {
      const res = await fetch(this.url, { method: 'POST', body, headers, signal: ac.signal, redirect: 'manual' });
      const text = await res.text();
      if (res.status !== 200) return { ok: false, reason: `HTTP ${res.status}` };
      if (text.trim() === '') return { ok: true };
      try {
        return { ok: true, response: JSON.parse(text) };
      } catch {
        return { ok: true, response: text };
      }
    } catch (err) {
      return { ok: false, reason: ac.signal.aborted ? 'timeout' : `request failed: ${(err as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }
}
