// Secrets that ride in URLs (issue 29): `redis://:PASS@host`, `postgres://hark:PASS@db/hark`,
// `http://user:pw@alertmanager:9093`, `?password=…`. Anything Hark prints, logs, answers or writes
// to a timeline about such a URL goes through here first. The URL is parsed (WHATWG URL), not
// pattern-matched, so an empty user name or an odd character in the password changes nothing.

const SECRET_PARAMS = /^(password|passwd|pass|pwd|secret|token|access_token|api_key|apikey|key|auth|sslpassword)$/i;
const MASK = '***';

/** The URL with its password (or a lone user name, which is then the secret) and secret query values masked. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not a URL we can parse: still hide anything between "//" and "@".
    return url.replace(/\/\/[^/?#\s]*@/, `//${MASK}@`);
  }
  let changed = false;
  if (u.password) {
    u.password = MASK;
    changed = true;
  } else if (u.username && url.includes('@')) {
    // `https://TOKEN@host`: a user name without a password is a credential too.
    u.username = MASK;
    changed = true;
  }
  for (const k of [...u.searchParams.keys()]) {
    if (SECRET_PARAMS.test(k)) {
      u.searchParams.set(k, MASK);
      changed = true;
    }
  }
  if (!changed) return url;
  // URL escapes the mask in userinfo and query; show it as written.
  return u.toString().replaceAll('%2A%2A%2A', MASK);
}

/** Every URL inside a free text (an error message) redacted. */
export function redactUrlsIn(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi, (m) => redactUrl(m));
}

/** Whether the URL carries a user name or password (`http://user:pw@host`). */
export function hasCredentials(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== '' || u.password !== '';
  } catch {
    return /\/\/[^/?#\s]*@/.test(url);
  }
}
