/**
 * Where to go after login: only a path on this site. Anything that a browser could read as another
 * origin is refused (`//evil`, `/\evil`, `https://…`, `javascript:`, control characters, which
 * browsers strip, turning `/\t/evil` into `//evil`), and so is a loop back into /auth/.
 */
export function safeNextPath(next: unknown, fallback = '/h5'): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2000) return fallback;
  if (!next.startsWith('/') || next.startsWith('//')) return fallback;
  // Browsers treat "\" as "/" in URLs, and strip tabs and newlines before parsing.
  if (next.includes('\\') || [...next].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return fallback;
  let url: URL;
  try {
    url = new URL(next, 'http://hark.invalid');
  } catch {
    return fallback;
  }
  if (url.origin !== 'http://hark.invalid') return fallback;
  if (url.pathname.startsWith('/auth/')) return fallback;
  return url.pathname + url.search + url.hash;
}
