/** The admin token every test rig and benchmark configures (HARK_ADMIN_TOKEN). */
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export type ApiCall = (method: string, route: string, body?: unknown, token?: string | null) => Promise<{ status: number; body: any }>;

/** One request: JSON in, {status, body} out (the body as text when it is not JSON, null when empty). */
export async function fetchJson(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed };
}

/** Calls Hark's HTTP API at `baseUrl` (a string, or read at each call): the admin token unless told otherwise. */
export function apiClient(baseUrl: string | (() => string), defaultToken: string | null = ADMIN_TOKEN): ApiCall {
  return (method, route, body, token = defaultToken) =>
    fetchJson((typeof baseUrl === 'string' ? baseUrl : baseUrl()) + route, method, body, token ? { authorization: `Bearer ${token}` } : {});
}
