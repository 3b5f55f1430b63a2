/** The admin token every in-process test rig configures (HARK_ADMIN_TOKEN). */
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export type ApiCall = (method: string, route: string, body?: unknown, token?: string | null) => Promise<{ status: number; body: any }>;

/** Calls Hark's HTTP API at `baseUrl`: JSON in, {status, body} out (the body as text when it is not JSON). */
export function apiClient(baseUrl: string, defaultToken: string | null = ADMIN_TOKEN): ApiCall {
  return async (method, route, body, token = defaultToken) => {
    const res = await fetch(baseUrl + route, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
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
  };
}
